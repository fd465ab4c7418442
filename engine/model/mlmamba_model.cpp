// ML-Mamba (docs/models.md 2): two ViT encoders (DINOv2-reg4 and SigLIP, features of the second-to-last
// block, patch tokens only) -> concat -> Linear + GELU -> Mamba-2 scan connector layers -> LayerNorm ->
// projector MLP -> [image rows][text] into a Mamba-2 LM (pre-norm RMSNorm blocks, f32 residual, tied head).
// Connector layer:  x += out_proj( mean over scan orders o of unpermute_o( core_o( permute_o( in_proj(x) ))) )
//                   x += w3( silu(w1 LN(x)) * w2 LN(x) )
// with in_proj / norm / out_proj shared and conv1d, dt_bias, A_log, D per order (the released BiMamba2 is the
// 2-order case: row, row_rev; the cross scan the 4-order case).
#include <cmath>

#include "engine/core/error.h"
#include "engine/model/connector_trace.h"
#include "engine/model/layers/mamba2_mixer.h"
#include "engine/model/model.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/common.h"
#include "engine/ops/embedding.h"
#include "engine/ops/linear.h"
#include "engine/ops/mamba2.h"
#include "engine/ops/norm.h"
#include "engine/ops/rows.h"
#include "engine/profile/scope.h"
#include "engine/scan/scan_order.h"

namespace mambascope {

namespace {

Tensor to_dev(const Tensor& host, Device dev) { return dev == Device::Cpu ? host.clone(MemCategory::Weights) : host.to(dev, MemCategory::Weights); }

// w scaled row-wise by s (LayerScale folded into the preceding projection: gamma * (W x + b)).
Tensor scale_rows(const Tensor& w, const std::vector<float>& s, Device dev) {
  std::vector<float> v = w.to_f32_vector();
  const int64_t rows = w.dim(0), cols = w.numel() / rows;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) v[static_cast<size_t>(r * cols + c)] *= s[static_cast<size_t>(r)];
  return to_dev(Tensor::from_f32(v, w.shape(), w.dtype()), dev);
}

struct VitBlock {
  Tensor n1w, n1b, qkv_w, qkv_b, proj_w, proj_b, n2w, n2b, fc1_w, fc1_b, fc2_w, fc2_b;
};

class Vit {
 public:
  Vit(const VitConfig& c, const WeightStore& w, const std::string& p) : c_(c) {
    const Device dev = w.device();
    patch_w_ = w.get(p + "patch_embed.proj.weight").view({c.hidden, 3 * c.patch * c.patch});
    patch_b_ = w.get(p + "patch_embed.proj.bias");
    pos_ = w.get(p + "pos_embed").select(0, 0);
    if (pos_.dtype() != w.dtype()) pos_ = to_dev(pos_.to(Device::Cpu, MemCategory::Other).to_dtype(w.dtype()), dev);
    if (c.class_token) prefix_.push_back(w.get(p + "cls_token").select(0, 0));
    if (c.registers) prefix_.push_back(w.get(p + "reg_token").select(0, 0));
    for (int64_t i = 0; i <= c.feature_block; ++i) {
      const std::string b = p + "blocks." + std::to_string(i) + ".";
      VitBlock k{w.get(b + "norm1.weight"), w.get(b + "norm1.bias"), w.get(b + "attn.qkv.weight"), w.get(b + "attn.qkv.bias"),
                 w.get(b + "attn.proj.weight"), w.get(b + "attn.proj.bias"), w.get(b + "norm2.weight"), w.get(b + "norm2.bias"),
                 w.get(b + "mlp.fc1.weight"), w.get(b + "mlp.fc1.bias"), w.get(b + "mlp.fc2.weight"), w.get(b + "mlp.fc2.bias")};
      if (c.layerscale) {
        const std::vector<float> g1 = w.get(b + "ls1.gamma").to_f32_vector(), g2 = w.get(b + "ls2.gamma").to_f32_vector();
        k.proj_w = scale_rows(k.proj_w, g1, dev);
        k.proj_b = scale_rows(k.proj_b.view({c.hidden, 1}), g1, dev).view({c.hidden});
        k.fc2_w = scale_rows(k.fc2_w, g2, dev);
        k.fc2_b = scale_rows(k.fc2_b.view({c.hidden, 1}), g2, dev).view({c.hidden});
      }
      blocks_.push_back(std::move(k));
    }
  }

