#include "engine/model/layers/seeded_mamba.h"

#include <cmath>

#include "engine/core/error.h"
#include "engine/ops/activation.h"
#include "engine/ops/common.h"
#include "engine/ops/linear.h"
#include "engine/ops/mamba2.h"
#include "engine/ops/rows.h"

namespace mambascope {

namespace {
Tensor f32_on(const Tensor& t, Device dev) {
  Tensor h = t.device() == Device::Cpu ? t : t.to(Device::Cpu, MemCategory::Other);
  h = h.to_dtype(DType::F32);
  return dev == Device::Cpu ? h.clone(MemCategory::Weights) : h.to(dev, MemCategory::Weights);
}
}  // namespace

SeededMamba::SeededMamba(const WeightStore& w, const std::string& p, int64_t hidden, int64_t heads, int64_t kv_heads,
                         int64_t head_dim, int64_t d_conv, int64_t chunk, double eps)
    : hidden_(hidden), H_(heads), kv_(kv_heads), hd_(head_dim), K_(d_conv), chunk_(chunk),
      conv_dim_((2 * kv_heads + heads) * head_dim), eps_(static_cast<float>(eps)) {
  const Device dev = w.device();
  w_in_ = w.get(p + "wvkqgdt.weight");
  w_out_ = w.get(p + "o_proj.weight");
  // Per-channel parameters in f32 (what the CUDA kernels take; exact on the CPU too).
  conv_w_ = f32_on(w.get(p + "conv1d.weight"), dev).view({conv_dim_, K_});
  conv_b_ = f32_on(w.get(p + "conv1d.bias"), dev);
  dt_bias_ = f32_on(w.get(p + "dt_bias"), dev);
  std::vector<float> a = f32_on(w.get(p + "A_log_bias"), Device::Cpu).to_f32_vector();
  for (float& v : a) v = -std::exp(v);
  A_ = dev == Device::Cpu ? Tensor::from_f32(a, {H_}) : Tensor::from_f32(a, {H_}).to(dev, MemCategory::Weights);
  const std::vector<float> gw = f32_on(w.get(p + "g_norm_swish_gate.weight"), Device::Cpu).to_f32_vector();
  std::vector<float> tiled;
  for (int64_t h = 0; h < H_; ++h) tiled.insert(tiled.end(), gw.begin(), gw.end());
  norm_w_tiled_ = dev == Device::Cpu ? Tensor::from_f32(tiled, {H_ * hd_}) : Tensor::from_f32(tiled, {H_ * hd_}).to(dev, MemCategory::Weights);
  Arena tmp(Device::Cpu, 1 << 16, MemCategory::Other, "seeded-mamba-index");
  Tensor xi, bi;
  head_gather_indices(1, Device::Cpu, tmp, xi, bi);
  x_idx1_ = dev == Device::Cpu ? xi.clone(MemCategory::Weights) : xi.to(dev, MemCategory::Weights);
  b_idx1_ = dev == Device::Cpu ? bi.clone(MemCategory::Weights) : bi.to(dev, MemCategory::Weights);
  if (w_in_.dim(0) != conv_dim_ + H_ * hd_ + H_)
    throw Error("wvkqgdt has " + std::to_string(w_in_.dim(0)) + " rows, expected " + std::to_string(conv_dim_ + H_ * hd_ + H_),
                w.source(), p + "wvkqgdt.weight", "the checkpoint and config.json disagree on heads or head_dim");
}

size_t SeededMamba::cache_bytes(size_t act_bytes) const {
  return static_cast<size_t>(K_ * conv_dim_) * act_bytes + static_cast<size_t>(H_ * hd_ * hd_) * 4;
}

void SeededMamba::make_cache(LayerCache& c, DType act, Device dev) const {
  c.conv = Tensor::zeros({K_, conv_dim_}, act, dev, MemCategory::State);
  c.ssm = Tensor::zeros({H_, hd_, hd_}, DType::F32, dev, MemCategory::State);
}

size_t SeededMamba::scratch_bytes(int64_t T, size_t es) const {
  const size_t t = static_cast<size_t>(T), al = 2 * Allocator::kAlignment;
  const size_t proj = t * static_cast<size_t>(w_in_.dim(0) + 8) * es + al;
  const size_t conv = t * static_cast<size_t>(conv_dim_) * es + al;
  const size_t reps = 2 * (t * static_cast<size_t>(H_ * hd_) * es + al) + 2 * (t * static_cast<size_t>(H_) * 4 + al);
  const size_t y = t * static_cast<size_t>(H_ * hd_) * es + al;
  const size_t ssd = ops::ssd_scan_scratch_bytes(H_, hd_, hd_) + ops::causal_conv1d_scratch_bytes(K_, conv_dim_) +
                     2 * static_cast<size_t>(T * H_) * 4 + 4 * al;  // + the two gather index vectors
  return proj + conv + reps + y + ssd;
}

void SeededMamba::head_gather_indices(int64_t T, Device dev, Arena& a, Tensor& xi, Tensor& bi) const {
  // The conv output [T, conv_dim] viewed as rows of hd: token t holds v heads at rows t*R + j, k heads at
  // t*R + kv + j, q heads at t*R + 2 kv + h (R = conv_dim / hd). Head h reads v and k of kv head h / (H/kv).
  const int64_t R = conv_dim_ / hd_, rep = H_ / kv_;
  std::vector<int32_t> x(static_cast<size_t>(T * H_)), b(static_cast<size_t>(T * H_));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < H_; ++h) {
      x[static_cast<size_t>(t * H_ + h)] = static_cast<int32_t>(t * R + h / rep);
      b[static_cast<size_t>(t * H_ + h)] = static_cast<int32_t>(t * R + kv_ + h / rep);
    }
  const Tensor hx = Tensor::from_i32(x, {T * H_}), hb = Tensor::from_i32(b, {T * H_});
  if (dev == Device::Cpu) {
    xi = hx;
    bi = hb;
  } else {
    xi = a.tensor({T * H_}, DType::I32);
    bi = a.tensor({T * H_}, DType::I32);
    xi.copy_from(hx);
    bi.copy_from(hb);
  }
}

