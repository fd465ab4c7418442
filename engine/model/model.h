#pragma once
// A loaded model as a Session drives it: token embeddings, a forward pass over T tokens at a position with
// per-layer caches, the LM head, and image embeddings. One implementation per family (HovleModel for the
// transformer and both mmMamba variants, MLMambaModel); a model differs from another only by its config.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/arena.h"
#include "engine/model/model_config.h"
#include "engine/model/weights.h"

namespace mambascope {

// Per-layer, per-sequence caches. Attention layers: k, v [capacity, kv_heads * head_dim] (bf16 on CUDA).
// Mamba layers: conv [d_conv, conv_dim] time-major (slot d_conv-1 newest raw input) and ssm [H, P, N] f32.
struct LayerCache {
  Tensor k, v, conv, ssm;
};

struct ModelCaches {
  std::vector<LayerCache> layers;
  int64_t capacity = 0;  // tokens the KV caches hold
};

struct ForwardContext {
  int64_t pos0 = 0;        // position of the first of the T tokens
  Arena* arena = nullptr;  // scratch for everything temporary (never allocates when given)
  bool decode = false;     // T == 1 through the decode kernels (split-K attention, recurrent state update)
  Tensor pos_dev;          // CUDA graphs: i32 [1] on the device holding pos0, read when kernels run
  Tensor len_dev;          // CUDA graphs: i32 [1] holding pos0 + 1
};

struct CacheBytes {
  size_t state = 0, kv = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  const ModelConfig& config() const { return config_; }
  const WeightStore& weights() const { return weights_; }
  Device device() const { return weights_.device(); }
  DType dtype() const { return weights_.dtype(); }
  int64_t hidden() const { return config_.hidden(); }
  int64_t vocab() const { return config_.padded_vocab(); }
  // Device bytes the model holds (its weights and everything derived from them), as the allocator counted
  // them while the model was built.
  size_t resident_bytes() const { return resident_bytes_ ? resident_bytes_ : weights_.bytes(); }

  virtual CacheBytes cache_bytes(int64_t capacity) const = 0;
  virtual ModelCaches make_caches(int64_t capacity) const = 0;  // zeroed, accounted as State / KV
  // Bytes of scratch a forward over `tokens` tokens takes from the arena (an upper bound the planner uses).
  virtual size_t scratch_bytes(int64_t tokens) const = 0;

  // ids i32 [T] on the model's device -> h [T, hidden] in the model dtype.
  virtual void embed_tokens(const Tensor& ids, Tensor& h) const = 0;
  // h [T, hidden]: embeddings in, final-normed hidden states out (in place).
  virtual void forward(Tensor& h, ModelCaches& caches, const ForwardContext& ctx) const = 0;
  // h [n, hidden] -> logits [n, vocab] f32.
  virtual void lm_head(const Tensor& h, Tensor& logits, Arena* arena) const = 0;

  // Image embeddings: HoVLE family `pixels` [tiles, 3, S, S] f32 -> [tiles * 256, hidden]; ML-Mamba
  // `pixels` [2, 3, S, S] (DINOv2- and SigLIP-normalised) -> [729, hidden]. Host f32 in, model device out.
  virtual Tensor embed_image(const Tensor& pixels, Arena* arena) const = 0;

 protected:
  Model(ModelConfig c, WeightStore w) : config_(std::move(c)), weights_(std::move(w)) {}
  ModelConfig config_;
  WeightStore weights_;
  size_t resident_bytes_ = 0;
  friend std::unique_ptr<Model> make_model(const ModelConfig& c, WeightStore weights);
};

// Builds the model of `c` from prepared weights (consumed: fused/permuted in place as the family needs).
std::unique_ptr<Model> make_model(const ModelConfig& c, WeightStore weights);
// Loads config.json + weights from a directory (or a preset name with random weights when `random_seed` >= 0).
std::unique_ptr<Model> load_model(const std::string& dir_or_preset, Device dev, DType dt, int64_t random_seed = -1);

}  // namespace mambascope