  // pixels [3, S, S] f32 host -> patch features [g*g, hidden] on the device (rows of `out`, a column slice).
  void features(const Tensor& pixels, Tensor& out, DType dt, Device dev) const {
    const int64_t g = c_.grid(), p = c_.patch, D = c_.hidden, S = c_.image_size;
    const std::vector<float> px = pixels.contiguous().to_f32_vector();
    std::vector<float> patches(static_cast<size_t>(g * g * 3 * p * p));
    size_t o = 0;
    for (int64_t pr = 0; pr < g; ++pr)
      for (int64_t pc = 0; pc < g; ++pc)
        for (int64_t ch = 0; ch < 3; ++ch)
          for (int64_t ky = 0; ky < p; ++ky)
            for (int64_t kx = 0; kx < p; ++kx) patches[o++] = px[static_cast<size_t>((ch * S + pr * p + ky) * S + pc * p + kx)];
    Tensor pt = Tensor::from_f32(patches, {g * g, 3 * p * p}, dt);
    if (dev == Device::Cuda) pt = pt.to(dev, MemCategory::Activations);
    int64_t npre = 0;
    for (const Tensor& t : prefix_) npre += t.dim(0);
    const int64_t T = npre + g * g;
    Tensor x = Tensor::empty({T, D}, dt, dev, MemCategory::Activations);
    int64_t row = 0;
    for (const Tensor& t : prefix_) {
      ops::copy_rows(t, x, row);
      row += t.dim(0);
    }
    Tensor xp = x.slice(0, npre, T);
    ops::copy_rows(pos_, xp, 0);  // position embeddings on the patch tokens only (no_embed_class)
    ops::linear(pt, patch_w_, patch_b_, xp, 1.f);
    const int64_t nh = c_.heads, hd = c_.head_dim();
    Tensor y = Tensor::empty({T, D}, dt, dev, MemCategory::Activations);
    Tensor qkv = Tensor::empty({T, 3 * D}, dt, dev, MemCategory::Activations);
    Tensor o4 = Tensor::empty({1, T, nh, hd}, dt, dev, MemCategory::Activations);
    Tensor h = Tensor::empty({T, c_.mlp}, dt, dev, MemCategory::Activations);
    ops::AttentionOptions ao;
    ao.causal = false;
    for (const VitBlock& b : blocks_) {
      ops::layer_norm(x, b.n1w, b.n1b, y, static_cast<float>(c_.eps));
      ops::linear(y, b.qkv_w, b.qkv_b, qkv);
      auto head_view = [&](int64_t i) { return qkv.slice(1, i * D, (i + 1) * D).unflatten(1, {nh, hd}).unsqueeze(0); };
      ops::attention_prefill(head_view(0), head_view(1), head_view(2), o4, ao);
      ops::linear(o4.view({T, D}), b.proj_w, b.proj_b, x, 1.f);
      ops::layer_norm(x, b.n2w, b.n2b, y, static_cast<float>(c_.eps));
      ops::linear(y, b.fc1_w, b.fc1_b, h);
      ops::activation(h, h, ops::Activation::GeluErf);
      ops::linear(h, b.fc2_w, b.fc2_b, x, 1.f);
    }
    ops::copy_rows(x.slice(0, npre, T), out, 0);
  }

