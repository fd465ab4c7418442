#pragma once
// Kernel traces: the GPU kernels (and memcpy/memset) of a prefill or decode step with the layer and op that
// launched them, as the CUPTI collector records them and the GUI's Timeline panel draws them. Stored as Chrome
// trace JSON (chrome://tracing, Perfetto, Speedscope read it): {"traceEvents": [{"ph": "X", "ts": µs, "dur":
// µs, ...}]}, one lane (tid) per CUDA stream, with the exact nanosecond times, launch shapes and the engine
// scope in each event's args.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mambascope {

struct KernelRecord {
  std::string name;   // kernel symbol as the profiler reports it (demangled), or "memcpy HtoD" / "memset"
  std::string op;     // engine op scope, outermost to innermost ("mamba2.ssd_scan", "mlp.gemm"); empty: none
  int layer = -1;     // model layer that launched it; -1 for none (embedding, lm_head, sampler)
  std::string kind = "kernel";  // "kernel", "memcpy" or "memset"
  int stream = 0;     // CUDA stream id as the profiler numbers them
  int64_t start_ns = 0, end_ns = 0;  // GPU timestamps
  std::array<int, 3> grid{1, 1, 1}, block{1, 1, 1};
  int registers = 0;          // per thread
  int64_t shared_bytes = 0;   // static + dynamic shared memory per block
  std::optional<uint64_t> bytes;  // DRAM bytes read + written, when known (for achieved GB/s)

  int64_t duration_ns() const { return end_ns - start_ns; }
  // bytes / duration in GB/s (10^9 bytes per second); empty without bytes or with a zero duration.
  std::optional<double> achieved_GBps() const;
};

struct Trace {
  std::string title;  // what was traced ("mmmamba-linear prefill, 16k tokens")
  std::string gpu;    // device name, or empty
  std::vector<KernelRecord> kernels;
};

std::string trace_to_chrome_json(const Trace& t);
// Reads a Chrome trace: ours exactly (round trip), a foreign one's complete ("X") kernel events with what
// they carry (PyTorch profiler traces: events of category "kernel"). Errors name the file and the event field.
Trace parse_chrome_trace(const std::string& json_text, const std::string& name);
Trace read_trace(const std::string& path);
void write_trace(const std::string& path, const Trace& t);

}  // namespace mambascope
