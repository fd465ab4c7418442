// `mambascope profile --model X --length L [--decode N] [--out DIR] [--no-graphs]`: prefill L tokens, then N
// decode steps, under the CUPTI collector (engine/profile/cupti.h). Prints where the time goes (per op scope,
// per layer, top kernels, % of the step) and writes DIR/<model>-<L>-{prefill,decode}.trace.json (Chrome trace:
// chrome://tracing, ui.perfetto.dev, `mambascope-gui --panel timeline --profile FILE`) beside
// DIR/<model>-<L>.profile.json (kind "profile", with the kernel summaries).
#include <fmt/format.h>

#include <filesystem>

#include "app/cli/commands.h"
#include "engine/bench/bench.h"
#include "engine/bench/lengths.h"
#include "engine/bench/run_model.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/model/model_config.h"
#include "engine/model/weight_specs.h"
#include "engine/profile/cupti.h"
#include "engine/profile/kernel_summary.h"

namespace mambascope::cli {

namespace {

// Times relative to the phase's first record: small microsecond values keep full precision in viewers.
Trace phase_trace(const std::vector<KernelRecord>& recs, const std::string& title, const std::string& gpu) {
  Trace t;
  t.title = title;
  t.gpu = gpu;
  t.kernels = recs;
  const int64_t t0 = recs.empty() ? 0 : recs.front().start_ns;
  for (KernelRecord& k : t.kernels) {
    k.start_ns -= t0;
    k.end_ns -= t0;
  }
  return t;
}

}  // namespace

void add_profile_command(CLI::App& app) {
  struct Opt {
    std::string model = "mmmamba-linear", length = "4k", out = "profile-out";
    int64_t decode = 8, chunk = 8192;
    bool no_graphs = false;
  };
  auto o = std::make_shared<Opt>();
  CLI::App* cmd = app.add_subcommand("profile", "CUPTI kernel timeline of a prefill and decode steps: summary + Chrome trace + profile JSON");
  cmd->add_option("--model", o->model, "Preset (mmmamba-linear, mmmamba-hybrid, transformer, ml-mamba, tiny-*)");
  cmd->add_option("--length", o->length, "Prompt tokens prefilled before decoding (101k = 103,424)");
  cmd->add_option("--decode", o->decode, "Decode steps recorded (after 2 unrecorded warm-up steps)");
  cmd->add_option("--prefill-chunk", o->chunk, "Tokens per prefill forward");
  cmd->add_option("--out", o->out, "Directory for the traces and the profile JSON");
  cmd->add_flag("--no-graphs", o->no_graphs, "Decode without CUDA graphs (each kernel launched eagerly)");
  cmd->callback([o] {
    require_cuda("profile");
    const int64_t L = parse_length(o->length, "--length");
    if (o->decode < 1) throw Error("--decode must be at least 1", "profile", "--decode");
    // The collector exists before the session: the decode graph is captured under it and keeps its scopes.
    CuptiCollector cupti;
    std::shared_ptr<const Model> m = load_model(o->model, Device::Cuda, DType::BF16, 0);
    const ModelConfig& cfg = m->config();
    RunOptions ro;
    ro.length = L;
    ro.decode = o->decode + 2;
    ro.prefill_chunk = o->chunk;
    ro.cuda_graphs = !o->no_graphs;
    Session s(m, session_options(ro));
    const std::vector<int32_t> ids = random_prompt(L, cfg.vocab(), 1);
    s.prefill(ids);  // warm-up (cuBLASLt plans, first-touch); not recorded
    s.reset();

    cupti.start();
    const int64_t p0 = cupti.now_ns();
    s.prefill(ids);
    const int64_t p1 = cupti.now_ns();
    PhaseRecords pre{"prefill", 1, {{p0, p1}}, cupti.stop()};

    ops::SamplingConfig greedy;
    int32_t tok = s.sample_last(greedy);
    for (int i = 0; i < 2; ++i) tok = s.decode(tok, greedy);  // graph capture and warm-up
    PhaseRecords dec{"decode", static_cast<int>(o->decode), {}, {}};
    cupti.start();
    for (int64_t i = 0; i < o->decode; ++i) {
      const int64_t t0 = cupti.now_ns();
      tok = s.decode(tok, greedy);
      dec.windows.push_back({t0, cupti.now_ns()});
    }
    dec.records = cupti.stop();

    std::filesystem::create_directories(o->out);
    const std::string stem = fmt::format("{}-{}", cfg.kind(), format_length(L));
    const std::string gpu = current_machine(Device::Cuda).gpu;
    Profile p;
    p.kind = "profile";
    p.created = utc_now_iso8601();
    p.machine = current_machine(Device::Cuda);
    p.build = current_build();
    p.protocol_description = fmt::format(
        "mambascope profile: CUPTI activity records (kernels, memcpy, memset) of one prefill of {} random tokens (chunks of {}, after "
        "one unrecorded warm-up prefill) and of {} decode steps ({}; after 2 unrecorded steps), batch 1, bf16, generated weights. "
        "Times per step; spans are first kernel start to last end on the GPU clock. Tracing adds gaps around launches (most "
        "around CUDA graph launches): spans grow, kernel (busy) times do not; use `mambascope bench` for timings.",
        L, o->chunk, o->decode, ro.cuda_graphs ? "each one CUDA graph replay" : "kernels launched eagerly, no CUDA graphs");
    p.models.push_back({cfg.kind(), "", cfg.layer_pattern(), param_count(weight_specs(cfg)), m->resident_bytes()});
    for (PhaseRecords* ph : {&pre, &dec}) {
      KernelSummary k = summarize_kernels(*ph);
      k.model = cfg.kind();
      k.length = L;
      k.cuda_graphs = ph == &dec && ro.cuda_graphs;
      k.trace = fmt::format("{}-{}.trace.json", stem, ph->phase);
      write_trace((std::filesystem::path(o->out) / k.trace).string(),
                  phase_trace(ph->records, fmt::format("{} {} at {} tokens ({} step{}{})", cfg.kind(), ph->phase, L, ph->steps,
                                                       ph->steps > 1 ? "s" : "", k.cuda_graphs ? ", CUDA graphs" : ""), gpu));
      fmt::print("{}\n", kernel_summary_text(k));
      if (k.cuda_graphs && k.scoped_share < 0.5)
        fmt::print("note: most kernels of the replayed CUDA graph have no engine scope; run with --no-graphs to attach them\n\n");
      if (ph == &dec)
        for (const KernelShare& t : k.top) p.kernels.push_back({t.key, t.op, t.calls, t.total_ms});
      p.kernel_summaries.push_back(std::move(k));
    }
    ProfileRow row;
    row.model = cfg.kind();
    row.length = L;
    row.prefill_ms = p.kernel_summaries[0].span_ms;
    row.decode_ms_per_token = p.kernel_summaries[1].span_ms;
    row.note = "GPU spans under CUPTI (first kernel start to last end), not benchmark timings";
    p.rows.push_back(row);
    const std::string json = (std::filesystem::path(o->out) / (stem + ".profile.json")).string();
    write_profile(json, p);
    if (cupti.dropped() > 0) fmt::print("warning: CUPTI dropped {} records (buffers full)\n", cupti.dropped());
    fmt::print("wrote {}, {}/{}-prefill.trace.json and {}/{}-decode.trace.json\n", json, o->out, stem, o->out, stem);
  });
}

}  // namespace mambascope::cli