 private:
  VitConfig c_;
  Tensor patch_w_, patch_b_, pos_;
  std::vector<Tensor> prefix_;
  std::vector<VitBlock> blocks_;
};

struct ConnectorLayer {
  std::vector<std::unique_ptr<Mamba2Mixer>> orders;  // one per scan order, sharing in_proj / norm / out_proj
  Tensor out_scaled;                                  // out_proj / number of orders: the mean folded in
  Tensor ln_w, ln_b, w1, b1, w2, b2, w3, b3;
};

class MLMambaModel final : public Model {
 public:
  MLMambaModel(ModelConfig c, WeightStore w) : Model(std::move(c), std::move(w)) {
    const MLMambaConfig& m = config_.mlm;
    const Device dev = device();
    dino_ = std::make_unique<Vit>(m.dino, weights_, "vision_backbone.dino_featurizer.");
    siglip_ = std::make_unique<Vit>(m.siglip, weights_, "vision_backbone.siglip_featurizer.");
    const std::vector<ScanOrder> orders = scan_set(m.scan, static_cast<int>(m.grid()), static_cast<int>(m.grid()));
    for (const ScanOrder& o : orders) {
      auto up = [&](const std::vector<int32_t>& v) {
        const Tensor t = Tensor::from_i32(v, {static_cast<int64_t>(v.size())});
        return dev == Device::Cpu ? t : t.to(dev, MemCategory::Weights);
      };
      perm_.push_back(up(o.perm));
      inv_.push_back(up(invert_permutation(o.perm)));
    }
    const int64_t d = m.d_model();
    for (int64_t l = 0; l < m.connector_layers; ++l) {
      const std::string p = "bidirectional_mamba.layers." + std::to_string(l) + ".";
      ConnectorLayer L;
      for (size_t o = 0; o < orders.size(); ++o)
        L.orders.push_back(std::make_unique<Mamba2Mixer>(m.connector_ssm, weights_, p + "mixer.",
                                                         o == 0 ? "" : o == 1 ? "_b" : "_o" + std::to_string(o)));
      std::vector<float> ones(static_cast<size_t>(d), 1.f / static_cast<float>(orders.size()));
      L.out_scaled = scale_rows(L.orders[0]->out_proj_weight(), ones, dev);
      L.ln_w = weights_.get(p + "norm.weight");
      L.ln_b = weights_.get(p + "norm.bias");
      L.w1 = weights_.get(p + "mlp.w1.weight");
      L.b1 = weights_.get(p + "mlp.w1.bias");
      L.w2 = weights_.get(p + "mlp.w2.weight");
      L.b2 = weights_.get(p + "mlp.w2.bias");
      L.w3 = weights_.get(p + "mlp.w3.weight");
      L.b3 = weights_.get(p + "mlp.w3.bias");
      connector_.push_back(std::move(L));
    }
    for (int64_t i = 0; i < m.llm.n_layer; ++i) {
      const std::string p = "llm_backbone.backbone.layers." + std::to_string(i) + ".";
      lm_.push_back(std::make_unique<Mamba2Mixer>(m.llm.ssm, weights_, p + "mixer."));
      lm_norm_.push_back(weights_.get(p + "norm.weight"));
    }
    norm_f_ = weights_.get("llm_backbone.backbone.norm_f.weight");
    embed_ = weights_.get("llm_backbone.backbone.embedding.weight");
  }

  CacheBytes cache_bytes(int64_t) const override {
    const Mamba2Config& s = config_.mlm.llm.ssm;
    CacheBytes b;
    b.state = static_cast<size_t>(config_.mlm.llm.n_layer) *
              (static_cast<size_t>(s.d_conv * s.conv_dim()) * dtype_size(act()) + static_cast<size_t>(s.nheads() * s.headdim * s.d_state) * 4);
    return b;
  }

  ModelCaches make_caches(int64_t capacity) const override {
    ModelCaches c;
    c.capacity = capacity;
    const Mamba2Config& s = config_.mlm.llm.ssm;
    for (int64_t i = 0; i < config_.mlm.llm.n_layer; ++i) {
      LayerCache lc;
      lc.conv = Tensor::zeros({s.d_conv, s.conv_dim()}, act(), device(), MemCategory::State);
      lc.ssm = Tensor::zeros({s.nheads(), s.headdim, s.d_state}, DType::F32, device(), MemCategory::State);
      c.layers.push_back(std::move(lc));
    }
    return c;
  }

  size_t scratch_bytes(int64_t T) const override {
    const Mamba2Config& s = config_.mlm.llm.ssm;
    const size_t t = static_cast<size_t>(T), es = dtype_size(act()), d = static_cast<size_t>(hidden()), al = 8 * Allocator::kAlignment;
    const size_t mixer = t * static_cast<size_t>(s.in_proj_dim() + 8 + s.conv_dim() + s.d_inner()) * es +
                         ops::ssd_scan_scratch_bytes(s.nheads(), s.headdim, s.d_state) +
                         ops::causal_conv1d_scratch_bytes(s.d_conv, s.conv_dim()) + al;
    return t * d * 4 + t * d * es + 2 * al + mixer;
  }

  void embed_tokens(const Tensor& ids, Tensor& h) const override { ops::embedding(ids, embed_, h); }

