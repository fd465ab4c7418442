#pragma once
// `mambascope bench`: models x lengths -> one Profile (docs/profile-format.md). Per model the weights are
// generated once on the GPU; per length the memory planner decides first whether the session fits (a length
// that does not is recorded as oom_predicted with the bytes it needs); then run_model measures prefill, decode
// and the allocator's peak by category. Ceilings are measured in the same run and every row carries its share
// of them: decode = bytes that must be read per token / copy bandwidth, prefill = FLOPs / GEMM throughput.
#include <functional>
#include <string>
#include <vector>

#include "engine/core/memory.h"
#include "engine/profile/profile.h"

namespace mambascope {

class Model;

// Which protocol the rows follow (docs/paper-protocol.md):
//   Ours  - decode as the engine runs it (each step one CUDA graph), timed with CUDA events, median of the
//           steady-state steps; one engine and one kernel set for both sides.
//   Paper - what the mmMamba paper timed (Fig. 1c "Latency for Next Token"): one decode step at N tokens of
//           context, batch 1, bf16, launched eagerly (no CUDA graphs: the HF/PyTorch loop the paper ran), timed
//           on the host clock from token in to token out; prefill timed once, not part of the metric.
enum class BenchProtocol { Ours, Paper };
BenchProtocol parse_protocol(const std::string& s);
const char* protocol_label(BenchProtocol p);  // "mambascope" / "paper": the rows' "protocol"

struct BenchOptions {
  std::vector<std::string> models;
  std::vector<int64_t> lengths;
  int64_t decode = 32;
  int repeats = 3;
  int64_t prefill_chunk = 8192;
  bool cuda_graphs = true;
  uint64_t seed = 0;
  Device device = Device::Cuda;  // the CPU backend runs the tiny models (f32), without ceilings
  BenchProtocol protocol = BenchProtocol::Ours;
};

// The machine (GPU 0, driver, runtime; "cpu" without CUDA) and this build, as every profile records them.
ProfileMachine current_machine(Device dev);
ProfileBuild current_build();
std::string utc_now_iso8601();

using BenchProgress = std::function<void(const std::string& what, int done, int total)>;

Profile run_bench(const BenchOptions& o, const BenchProgress& progress = {});
// The markdown table (llama-bench style) with, per row, the decode speed-up and memory saving against the
// model named "transformer" at the same length, and the ceilings' shares.
std::string bench_table(const Profile& p);

// Fewest bytes a decode step must read (weights it reads + state read and written + the KV cache so far) and
// the FLOPs of a prefill of `length` tokens (GEMMs of the decoder stack + causal attention scores).
struct StepCost {
  double decode_bytes = 0, prefill_flops = 0;
};
StepCost step_cost(const std::string& model, int64_t length, uint64_t decode_weight_bytes, uint64_t state_bytes);

// The weight bytes a decode step reads: what the model holds (resident_bytes) less the tensors a text token
// never touches — the vision towers, connector and projector — and all but one row of an untied token-embedding
// table (the HoVLE family's; ML-Mamba's table is also its LM head, read whole).
uint64_t decode_weight_bytes(const Model& m);

}  // namespace mambascope