void SeededMamba::forward(const Tensor& y, Tensor& out, LayerCache& cache, const ForwardContext& ctx, Arena& a) const {
  const int64_t T = y.dim(0);
  const DType dt = y.dtype();
  const Device dev = y.device();
  Tensor proj = ops::scratch_rows(&a, T, w_in_.dim(0), dt, dev);
  ops::linear(y, w_in_, Tensor(), proj);
  const Tensor conv_in = proj.slice(1, 0, conv_dim_);
  const Tensor g = proj.slice(1, conv_dim_, conv_dim_ + H_ * hd_);
  const Tensor dt_raw = proj.slice(1, conv_dim_ + H_ * hd_, conv_dim_ + H_ * hd_ + H_);
  Tensor vkq = a.tensor({T, conv_dim_}, dt);
  ops::SsdParams sp;
  sp.ngroups = H_;  // C = q is per head; x and B are repeated to per head below
  sp.dt_bias = dt_bias_;
  sp.chunk_size = chunk_;
  Tensor ys = a.tensor({T, H_ * hd_}, dt);
  // x and B per head: rows of the conv output gathered per (token, head). Graph-safe: the index tensors
  // are rebuilt only for a new T (decode uses T = 1, captured once).
  Tensor xi, bi;
  Tensor xr = a.tensor({T * H_, hd_}, dt), br = a.tensor({T * H_, hd_}, dt);
  if (ctx.decode) {
    Tensor st = cache.conv.unsqueeze(0);
    ops::conv1d_update(conv_in, conv_w_, conv_b_, st, vkq, true);
    xi = x_idx1_;
    bi = b_idx1_;
  } else {
    ops::causal_conv1d(conv_in, conv_w_, conv_b_, cache.conv, vkq, cache.conv, true, &a);
    head_gather_indices(T, dev, a, xi, bi);
  }
  const Tensor rows = vkq.view({T * (conv_dim_ / hd_), hd_});
  ops::gather_rows(rows, xi, xr);
  ops::gather_rows(rows, bi, br);
  const Tensor x = xr.view({T, H_ * hd_}), B = br.view({T, H_ * hd_});
  const Tensor C = vkq.slice(1, 2 * kv_ * hd_, conv_dim_);
  if (ctx.decode) {
    Tensor st = cache.ssm.unsqueeze(0);
    ops::ssm_state_update(x, dt_raw, A_, B, C, Tensor(), sp, st, ys);
  } else {
    ops::ssd_scan(x, dt_raw, A_, B, C, sp, cache.ssm, ys, cache.ssm, &a);
  }
  // Norm, then gate, per head: rms(y_h) * w, then * silu(g).
  ops::gated_rmsnorm(ys, Tensor(), norm_w_tiled_, ys, hd_, eps_);
  ops::gated_activation(g, ys, ys, ops::Activation::Silu);
  ops::linear(ys, w_out_, Tensor(), out);
}

}  // namespace mambascope