  void forward(Tensor& h, ModelCaches& caches, const ForwardContext& ctx) const override {
    if (!ctx.arena) throw Error("forward needs a scratch arena", "model", "arena");
    Arena& a = *ctx.arena;
    const int64_t T = h.dim(0), d = hidden();
    const size_t mark = a.mark();
    Tensor residual = a.tensor({T, d}, DType::F32);
    Tensor y = a.tensor({T, d}, h.dtype());
    const float eps = static_cast<float>(config_.mlm.llm.norm_eps);
    for (size_t i = 0; i < lm_.size(); ++i) {
      ScopedLayer layer_scope(static_cast<int>(i));
      ops::add_rms_norm(h, residual, lm_norm_[i], y, eps, i == 0);
      Mamba2Cache mc{caches.layers[i].conv.unsqueeze(0), caches.layers[i].ssm.unsqueeze(0)};
      const size_t m = a.mark();
      ScopedOp mixer_scope("mamba2");
      if (ctx.decode) lm_[i]->step(y, h, mc, &a);
      else lm_[i]->forward(y, h, &mc, &a);
      a.reset(m);
    }
    ops::add_rms_norm(h, residual, norm_f_, h, eps);
    a.reset(mark);
  }

  void lm_head(const Tensor& h, Tensor& logits, Arena*) const override {
    ScopedOp scope("lm_head");
    ops::linear(h, embed_, Tensor(), logits);
  }

  Tensor embed_image(const Tensor& pixels, Arena*) const override {
    const MLMambaConfig& m = config_.mlm;
    const Device dev = device();
    const DType dt = dtype();
    const int64_t N = m.image_tokens(), d = m.d_model();
    Tensor x = vision_features(pixels);
    ConnectorScratch sc(m, dt, dev);
    for (const ConnectorLayer& L : connector_) connector_layer(L, x, sc);
    Tensor& ln = sc.ln;
    const float ln_eps = static_cast<float>(m.connector_ln_eps);
    ops::layer_norm(x, weights_.get("bidirectional_mamba.norm_f.weight"), weights_.get("bidirectional_mamba.norm_f.bias"), ln, ln_eps);
    Tensor p0 = Tensor::empty({N, m.projector_hidden}, dt, dev, MemCategory::Activations);
    ops::linear(ln, weights_.get("projector.projector.0.weight"), weights_.get("projector.projector.0.bias"), p0);
    ops::activation(p0, p0, ops::Activation::GeluErf);
    ops::linear(p0, weights_.get("projector.projector.2.weight"), weights_.get("projector.projector.2.bias"), x);
    ops::activation(x, x, ops::Activation::GeluErf);
    Tensor out = Tensor::empty({N, d}, dt, dev, MemCategory::Activations);
    ops::linear(x, weights_.get("projector.projector.4.weight"), weights_.get("projector.projector.4.bias"), out);
    return out;
  }

  ConnectorTrace trace(const Tensor& pixels, int64_t layer) const {
    const MLMambaConfig& m = config_.mlm;
    if (layer < 0 || layer >= m.connector_layers)
      throw Error("connector layer " + std::to_string(layer) + " does not exist (the model has " + std::to_string(m.connector_layers) + ")",
                  config_.name, "layer", "choose a layer in 0.." + std::to_string(m.connector_layers - 1));
    Tensor x = vision_features(pixels);
    ConnectorScratch sc(m, dtype(), device());
    for (int64_t l = 0; l < layer; ++l) connector_layer(connector_[static_cast<size_t>(l)], x, sc);
    const ConnectorLayer& L = connector_[static_cast<size_t>(layer)];
    ConnectorTrace tr;
    tr.layer = layer, tr.layers = m.connector_layers, tr.rows = tr.cols = m.grid(), tr.scan_set = m.scan;
    const std::vector<ScanOrder> orders = scan_set(m.scan, static_cast<int>(m.grid()), static_cast<int>(m.grid()));
    ops::linear(x, L.orders[0]->in_proj_weight(), Tensor(), sc.zx);
    for (size_t o = 0; o < L.orders.size(); ++o) {
      ops::gather_rows(sc.zx, perm_[o], sc.zp);
      L.orders[o]->ssd(sc.zp, sc.yo);
      tr.directions.push_back({orders[o].name, orders[o].perm, L.orders[o]->ssd_inputs(sc.zp), ops::read_f32(sc.yo)});
    }
    return tr;
  }

 private:
  // The connector's temporaries for one image. Padded rows: the CUDA conv and scan load 16-byte vectors from
  // column slices of zx / zp.
  struct ConnectorScratch {
    ConnectorScratch(const MLMambaConfig& m, DType dt, Device dev) {
      const int64_t N = m.image_tokens(), d = m.d_model(), di = m.connector_ssm.d_inner();
      zx = ops::scratch_rows(nullptr, N, m.connector_ssm.in_proj_dim(), dt, dev);
      zp = ops::scratch_rows(nullptr, N, m.connector_ssm.in_proj_dim(), dt, dev);
      yo = Tensor::empty({N, di}, dt, dev, MemCategory::Activations);
      yu = Tensor::empty({N, di}, dt, dev, MemCategory::Activations);
      ln = Tensor::empty({N, d}, dt, dev, MemCategory::Activations);
      g1 = Tensor::empty({N, d}, dt, dev, MemCategory::Activations);
      g2 = Tensor::empty({N, d}, dt, dev, MemCategory::Activations);
    }
    Tensor zx, zp, yo, yu, ln, g1, g2;
  };

