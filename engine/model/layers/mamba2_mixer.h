#pragma once
// Mamba2Mixer: the Mamba-2 layer of state-spaces/mamba (`Mamba2` with rmsnorm=True, norm_before_gate=False,
// D_has_hdim=False, d_ssm = d_inner), built from a Mamba2Config and a checkpoint's tensors under a prefix:
//   in_proj.weight [in_proj_dim, d_model] (+ in_proj.bias when config.bias), conv1d.weight [conv_dim, 1, d_conv],
//   conv1d.bias [conv_dim] (when conv_bias), dt_bias [H], A_log [H], D [H], norm.weight [d_inner],
//   out_proj.weight [d_model, d_inner] (+ out_proj.bias).
// forward (prefill): zxbcdt = in_proj(u) split z | xBC | dt; xBC = silu(causal_conv1d(xBC)); x | B | C = xBC;
// y = SSD(x, dt, A = -exp(A_log), B, C, D) with dt = softplus(dt + dt_bias); y = rmsnorm_grouped(y * silu(z)) * w;
// out = out_proj(y). step (decode) does the same for one token per sequence from the caches.
// Activations are bf16 on CUDA and f32 on the CPU; SSM states are f32 everywhere.
#include <string>
#include <vector>

#include "engine/core/arena.h"
#include "engine/core/tensor.h"
#include "engine/model/config.h"
#include "engine/model/safetensors.h"
#include "engine/model/weights.h"

namespace mambascope {

// The per-layer, per-sequence caches of a Mamba-2 layer (batch = number of sequences):
//   conv [batch, d_conv, conv_dim] (activation dtype): the last d_conv raw (pre-conv) xBC inputs, time-major,
//        slot d_conv-1 the newest, zeros before the sequence start -- the memory layout of the reference's
//        conv_state (a [batch, d_conv, conv_dim] buffer it views as [batch, conv_dim, d_conv]);
//   ssm  [batch, nheads, headdim, d_state] f32: h_t of the SSD recurrence after the last token.
struct Mamba2Cache {
  Tensor conv;
  Tensor ssm;
  // Zero caches (the state before any token), accounted as State.
  static Mamba2Cache zeros(const Mamba2Config& cfg, int64_t batch, Device dev, DType act);
  int64_t batch() const { return ssm.dim(0); }
  size_t bytes() const { return conv.nbytes() + ssm.nbytes(); }
};

// The SSD's inputs for one sequence as Mamba2Mixer::core computes them, on the host in f32 (for analysis, e.g.
// engine/scan/contribution.h): x [L, H*P], B and C [L, G*N] after the conv and SiLU; dt [L, H] after bias,
// softplus and clamping; A [H] (negative); D [H].
struct Mamba2SsdInputs {
  int64_t L = 0, H = 0, P = 0, G = 1, N = 0;
  std::vector<float> x, dt, A, B, C, D;
};

class Mamba2Mixer {
 public:
  // Loads and checks the weights (names are `prefix` + the names above); throws Error naming the checkpoint
  // file and tensor on a missing tensor or a wrong shape.
  Mamba2Mixer(const Mamba2Config& cfg, const Checkpoint& ckpt, const std::string& prefix, Device dev);
  // From weights already loaded for a model (`prefix` + the names above). `suffix` names one scan direction's
  // own parameters in ML-Mamba's connector (conv1d{suffix}, dt_bias{suffix}, A_log{suffix}, D{suffix}; "_b" for
  // the released backward scan) while in_proj, norm and out_proj are shared.
  Mamba2Mixer(const Mamba2Config& cfg, const WeightStore& w, const std::string& prefix, const std::string& suffix = "");
  // The layer between the projections: zxbcdt [L, in_proj_dim] -> y [L, d_inner] = rmsnorm_grouped(SSD(...) *
  // silu(z)) * w (the connector runs it per scan order on the permuted projection).
  void core(const Tensor& zxbcdt, Tensor& y, Mamba2Cache* cache = nullptr, Arena* arena = nullptr) const;
  // core() without the gate and norm: y [L, d_inner] = SSD(x, dt, A, B, C) + D x.
  void ssd(const Tensor& zxbcdt, Tensor& y, Mamba2Cache* cache = nullptr, Arena* arena = nullptr) const;
  // The inputs ssd() hands the scan for `zxbcdt` (from zero states), copied to the host.
  Mamba2SsdInputs ssd_inputs(const Tensor& zxbcdt) const;
  const Tensor& in_proj_weight() const { return in_w_; }
  const Tensor& out_proj_weight() const { return out_w_; }

  // Prefill of one sequence: u [L, d_model] -> out [L, d_model] (activation dtype). With a cache (batch 1),
  // its states are the initial states and are replaced by the final ones; without, the sequence starts
  // from zero states.
  void forward(const Tensor& u, Tensor& out, Mamba2Cache* cache = nullptr, Arena* arena = nullptr) const;

  // Decode of one token per sequence: u [batch, d_model] -> out [batch, d_model]; the caches advance by one.
  void step(const Tensor& u, Tensor& out, Mamba2Cache& cache, Arena* arena = nullptr) const;

  const Mamba2Config& config() const { return cfg_; }
  Device device() const { return dev_; }
  DType act_dtype() const { return act_; }
  size_t weight_bytes() const;

 private:
  Tensor project_in(const Tensor& u, Arena* arena) const;  // zxbcdt
  void finish(Tensor& y, const Tensor& z, Tensor& out) const;  // gated norm and out_proj

  Mamba2Config cfg_;
  Device dev_;
  DType act_;
  Tensor in_w_, in_b_, conv_w_, conv_b_, dt_bias_, A_, D_, norm_w_, out_w_, out_b_;
};

}  // namespace mambascope
