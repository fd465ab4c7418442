#pragma once
// mmMamba's Mamba-2 layer seeded from attention (docs/models.md 4.1), as released (fused weights):
//   p = u W_vkqgdt^T                      rows [v (kv*hd) | k (kv*hd) | q (H*hd) | g (H*hd) | dt (H)]
//   vkq = silu(causal_conv1d_k2(p[:, :conv_dim]))
//   SSD over H heads: x = v, B = k (both from kv head h / (H/kv)), C = q (per head), d_state = head_dim,
//   dt = softplus(dt + dt_bias), A = -exp(A_log_bias), no D
//   y = rmsnorm_per_head(y) * w_norm * silu(g);  out = y W_o^T
// Caches: conv [d_conv, conv_dim] time-major, ssm [H, hd, hd] f32.
#include <string>

#include "engine/core/arena.h"
#include "engine/model/model.h"

namespace mambascope {

class SeededMamba {
 public:
  // Takes the layer's tensors from `w` (prefix "...attention.").
  SeededMamba(const WeightStore& w, const std::string& prefix, int64_t hidden, int64_t heads, int64_t kv_heads,
              int64_t head_dim, int64_t d_conv, int64_t chunk, double eps);

  size_t cache_bytes(size_t act_bytes) const;
  void make_cache(LayerCache& c, DType act, Device dev) const;
  size_t scratch_bytes(int64_t tokens, size_t act_bytes) const;
  // y [T, hidden] normed input -> out [T, hidden]; prefill (any T, from the cached state) or decode (T = 1).
  void forward(const Tensor& y, Tensor& out, LayerCache& cache, const ForwardContext& ctx, Arena& a) const;

 private:
  int64_t hidden_, H_, kv_, hd_, K_, chunk_, conv_dim_;
  float eps_;
  Tensor w_in_, conv_w_, conv_b_, dt_bias_, A_, norm_w_tiled_, w_out_;
  Tensor x_idx1_, b_idx1_;  // decode (T = 1): rows of the conv output feeding x and B per head, made once
  void head_gather_indices(int64_t T, Device dev, Arena& a, Tensor& xi, Tensor& bi) const;
};

}  // namespace mambascope
