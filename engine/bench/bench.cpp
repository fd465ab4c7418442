#include "engine/bench/bench.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <map>
#include <tuple>
#include <mambascope/build_info.h>

#include "engine/bench/ceilings.h"
#include "engine/bench/lengths.h"
#include "engine/bench/run_model.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/model/model.h"
#include "engine/model/weight_specs.h"

namespace mambascope {

namespace {
// Tensors a text token never touches: the vision towers and embeddings, the connector and the projector (the
// names of both families' checkpoints, weight_specs.cpp). Neither in a decode step nor in the decoder's GEMMs.
bool vision_side(const std::string& n) {
  for (const char* p : {"vision_backbone.", "projector.", "bidirectional_mamba.", "mlp.0."})
    if (n.rfind(p, 0) == 0) return true;
  return n.find("vision_embeddings.") != std::string::npos || n.find("pixel_shuffle_proj.") != std::string::npos;
}
// Token-embedding tables and the LM head: lookups, and a head that a prefill runs for one row only.
bool is_table(const std::string& n) {
  for (const char* t : {"embedding", "tok_embeddings", "language_model.output"})
    if (n.find(t) != std::string::npos) return true;
  return false;
}
}  // namespace

uint64_t decode_weight_bytes(const Model& m) {
  const bool untied_table = m.config().family != ModelFamily::MLMamba;  // ML-Mamba's table is its LM head
  uint64_t unread = 0;
  for (const auto& [name, t] : m.weights().tensors()) {
    if (vision_side(name))
      unread += t.nbytes();
    else if (untied_table && name.find("llm_text_embeddings.") != std::string::npos && t.rank() == 2)
      unread += t.nbytes() - t.nbytes() / static_cast<size_t>(t.dim(0));  // one row per token is read
  }
  const uint64_t resident = m.resident_bytes();
  return resident > unread ? resident - unread : 0;
}

StepCost step_cost(const std::string& model, int64_t L, uint64_t weights_read, uint64_t state) {
  const ModelConfig c = preset_config(model);
  StepCost s;
  double gemm_params = 0;
  for (const WeightSpec& w : weight_specs(c))
    if (w.shape.size() == 2 && !is_table(w.name) && !vision_side(w.name))
      gemm_params += static_cast<double>(w.shape[0]) * static_cast<double>(w.shape[1]);
  s.prefill_flops = 2.0 * gemm_params * static_cast<double>(L);
  double kv_per_token = 0;
  if (c.family == ModelFamily::Hovle) {
    const std::string p = c.hovle.pattern();
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] != 'A') continue;
      const DecoderPartConfig& d = static_cast<int64_t>(i) < c.hovle.embedding.layers ? c.hovle.embedding : c.hovle.llm;
      kv_per_token += 2.0 * d.kv_heads * d.head_dim() * 2;                                       // bf16 K and V
      s.prefill_flops += 2.0 * static_cast<double>(L) * static_cast<double>(L) * d.heads * d.head_dim();  // causal QK^T + PV
    }
  }
  s.decode_bytes = static_cast<double>(weights_read) + 2.0 * static_cast<double>(state) + kv_per_token * static_cast<double>(L);
  return s;
}

BenchProtocol parse_protocol(const std::string& s) {
  if (s == "ours" || s == "mambascope") return BenchProtocol::Ours;
  if (s == "paper") return BenchProtocol::Paper;
  throw Error("unknown protocol '" + s + "'", "bench", "--protocol", "use ours or paper (docs/paper-protocol.md)");
}

const char* protocol_label(BenchProtocol p) { return p == BenchProtocol::Paper ? "paper" : "mambascope"; }

std::string utc_now_iso8601() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

ProfileMachine current_machine(Device dev) {
  if (dev != Device::Cuda) return {"cpu", 0, 0, 0, 0, 0, 0};
  const CudaDeviceInfo d = cuda_devices().at(0);
  const CudaRuntimeInfo rt = cuda_runtime_info();
  return {d.name, d.sm_count, d.total_bytes, d.sm_clock_mhz, d.mem_clock_mhz, rt.driver_version, rt.runtime_version};
}

ProfileBuild current_build() { return {build::kVersion, build::kGitSha, build::kBuildType, build::kCudaArchitectures}; }

