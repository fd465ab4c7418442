#pragma once
// Profile: the versioned JSON that benchmarks write (profiles/<gpu>/<date>.json), peers and the papers'
// reference points share, and the GUI and `mambascope compare` read. Format: docs/profile-format.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mambascope {

inline constexpr int kProfileSchemaVersion = 1;

struct ProfileMachine {
  std::string gpu;  // "NVIDIA H100 80GB HBM3", or "cpu"
  int sms = 0;
  uint64_t memory_bytes = 0;
  int sm_clock_mhz = 0, mem_clock_mhz = 0;
  int driver = 0, cuda_runtime = 0;
};

struct ProfileBuild {
  std::string version, git_sha, build_type, cuda_arch;
};

struct ProfileCeilings {
  double copy_GBps = 0, gemm_bf16_TFLOPs = 0;
};

struct ProfileModel {
  std::string name;           // "mmmamba-linear"
  std::string family;         // "mmmamba", "ml-mamba", "transformer"
  std::string layer_pattern;  // "MMMM...", "AAAA...", hybrid mix
  int64_t params = 0;
  uint64_t weight_bytes = 0;
};

struct MemoryByCategory {
  uint64_t weights = 0, state = 0, kv = 0, activations = 0, workspace = 0, other = 0;
  uint64_t total() const { return weights + state + kv + activations + workspace + other; }
};

struct ProfileRow {
  std::string model;
  int64_t length = 0;            // prompt tokens prefilled
  std::string engine = "mambascope";  // or "hf-transformers", "mamba_ssm", "paper"
  std::string protocol = "mambascope";  // "mambascope" (ours) or "paper" (the mmMamba paper's timing protocol)
  std::optional<double> prefill_ms, prefill_rel_spread;
  std::optional<double> decode_ms_per_token, decode_rel_spread;  // steady-state median per generated token
  std::optional<double> total_ms;   // the paper protocol's end-to-end time, when that is what is measured
  std::optional<uint64_t> peak_bytes;          // allocator's peak (all categories)
  MemoryByCategory peak_by_category;           // each category at the moment of the total peak
  std::optional<uint64_t> planned_bytes;       // the memory planner's prediction
  std::optional<uint64_t> device_used_bytes;   // cudaMemGetInfo cross-check (whole process)
  std::optional<uint64_t> oom_predicted;       // set instead of timings when the planner refused the length
  std::optional<double> pct_ceiling_prefill, pct_ceiling_decode;
  std::string source;  // where a reference value comes from ("mmMamba paper, Fig. 1")
  std::string note;
};

struct KernelTime {
  std::string name, op;  // kernel symbol, engine op scope
  int64_t calls = 0;
  double total_ms = 0;
};

// One profiled phase of `mambascope profile` (CUPTI): per-step times of its kernels by op scope, by layer and
// by kernel symbol. Every time is per step (a prefill is one step).
struct KernelShare {
  std::string key;    // op path ("mamba2.ssd_scan"), "layer 3", or the kernel symbol
  std::string op;     // for kernel symbols: the op scope of their first launch
  int64_t calls = 0;  // per step
  double total_ms = 0, share = 0;  // share of the step's span
};

struct KernelSummary {
  std::string phase;  // "prefill" or "decode"
  std::string model;
  int64_t length = 0;  // tokens in context when the phase started
  int steps = 1;
  bool cuda_graphs = false;
  std::string trace;  // the Chrome trace file written beside the profile
  double span_ms = 0;  // first kernel start to last end, per step
  double busy_ms = 0;  // summed kernel + memcpy + memset time per step
  int64_t records = 0;  // per step
  double scoped_share = 0;  // fraction of the records with an engine scope
  std::vector<KernelShare> by_op, by_layer, top;
};

struct Profile {
  int schema_version = kProfileSchemaVersion;
  std::string kind = "bench";  // "bench", "peer", "paper", "profile"
  std::string created;         // ISO 8601
  ProfileMachine machine;
  ProfileBuild build;
  ProfileCeilings ceilings;
  std::string protocol_description;
  std::vector<ProfileModel> models;
  std::vector<ProfileRow> rows;
  std::vector<KernelTime> kernels;
  std::vector<KernelSummary> kernel_summaries;  // `mambascope profile` (kind "profile")
};

// Reading validates the schema; errors name the file and the field (rows[3].length, ...).
Profile read_profile(const std::string& path);
Profile parse_profile(const std::string& json_text, const std::string& name);
std::string profile_to_json(const Profile& p);
void write_profile(const std::string& path, const Profile& p);

}  // namespace mambascope
