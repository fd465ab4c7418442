// `mambascope run --model M [--weights DIR] --length L [--decode N]`: one prefill + greedy decode at any size,
// with timings and memory by category. Presets run with generated weights unless --weights is given.
#include <fmt/format.h>

#include "app/cli/commands.h"
#include "engine/bench/lengths.h"
#include "engine/bench/run_model.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/session/model_source.h"

namespace mambascope::cli {

void add_run_command(CLI::App& app) {
  struct Opt {
    std::string model, weights, length = "1k", device, dtype;
    int64_t decode = 32, chunk = 8192;
    int repeats = 1;
    bool no_graphs = false;
    uint64_t seed = 0;
  };
  auto o = std::make_shared<Opt>();
  CLI::App* cmd = app.add_subcommand("run", "Prefill L tokens and decode N at any size: timings and memory by category");
  cmd->add_option("--model", o->model, "Preset (ml-mamba, mmmamba-linear, mmmamba-hybrid, transformer, tiny-*), a checkpoint under assets/models/, or a model directory")->required();
  cmd->add_option("--weights", o->weights, "Checkpoint directory for a preset (default: generated weights)");
  cmd->add_option("--length", o->length, "Prompt tokens, e.g. 4k or 103424");
  cmd->add_option("--decode", o->decode, "Tokens to generate");
  cmd->add_option("--prefill-chunk", o->chunk, "Tokens per prefill forward");
  cmd->add_option("--repeats", o->repeats, "Prefill repeats (median)");
  cmd->add_option("--device", o->device, "cuda or cpu (default: cuda when present)");
  cmd->add_option("--dtype", o->dtype, "bf16 (CUDA default) or f32 (CPU default)");
  cmd->add_option("--seed", o->seed, "Seed of the generated weights");
  cmd->add_flag("--no-graphs", o->no_graphs, "Decode without CUDA graphs");
  cmd->callback([o] {
    const Device dev = pick_device(o->device, "run");
    const DType dt = o->dtype.empty() ? (dev == Device::Cuda ? DType::BF16 : DType::F32) : parse_dtype(o->dtype, "--dtype");
    ModelRequest req;  // a preset (generated weights), an assets/models/ name, or a directory; --weights overrides
    req.model = o->model;
    req.weights = o->weights;
    req.device = dev;
    req.dtype = dt;
    req.seed = o->seed;
    const std::shared_ptr<const Model> m = resolve_model(req, /*need_tokenizer=*/false).model;
    RunOptions ro;
    ro.length = parse_length(o->length, "--length");
    ro.decode = o->decode;
    ro.prefill_chunk = o->chunk;
    ro.cuda_graphs = !o->no_graphs;
    ro.repeats = o->repeats;
    const RunResult r = run_model(m, ro);
    const ModelConfig& c = m->config();
    // resident_bytes: what the model holds on the device after fusing/permuting; the store alone no longer
    // holds the tensors the layers consumed (it printed 2.00 GiB for the 4.5 GiB transformer).
    fmt::print("{} ({}, pattern {}, {} weights {}) on {}\n", c.kind(), c.name, c.layer_pattern(), dtype_name(dt),
               format_bytes(m->resident_bytes()), dev == Device::Cuda ? cuda_devices().at(0).name : "CPU");
    fmt::print("prefill  {} tokens: {:.2f} ms median of {} ({:.0f} tokens/s)\n", ro.length, r.prefill.median_ms, r.prefill.samples,
               ro.length / (r.prefill.median_ms * 1e-3));
    if (r.decode.samples)
      fmt::print("decode   {} tokens: {:.3f} ms/token median (+-{:.1f}%, {:.1f} tokens/s){}\n", ro.decode, r.decode.median_ms,
                 100 * r.decode.rel_stdev, 1e3 / r.decode.median_ms, dev == Device::Cuda && ro.cuda_graphs ? ", CUDA graph" : "");
    const size_t other = r.memory.at_peak(MemCategory::Other);  // host staging copies; shown so the sum adds up
    fmt::print("memory   peak {} = weights {} + state {} + kv {} + activations {} + workspace {}{}\n",
               format_bytes(r.memory.total_peak), format_bytes(r.memory.at_peak(MemCategory::Weights)),
               format_bytes(r.memory.at_peak(MemCategory::State)), format_bytes(r.memory.at_peak(MemCategory::KV)),
               format_bytes(r.memory.at_peak(MemCategory::Activations)), format_bytes(r.memory.at_peak(MemCategory::Workspace)),
               other ? " + other " + format_bytes(other) : std::string());
    fmt::print("         planned {}{}\n", format_bytes(r.plan.total()),
               r.device_used ? fmt::format(", device in use (cudaMemGetInfo) {}", format_bytes(r.device_used)) : std::string());
  });
}

}  // namespace mambascope::cli
