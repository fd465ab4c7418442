#pragma once
// A Session runs one sequence through a loaded Model: chunked prefill (bounded activation memory), then one
// token at a time with the caches (KV for attention layers, conv + SSM state for Mamba layers). On CUDA the
// decode step (embedding -> all layers -> head -> sampler) is captured once as a CUDA graph and replayed.
// Memory is planned before anything is allocated: a length that does not fit is refused with the bytes it
// would need.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/arena.h"
#include "engine/model/model.h"
#include "engine/ops/sampling.h"

namespace mambascope {

struct SessionOptions {
  int64_t max_length = 4096;     // tokens the session can hold (prompt + generated)
  int64_t prefill_chunk = 4096;  // tokens per prefill forward
  bool cuda_graphs = true;       // capture the decode step (CUDA only)
};

// Positions reach the device as int32.
inline constexpr int64_t kMaxSessionLength = (int64_t{1} << 31) - 2;

struct MemoryPlan {
  size_t weights = 0, state = 0, kv = 0, activations = 0, workspace = 0;
  size_t device_free = 0;  // before the session allocates: cudaMemGetInfo's free bytes, or the host's available memory
  size_t total() const { return weights + state + kv + activations + workspace; }
  size_t to_allocate() const { return state + kv + activations + workspace; }  // weights are already resident
  std::string describe() const;
};

// Bytes a session of `opt` on `model` will hold, by category.
MemoryPlan plan_session(const Model& model, const SessionOptions& opt);

class Session {
 public:
  // Plans, refuses (Error with the bytes needed) when the device cannot hold it, then allocates.
  Session(std::shared_ptr<const Model> model, SessionOptions opt);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Appends `ids` (with `image` embeddings [n, hidden] on the model device written over positions
  // image_at .. image_at+n-1 of this call's tokens) and returns the last token's logits (host, f32, vocab).
  // The ids at the image positions are not read: any value, e.g. ML-Mamba's -1 (ops::embedding gives ids
  // outside the vocabulary a zero row, which the image rows then replace).
  std::vector<float> prefill(const std::vector<int32_t>& ids, const Tensor& image = {}, int64_t image_at = 0);
  // Feeds one token, returns the logits of the next (host f32). The slow, inspectable path.
  std::vector<float> decode_logits(int32_t token);
  // Feeds one token, returns the next token sampled on the device (the CUDA-graph path on a GPU).
  int32_t decode(int32_t token, const ops::SamplingConfig& sampling);
  // Samples from the logits of the last prefill/decode on the device (no graph): the first generated token.
  int32_t sample_last(const ops::SamplingConfig& sampling);

  // Back to an empty sequence (caches zeroed). After a prefill or decode that failed part-way (e.g. out of
  // memory) the caches hold a partial step: every later prefill/decode refuses until reset() is called.
  void reset();
  bool needs_reset() const { return needs_reset_; }
  int64_t length() const { return length_; }
  const MemoryPlan& plan() const { return plan_; }
  const Model& model() const { return *model_; }
  bool graph_captured() const;

 private:
  struct Impl;
  void check_room(int64_t n) const;
  void check_usable() const;
  // Runs `step` (which may change the caches) so that a throw leaves the arena as it was and the session
  // marked as needing a reset.
  template <class F>
  auto guarded(F&& step) -> decltype(step());
  void run_decode_step(const ops::SamplingConfig* sampling);
  std::shared_ptr<const Model> model_;
  SessionOptions opt_;
  MemoryPlan plan_;
  ModelCaches caches_;
  std::unique_ptr<Arena> arena_;
  int64_t length_ = 0;
  uint64_t steps_ = 0;
  bool needs_reset_ = false;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mambascope
