#include "engine/bench/run_model.h"

#include <chrono>
#include <functional>

#include "engine/core/cuda.h"
#include "engine/core/error.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#endif

namespace mambascope {

namespace {

// Times `fn` on the device stream (events) or the host clock.
double time_ms(Device dev, const std::function<void()>& fn) {
#if MAMBASCOPE_HAVE_CUDA
  if (dev == Device::Cuda) {
    cudaStream_t s = gpu_context().stream;
    cudaEvent_t a, b;
    MS_CUDA_CHECK(cudaEventCreate(&a));
    MS_CUDA_CHECK(cudaEventCreate(&b));
    MS_CUDA_CHECK(cudaEventRecord(a, s));
    fn();
    MS_CUDA_CHECK(cudaEventRecord(b, s));
    MS_CUDA_CHECK(cudaEventSynchronize(b));
    float ms = 0;
    MS_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return ms;
  }
#endif
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::vector<int32_t> random_prompt(int64_t n, int64_t vocab, uint64_t seed) {
  std::vector<int32_t> ids(static_cast<size_t>(n));
  uint64_t z = seed * 0x9e3779b97f4a7c15ull + 1;
  for (auto& id : ids) {
    z ^= z << 13;
    z ^= z >> 7;
    z ^= z << 17;
    id = static_cast<int32_t>(z % static_cast<uint64_t>(vocab));
  }
  return ids;
}

SessionOptions session_options(const RunOptions& o) {
  SessionOptions so;
  so.max_length = o.length + o.decode + 1;
  so.prefill_chunk = o.prefill_chunk;
  so.cuda_graphs = o.cuda_graphs;
  return so;
}

RunResult run_model(std::shared_ptr<const Model> model, const RunOptions& o) {
  if (o.length <= 0) throw Error("length must be positive", "run", "--length");
  if (o.decode < 0) throw Error("decode must not be negative", "run", "--decode");
  const Device dev = model->device();
  const SessionOptions so = session_options(o);
  Allocator& alloc = allocator_for(dev);
  alloc.stats().reset_peak();
  Session s(model, so);
  RunResult r;
  r.plan = s.plan();
  const std::vector<int32_t> ids = random_prompt(o.length, model->config().vocab(), o.seed);
  std::vector<double> pre;
  for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
    s.reset();
    pre.push_back(time_ms(dev, [&] { s.prefill(ids); }));
  }
  r.prefill = summarize_ms(pre);
  ops::SamplingConfig greedy;
  int32_t tok = s.sample_last(greedy);
  std::vector<double> dec;
  for (int64_t i = 0; i < o.decode; ++i) {
    r.tokens.push_back(tok);
    dec.push_back(time_ms(o.host_clock_decode ? Device::Cpu : dev, [&] { tok = s.decode(tok, greedy); }));
  }
  // Steady state: the first two steps include graph capture and first-touch costs.
  if (dec.size() > 4) dec.erase(dec.begin(), dec.begin() + 2);
  r.decode = summarize_ms(dec);
  r.memory = alloc.stats().snapshot();
  if (dev == Device::Cuda) {
    const CudaDeviceInfo d = cuda_devices().at(0);
    r.device_used = d.total_bytes - d.free_bytes;
  }
  return r;
}

ProfileRow to_profile_row(const Model& m, const RunOptions& o, const RunResult& r) {
  ProfileRow row;
  row.model = m.config().kind();
  row.length = o.length;
  row.prefill_ms = r.prefill.median_ms;
  row.prefill_rel_spread = r.prefill.rel_stdev;
  if (r.decode.samples > 0) {
    row.decode_ms_per_token = r.decode.median_ms;
    row.decode_rel_spread = r.decode.rel_stdev;
  }
  row.peak_bytes = r.memory.total_peak;
  auto at = [&](MemCategory c) { return static_cast<uint64_t>(r.memory.at_peak(c)); };
  row.peak_by_category = {at(MemCategory::Weights), at(MemCategory::State), at(MemCategory::KV), at(MemCategory::Activations),
                          at(MemCategory::Workspace), at(MemCategory::Other)};
  row.planned_bytes = r.plan.total();
  if (r.device_used) row.device_used_bytes = r.device_used;
  return row;
}

}  // namespace mambascope
