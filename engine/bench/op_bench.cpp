#include "engine/bench/op_bench.h"

#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/profile/cuda_timer.h"

namespace mambascope {

namespace {
std::map<std::string, OpBenchEntry>& registry() {
  static std::map<std::string, OpBenchEntry> r;
  return r;
}
}  // namespace

int64_t OpBenchArgs::param_int(const std::string& k, int64_t def) const {
  auto it = params.find(k);
  if (it == params.end()) return def;
  try {
    size_t pos = 0;
    const int64_t v = std::stoll(it->second, &pos);
    if (pos != it->second.size()) throw std::invalid_argument(k);
    return v;
  } catch (const std::exception&) {
    throw Error("'" + it->second + "' is not an integer", "bench-op", "--param " + k, "write e.g. " + k + "=64");
  }
}

double OpBenchArgs::param_double(const std::string& k, double def) const {
  auto it = params.find(k);
  if (it == params.end()) return def;
  try {
    return std::stod(it->second);
  } catch (const std::exception&) {
    throw Error("'" + it->second + "' is not a number", "bench-op", "--param " + k);
  }
}

std::string OpBenchArgs::param_str(const std::string& k, const std::string& def) const {
  auto it = params.find(k);
  return it == params.end() ? def : it->second;
}

void register_op_bench(const std::string& name, const std::string& help, OpBenchFactory f) {
  registry()[name] = OpBenchEntry{name, help, std::move(f)};
}

const std::map<std::string, OpBenchEntry>& op_bench_registry() { return registry(); }

void register_all_op_benches() {
  static bool done = false;
  if (done) return;
  done = true;
  register_core_op_benches();
  register_attention_op_benches();
  register_mamba2_op_benches();
}

std::vector<OpBenchRow> run_op_bench(const std::string& op, const OpBenchArgs& args, const Ceilings* ceilings,
                                     int warmup, int reps) {
  register_all_op_benches();
  auto it = registry().find(op);
  if (it == registry().end()) {
    std::string names;
    for (const auto& [n, e] : registry()) names += (names.empty() ? "" : ", ") + n;
    throw Error("unknown op '" + op + "'", "bench-op", "op", "use one of: " + names);
  }
  require_cuda("bench-op");
  std::vector<OpBenchRow> rows;
  for (OpBenchCase& c : it->second.factory(args)) {
    if (c.check) {
      c.run();
      cuda_synchronize();
      c.check();
    }
    OpBenchRow r;
    r.op = c.op;
    r.dims = c.dims;
    r.len = c.len;
    r.notes = c.notes;
    r.t = summarize_ms(time_cuda_ms(c.run, warmup, reps));
    const double s = r.t.median_ms * 1e-3;
    r.GBps = c.bytes / s / 1e9;
    r.TFLOPs = c.flops / s / 1e12;
    if (ceilings) {
      r.pct_copy = ceilings->copy_GBps > 0 ? 100.0 * r.GBps / ceilings->copy_GBps : 0;
      r.pct_gemm = ceilings->gemm_TFLOPs > 0 ? 100.0 * r.TFLOPs / ceilings->gemm_TFLOPs : 0;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace mambascope
