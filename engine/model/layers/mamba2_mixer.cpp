#include "engine/model/layers/mamba2_mixer.h"

#include <cmath>
#include <vector>

#include "engine/ops/common.h"
#include "engine/ops/cpu/ssd.h"
#include "engine/ops/linear.h"
#include "engine/ops/mamba2.h"

namespace mambascope {

Mamba2Cache Mamba2Cache::zeros(const Mamba2Config& cfg, int64_t batch, Device dev, DType act) {
  Mamba2Cache c;
  c.conv = Tensor::zeros({batch, cfg.d_conv, cfg.conv_dim()}, act, dev, MemCategory::State);
  c.ssm = Tensor::zeros({batch, cfg.nheads(), cfg.headdim, cfg.d_state}, DType::F32, dev, MemCategory::State);
  return c;
}

namespace {

// A checkpoint tensor with the expected shape (or, for conv1d.weight, also [C, K]), converted to `dt` and
// placed on `dev`.
Tensor load_weight(const Checkpoint& ckpt, const std::string& name, const Shape& want, DType dt, Device dev,
                   const Shape& alt = {}) {
  if (!ckpt.contains(name))
    throw Error("tensor is missing", ckpt.path(), name, "use a Mamba-2 checkpoint whose layer has the reference's weight names");
  Tensor h = ckpt.host(name);
  if (h.shape() != want && (alt.empty() || h.shape() != alt))
    throw Error("shape " + shape_str(h.shape()) + " does not match the config's " + shape_str(want), ckpt.file_of(name), name,
                "check d_model, expand, headdim, ngroups, d_state and d_conv against the checkpoint");
  if (!is_float(h.dtype())) throw Error(std::string("dtype ") + dtype_name(h.dtype()) + " is not a float type", ckpt.file_of(name), name);
  Tensor t = h.to_dtype(dt).view(want);
  return dev == Device::Cpu ? t.clone(MemCategory::Weights) : t.to(dev, MemCategory::Weights);
}

}  // namespace

Mamba2Mixer::Mamba2Mixer(const Mamba2Config& cfg, const Checkpoint& ckpt, const std::string& prefix, Device dev)
    : cfg_(cfg), dev_(dev), act_(dev == Device::Cuda ? DType::BF16 : DType::F32) {
  cfg_.validate(ckpt.path());
  const int64_t d = cfg.d_model, di = cfg.d_inner(), H = cfg.nheads(), C = cfg.conv_dim(), K = cfg.d_conv;
  const DType gemm = act_;  // GEMM weights in the activation dtype; small parameters in f32
  in_w_ = load_weight(ckpt, prefix + "in_proj.weight", {cfg.in_proj_dim(), d}, gemm, dev);
  out_w_ = load_weight(ckpt, prefix + "out_proj.weight", {d, di}, gemm, dev);
  if (cfg.bias) {
    in_b_ = load_weight(ckpt, prefix + "in_proj.bias", {cfg.in_proj_dim()}, gemm, dev);
    out_b_ = load_weight(ckpt, prefix + "out_proj.bias", {d}, gemm, dev);
  }
  conv_w_ = load_weight(ckpt, prefix + "conv1d.weight", {C, K}, DType::F32, dev, {C, 1, K});
  if (cfg.conv_bias) conv_b_ = load_weight(ckpt, prefix + "conv1d.bias", {C}, DType::F32, dev);
  dt_bias_ = load_weight(ckpt, prefix + "dt_bias", {H}, DType::F32, dev);
  D_ = load_weight(ckpt, prefix + "D", {H}, DType::F32, dev);
  norm_w_ = load_weight(ckpt, prefix + "norm.weight", {di}, DType::F32, dev);
  // A = -exp(A_log), computed once in f32 (the reference takes A_log.float() first).
  std::vector<float> a = load_weight(ckpt, prefix + "A_log", {H}, DType::F32, Device::Cpu).to_f32_vector();
  for (float& v : a) v = -std::exp(v);
  A_ = Tensor::from_f32(a, {H}).to(dev, MemCategory::Weights);
}

namespace {
// A weight of the model, converted to `dt` on the store's device (small parameters come through the host).
Tensor store_weight(const WeightStore& w, const std::string& name, const Shape& want, DType dt) {
  Tensor t = w.get(name);
  if (shape_numel(t.shape()) != shape_numel(want))
    throw Error("shape " + shape_str(t.shape()) + " does not match the config's " + shape_str(want), w.source(), name,
                "check the model config against the checkpoint");
  if (t.dtype() == dt) return t.view(want);
  Tensor h = t.device() == Device::Cpu ? t : t.to(Device::Cpu, MemCategory::Other);
  h = h.contiguous().to_dtype(dt).view(want);
  return w.device() == Device::Cpu ? h.clone(MemCategory::Weights) : h.to(w.device(), MemCategory::Weights);
}
}  // namespace

Mamba2Mixer::Mamba2Mixer(const Mamba2Config& cfg, const WeightStore& w, const std::string& prefix, const std::string& sfx)
    : cfg_(cfg), dev_(w.device()), act_(w.device() == Device::Cuda ? DType::BF16 : DType::F32) {
  cfg_.validate(w.source());
  const int64_t d = cfg.d_model, di = cfg.d_inner(), H = cfg.nheads(), C = cfg.conv_dim(), K = cfg.d_conv;
  in_w_ = store_weight(w, prefix + "in_proj.weight", {cfg.in_proj_dim(), d}, act_);
  out_w_ = store_weight(w, prefix + "out_proj.weight", {d, di}, act_);
  conv_w_ = store_weight(w, prefix + "conv1d" + sfx + ".weight", {C, K}, DType::F32);
  if (cfg.conv_bias) conv_b_ = store_weight(w, prefix + "conv1d" + sfx + ".bias", {C}, DType::F32);
  dt_bias_ = store_weight(w, prefix + "dt_bias" + sfx, {H}, DType::F32);
  D_ = store_weight(w, prefix + "D" + sfx, {H}, DType::F32);
  norm_w_ = store_weight(w, prefix + "norm.weight", {di}, DType::F32);
  std::vector<float> a = store_weight(w, prefix + "A_log" + sfx, {H}, DType::F32).to_f32_vector();
  for (float& v : a) v = -std::exp(v);
  A_ = dev_ == Device::Cpu ? Tensor::from_f32(a, {H}) : Tensor::from_f32(a, {H}).to(dev_, MemCategory::Weights);
}

size_t Mamba2Mixer::weight_bytes() const {
  size_t n = 0;
  for (const Tensor* t : {&in_w_, &in_b_, &conv_w_, &conv_b_, &dt_bias_, &A_, &D_, &norm_w_, &out_w_, &out_b_})
    if (t->defined()) n += t->nbytes();
  return n;
}

Tensor Mamba2Mixer::project_in(const Tensor& u, Arena* arena) const {
  if (u.rank() != 2 || u.dim(1) != cfg_.d_model)
    throw Error("input " + u.describe() + " is not [tokens, d_model = " + std::to_string(cfg_.d_model) + "]", "Mamba2Mixer", "u");
  Tensor zxbcdt = ops::scratch_rows(arena, u.dim(0), cfg_.in_proj_dim(), act_, dev_);
  ops::linear(u, in_w_, in_b_, zxbcdt);
  return zxbcdt;
}

void Mamba2Mixer::finish(Tensor& y, const Tensor& z, Tensor& out) const {
  ops::gated_rmsnorm(y, z, norm_w_, y, cfg_.d_inner() / cfg_.ngroups, static_cast<float>(cfg_.norm_eps));
  ops::linear(y, out_w_, out_b_, out);
}

void Mamba2Mixer::forward(const Tensor& u, Tensor& out, Mamba2Cache* cache, Arena* arena) const {
  const Tensor zxbcdt = project_in(u, arena);
  Tensor y = ops::scratch(arena, {u.dim(0), cfg_.d_inner()}, act_, dev_);
  core(zxbcdt, y, cache, arena);
  ops::linear(y, out_w_, out_b_, out);
}

void Mamba2Mixer::core(const Tensor& zxbcdt, Tensor& y, Mamba2Cache* cache, Arena* arena) const {
  ssd(zxbcdt, y, cache, arena);
  ops::gated_rmsnorm(y, zxbcdt.slice(1, 0, cfg_.d_inner()), norm_w_, y, cfg_.d_inner() / cfg_.ngroups, static_cast<float>(cfg_.norm_eps));
}

Mamba2SsdInputs Mamba2Mixer::ssd_inputs(const Tensor& zxbcdt) const {
  const int64_t L = zxbcdt.dim(0), di = cfg_.d_inner(), C = cfg_.conv_dim(), H = cfg_.nheads(), GN = cfg_.ngroups * cfg_.d_state;
  Tensor xbc = ops::scratch(nullptr, {L, C}, act_, dev_);
  Tensor no_state;
  ops::causal_conv1d(zxbcdt.slice(1, di, di + C), conv_w_, conv_b_, Tensor(), xbc, no_state, true);
  const std::vector<float> v = ops::read_f32(xbc), rawdt = ops::read_f32(zxbcdt.slice(1, di + C, di + C + H));
  Mamba2SsdInputs s;
  s.L = L, s.H = H, s.P = cfg_.headdim, s.G = cfg_.ngroups, s.N = cfg_.d_state;
  s.x.reserve(static_cast<size_t>(L * di));
  s.B.reserve(static_cast<size_t>(L * GN));
  s.C.reserve(static_cast<size_t>(L * GN));
  for (int64_t t = 0; t < L; ++t) {
    const auto row = v.begin() + t * C;
    s.x.insert(s.x.end(), row, row + di);
    s.B.insert(s.B.end(), row + di, row + di + GN);
    s.C.insert(s.C.end(), row + di + GN, row + di + 2 * GN);
  }
  s.dt.resize(static_cast<size_t>(L * H));
  const std::vector<float> bias = ops::read_f32(dt_bias_);
  const ops::SsdParams p;  // ssd() keeps the defaults for softplus and the dt limits
  ops::cpu::ssd_discretize_dt(L, H, rawdt.data(), bias.data(), p.dt_softplus, p.dt_min, p.dt_max, s.dt.data());
  s.A = ops::read_f32(A_);
  s.D = ops::read_f32(D_);
  return s;
}

void Mamba2Mixer::ssd(const Tensor& zxbcdt, Tensor& y, Mamba2Cache* cache, Arena* arena) const {
  const int64_t L = zxbcdt.dim(0), di = cfg_.d_inner(), C = cfg_.conv_dim(), GN = cfg_.ngroups * cfg_.d_state;
  if (cache && cache->batch() != 1) throw Error("a prefill cache holds one sequence", "Mamba2Mixer", "cache", "pass a batch-1 cache");
  const Tensor xbc_in = zxbcdt.slice(1, di, di + C), dt = zxbcdt.slice(1, di + C, di + C + cfg_.nheads());

  Tensor xbc = ops::scratch(arena, {L, C}, act_, dev_);
  Tensor conv_state = cache ? cache->conv.select(0, 0) : Tensor();
  ops::causal_conv1d(xbc_in, conv_w_, conv_b_, conv_state, xbc, conv_state, true, arena);

  ops::SsdParams p;
  p.ngroups = cfg_.ngroups;
  p.dt_bias = dt_bias_;
  p.D = D_;
  p.chunk_size = cfg_.chunk_size;
  Tensor ssm_state = cache ? cache->ssm.select(0, 0)
                           : ops::scratch(arena, {cfg_.nheads(), cfg_.headdim, cfg_.d_state}, DType::F32, dev_);
  ops::ssd_scan(xbc.slice(1, 0, di), dt, A_, xbc.slice(1, di, di + GN), xbc.slice(1, di + GN, di + 2 * GN), p,
                cache ? ssm_state : Tensor(), y, ssm_state, arena);
}

void Mamba2Mixer::step(const Tensor& u, Tensor& out, Mamba2Cache& cache, Arena* arena) const {
  const int64_t batch = u.dim(0), di = cfg_.d_inner(), C = cfg_.conv_dim();
  if (cache.batch() != batch)
    throw Error("cache holds " + std::to_string(cache.batch()) + " sequences, input " + std::to_string(batch), "Mamba2Mixer", "cache");
  const Tensor zxbcdt = project_in(u, arena);
  const Tensor z = zxbcdt.slice(1, 0, di), xbc_in = zxbcdt.slice(1, di, di + C), dt = zxbcdt.slice(1, di + C, di + C + cfg_.nheads());

  ops::SsdParams p;
  p.ngroups = cfg_.ngroups;
  p.dt_bias = dt_bias_;
  p.D = D_;
  Tensor y = ops::scratch(arena, {batch, di}, act_, dev_);
  ops::mamba2_decode_step(xbc_in, dt, z, conv_w_, conv_b_, A_, p, norm_w_, static_cast<float>(cfg_.norm_eps), cache.conv, cache.ssm, y,
                          arena);
  ops::linear(y, out_w_, out_b_, out);
}

}  // namespace mambascope