Profile run_bench(const BenchOptions& o, const BenchProgress& progress) {
  const bool gpu = o.device == Device::Cuda;
  if (gpu) require_cuda("bench");
  if (o.models.empty() || o.lengths.empty()) throw Error("nothing to run", "bench", "--models/--lengths", "name models and lengths");
  const bool paper = o.protocol == BenchProtocol::Paper;
  Profile p;
  p.kind = "bench";
  p.created = utc_now_iso8601();
  p.build = current_build();
  p.machine = current_machine(o.device);
  Ceilings c;
  if (gpu) {
    CeilingOptions co;
    co.reps = 20;
    c = measure_ceilings(co);
    p.ceilings = {c.copy_GBps, c.gemm_TFLOPs};
  }
  const bool graphs = gpu && o.cuda_graphs && !paper;
  if (paper)
    p.protocol_description = fmt::format(
        "paper (mmMamba arXiv 2502.13145 Fig. 1c/d, docs/paper-protocol.md): next-token latency with L tokens in context, batch 1, "
        "{} weights and activations, generated weights; prefill of L random tokens (chunks of {}, timed once, not the metric), then "
        "{} greedy decode steps launched eagerly (no CUDA graphs, as the paper's PyTorch loop), each timed on the host clock from "
        "token in to token out (median of the steady-state steps); memory = the engine allocator's peak by category and the "
        "process's device memory in use (cudaMemGetInfo), the paper's method being unstated.",
        gpu ? "bf16" : "f32 (CPU)", o.prefill_chunk, o.decode);
  else
    p.protocol_description = fmt::format(
      "mambascope: batch 1, {} weights and activations, generated weights; prefill of L random tokens in chunks of {} "
      "(median of {}), then {} greedy decode steps with {} (median of the steady-state steps); memory = the engine "
      "allocator's peak over the run by category, cross-checked with cudaMemGetInfo. Decode latency at context L is the "
      "mmMamba paper's metric (Fig. 1c: next-token latency).",
      gpu ? "bf16" : "f32 (CPU)", o.prefill_chunk, o.repeats, o.decode, graphs ? "CUDA graphs" : "no CUDA graphs");
  const int total = static_cast<int>(o.models.size() * o.lengths.size());
  int done = 0;
  for (const std::string& name : o.models) {
    if (progress) progress("loading " + name, done, total);
    std::shared_ptr<const Model> m = load_model(name, o.device, gpu ? DType::BF16 : DType::F32, static_cast<int64_t>(o.seed));
    const ModelConfig& cfg = m->config();
    p.models.push_back({cfg.kind(), cfg.kind() == "transformer" ? "transformer" : cfg.family == ModelFamily::MLMamba ? "ml-mamba" : "mmmamba",
                        cfg.layer_pattern(), param_count(weight_specs(cfg)), m->resident_bytes()});
    for (int64_t L : o.lengths) {
      if (progress) progress(fmt::format("{} at {} tokens", cfg.kind(), format_length(L)), done, total);
      RunOptions ro;
      ro.length = L;
      ro.decode = o.decode;
      ro.prefill_chunk = o.prefill_chunk;
      ro.cuda_graphs = graphs;
      ro.repeats = paper ? 1 : o.repeats;
      ro.host_clock_decode = paper;
      const MemoryPlan plan = plan_session(*m, session_options(ro));
      ProfileRow row;
      if (gpu && plan.to_allocate() + (size_t{256} << 20) > cuda_devices().at(0).free_bytes) {
        row.model = cfg.kind();
        row.length = L;
        row.oom_predicted = plan.total();
        row.planned_bytes = plan.total();
        row.note = "the planner refused it: " + plan.describe();
        row.protocol = protocol_label(o.protocol);
      } else {
        const RunResult r = run_model(m, ro);
        row = to_profile_row(*m, ro, r);
        row.protocol = protocol_label(o.protocol);
        const StepCost sc = step_cost(cfg.name.rfind("tiny-", 0) == 0 ? cfg.name : cfg.kind(), L, decode_weight_bytes(*m), plan.state);
        if (gpu && row.decode_ms_per_token) row.pct_ceiling_decode = 100.0 * sc.decode_bytes / (*row.decode_ms_per_token * 1e-3) / (c.copy_GBps * 1e9);
        if (gpu) row.pct_ceiling_prefill = 100.0 * sc.prefill_flops / (*row.prefill_ms * 1e-3) / (c.gemm_TFLOPs * 1e12);
      }
      p.rows.push_back(row);
      ++done;
    }
  }
  if (progress) progress("done", done, total);
  return p;
}

std::string bench_table(const Profile& p) {
  // The speed-up and saving compare rows of one engine and protocol with that engine's transformer row.
  std::map<std::tuple<std::string, std::string, int64_t>, const ProfileRow*> base;
  for (const ProfileRow& r : p.rows)
    if (r.model == "transformer") base[{r.engine, r.protocol, r.length}] = &r;
  std::string s = fmt::format("{} | copy {:.0f} GB/s, bf16 GEMM {:.0f} TFLOP/s measured in this run | {}\n\n", p.machine.gpu,
                              p.ceilings.copy_GBps, p.ceilings.gemm_bf16_TFLOPs, p.build.git_sha);
  s += "| model | engine | protocol | tokens | prefill ms | prefill tok/s | % GEMM peak | decode ms/tok | decode tok/s | % copy BW | peak GiB | x vs transformer | memory saved |\n";
  s += "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const ProfileRow& r : p.rows) {
    if (r.oom_predicted) {
      s += fmt::format("| {} | {} | {} | {} | OOM: needs {:.2f} GiB | | | | | | | | |\n", r.model, r.engine, r.protocol, r.length,
                       *r.oom_predicted / 1073741824.0);
      continue;
    }
    std::string vs = "", saved = "";
    auto it = base.find({r.engine, r.protocol, r.length});
    if (it != base.end() && r.model != "transformer" && !it->second->oom_predicted && r.decode_ms_per_token && it->second->decode_ms_per_token) {
      vs = fmt::format("{:.2f}x", *it->second->decode_ms_per_token / *r.decode_ms_per_token);
      saved = fmt::format("{:.1f}%", 100.0 * (1.0 - static_cast<double>(*r.peak_bytes) / static_cast<double>(*it->second->peak_bytes)));
    }
    auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.0f}%", *v) : std::string(); };
    s += fmt::format("| {} | {} | {} | {} | {:.1f} | {:.0f} | {} | {:.3f} | {:.1f} | {} | {:.2f} | {} | {} |\n", r.model, r.engine, r.protocol, r.length,
                     r.prefill_ms.value_or(0), r.length / (r.prefill_ms.value_or(1) * 1e-3), pct(r.pct_ceiling_prefill),
                     r.decode_ms_per_token.value_or(0), 1e3 / r.decode_ms_per_token.value_or(1), pct(r.pct_ceiling_decode),
                     r.peak_bytes.value_or(0) / 1073741824.0, vs, saved);
  }
  return s;
}

}  // namespace mambascope
