// `mambascope bench-op <op> [--dims D] [--len L,...] [--param k=v ...] [--reps N] [--json FILE]`:
// times one op with CUDA events, prints a markdown table with GB/s, TFLOP/s and % of the ceilings measured
// in the same run, and writes the rows as JSON.
#include <fmt/format.h>

#include <mambascope/build_info.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "engine/bench/lengths.h"
#include "engine/bench/op_bench.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/core/file.h"

namespace mambascope::cli {
namespace {

struct BenchOpOptions {
  std::string op, dims, lens, json_path;
  std::vector<std::string> params;
  int reps = 50, warmup = 10;
  bool no_ceilings = false, list = false;
  uint64_t seed = 1;
};

void run_bench_op(const BenchOpOptions& o) {
  register_all_op_benches();
  if (o.list || o.op.empty()) {
    fmt::print("ops:\n");
    for (const auto& [name, e] : op_bench_registry()) fmt::print("  {:<22} {}\n", name, e.help);
    if (!o.list) throw Error("no op given", "bench-op", "op", "name one of the ops above");
    return;
  }
  OpBenchArgs a;
  a.dims = o.dims;
  a.seed = o.seed;
  if (!o.lens.empty()) a.lens = parse_lengths(o.lens);
  for (const std::string& p : o.params) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("'" + p + "' is not key=value", "bench-op", "--param", "write e.g. --param headdim=128");
    a.params[p.substr(0, eq)] = p.substr(eq + 1);
  }
  require_cuda("bench-op");
  Ceilings c;
  if (!o.no_ceilings) {
    CeilingOptions co;
    co.reps = 20;
    c = measure_ceilings(co);
  }
  const std::vector<OpBenchRow> rows = run_op_bench(o.op, a, o.no_ceilings ? nullptr : &c, o.warmup, o.reps);
  const auto dev = cuda_devices().at(0);
  fmt::print("\n{} | copy {:.0f} GB/s, bf16 GEMM {:.0f} TFLOP/s measured now | median of {} after {} warm-up\n\n", dev.name,
             c.copy_GBps, c.gemm_TFLOPs, o.reps, o.warmup);
  fmt::print("| op | dims | len | median ms | noise | GB/s | % copy | TFLOP/s | % GEMM |\n");
  fmt::print("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const OpBenchRow& r : rows)
    fmt::print("| {} | {} | {} | {:.4f} | {:.1f}% | {:.1f} | {:.1f} | {:.2f} | {:.1f} |\n", r.op, r.dims, r.len, r.t.median_ms,
               100 * r.t.rel_stdev, r.GBps, r.pct_copy, r.TFLOPs, r.pct_gemm);
  if (!o.json_path.empty()) {
    nlohmann::json j;
    j["schema"] = "mambascope.bench-op/1";
    j["gpu"] = dev.name;
    j["sm_clock_mhz"] = dev.sm_clock_mhz;
    j["build"] = {{"version", build::kVersion}, {"git_sha", build::kGitSha}, {"type", build::kBuildType}};
    j["ceilings"] = {{"copy_GBps", c.copy_GBps}, {"gemm_bf16_TFLOPs", c.gemm_TFLOPs}};
    j["reps"] = o.reps;
    j["warmup"] = o.warmup;
    j["rows"] = nlohmann::json::array();
    for (const OpBenchRow& r : rows)
      j["rows"].push_back({{"op", r.op}, {"dims", r.dims}, {"len", r.len}, {"median_ms", r.t.median_ms},
                           {"min_ms", r.t.min_ms}, {"rel_stdev", r.t.rel_stdev}, {"GBps", r.GBps}, {"TFLOPs", r.TFLOPs},
                           {"pct_copy", r.pct_copy}, {"pct_gemm", r.pct_gemm}, {"notes", r.notes}});
    write_file_atomic(o.json_path, j.dump(2) + "\n");
    fmt::print("\nwrote {}\n", o.json_path);
  }
}

}  // namespace

void add_bench_op_command(CLI::App& app) {
  auto o = std::make_shared<BenchOpOptions>();
  CLI::App* cmd = app.add_subcommand("bench-op", "Time one op on the GPU: median ms, GB/s, TFLOP/s, % of the ceilings");
  cmd->add_option("op", o->op, "The op to time (--list shows them)");
  cmd->add_option("--dims", o->dims, "Dims preset of the op (e.g. mamba2-2.7b)");
  cmd->add_option("--len", o->lens, "Sequence lengths, e.g. 1k,16k,101k (k = 1024)");
  cmd->add_option("--param", o->params, "Override a dim: key=value (repeatable)");
  cmd->add_option("--reps", o->reps, "Timed repetitions")->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", o->warmup, "Untimed warm-up repetitions")->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o->seed, "Seed of the random inputs");
  cmd->add_option("--json", o->json_path, "Write the rows as JSON to this file");
  cmd->add_flag("--no-ceilings", o->no_ceilings, "Skip measuring the ceilings (no % columns)");
  cmd->add_flag("--list", o->list, "List the ops");
  cmd->callback([o] { run_bench_op(*o); });
}

}  // namespace mambascope::cli