  // pixels -> the connector's input x [729, d_model]: both encoders' features, Linear + GELU.
  Tensor vision_features(const Tensor& pixels) const {
    const MLMambaConfig& m = config_.mlm;
    const int64_t S = m.dino.image_size;
    if (pixels.rank() != 4 || pixels.dim(0) != 2 || pixels.dim(1) != 3 || pixels.dim(2) != S || pixels.dim(3) != S)
      throw Error("image is " + pixels.describe() + ", ML-Mamba takes [2, 3, " + std::to_string(S) + ", " + std::to_string(S) +
                      "] (the DINOv2- and SigLIP-normalised views)", "image", "pixels", "preprocess with the ML-Mamba pipeline (engine/image)");
    const Device dev = device();
    const DType dt = dtype();
    const int64_t N = m.image_tokens(), d = m.d_model();
    Tensor f = Tensor::empty({N, m.vision_dim()}, dt, dev, MemCategory::Activations);
    Tensor fd = f.slice(1, 0, m.dino.hidden), fs = f.slice(1, m.dino.hidden, m.vision_dim());
    dino_->features(pixels.select(0, 0), fd, dt, dev);
    siglip_->features(pixels.select(0, 1), fs, dt, dev);
    Tensor x = Tensor::empty({N, d}, dt, dev, MemCategory::Activations);
    ops::linear(f, weights_.get("mlp.0.weight"), weights_.get("mlp.0.bias"), x);
    ops::activation(x, x, ops::Activation::GeluErf);
    return x;
  }

  // One connector layer in place on x [729, d_model].
  void connector_layer(const ConnectorLayer& L, Tensor& x, ConnectorScratch& sc) const {
    const float ln_eps = static_cast<float>(config_.mlm.connector_ln_eps);
    ops::linear(x, L.orders[0]->in_proj_weight(), Tensor(), sc.zx);
    for (size_t o = 0; o < L.orders.size(); ++o) {
      ops::gather_rows(sc.zx, perm_[o], sc.zp);       // the sequence in this order
      L.orders[o]->core(sc.zp, sc.yo);                // fresh state: the connector runs once per image
      ops::gather_rows(sc.yo, inv_[o], sc.yu);        // back to patch order
      ops::linear(sc.yu, L.out_scaled, Tensor(), x, 1.f);  // x += out_proj(y_o) / orders
    }
    ops::layer_norm(x, L.ln_w, L.ln_b, sc.ln, ln_eps);
    ops::linear(sc.ln, L.w1, L.b1, sc.g1);
    ops::linear(sc.ln, L.w2, L.b2, sc.g2);
    ops::gated_activation(sc.g1, sc.g2, sc.g1, ops::Activation::Silu);
    ops::linear(sc.g1, L.w3, L.b3, x, 1.f);
  }

  DType act() const { return device() == Device::Cuda ? DType::BF16 : DType::F32; }
  std::unique_ptr<Vit> dino_, siglip_;
  std::vector<Tensor> perm_, inv_;
  std::vector<ConnectorLayer> connector_;
  std::vector<std::unique_ptr<Mamba2Mixer>> lm_;
  std::vector<Tensor> lm_norm_;
  Tensor norm_f_, embed_;
};

}  // namespace

ConnectorTrace trace_connector(const Model& model, const Tensor& pixels, int64_t layer) {
  const auto* m = dynamic_cast<const MLMambaModel*>(&model);
  if (!m)
    throw Error("model " + model.config().name + " is a " + model.config().kind() + ", not an ML-Mamba: it has no scan connector",
                model.config().name, "model", "load an ML-Mamba (e.g. the tiny-ml-mamba preset)");
  return m->trace(pixels, layer);
}

std::unique_ptr<Model> make_mlmamba_model(const ModelConfig& c, WeightStore w) {
  if (w.device() == Device::Cpu && w.dtype() != DType::F32)
    throw Error("ML-Mamba on the CPU computes in f32", c.name, "--dtype", "use --dtype f32 on the CPU");
  return std::make_unique<MLMambaModel>(c, std::move(w));
}

}  // namespace mambascope
