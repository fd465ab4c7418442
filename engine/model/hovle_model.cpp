// The HoVLE family on one engine (docs/models.md 3-4): holistic embedding (patch embedding + pixel shuffle +
// MLP, text embeddings) followed by one causal stack of pre-norm decoder layers whose mixer is GQA attention
// ('A') or mmMamba's seeded Mamba-2 ('M'), each followed by a SwiGLU MLP; final RMSNorm and an untied head.
//   per layer:  r += d; y = rms(r) * w_attn; d = mixer(y); r += d; y = rms(r) * w_ffn; d = mlp(y)
// The residual stream r is kept in f32 (the reference adds in bf16; f32 is the more exact of the two).
#include <cmath>

#include "engine/core/error.h"
#include "engine/model/layers/seeded_mamba.h"
#include "engine/model/model.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/common.h"
#include "engine/ops/embedding.h"
#include "engine/ops/linear.h"
#include "engine/ops/norm.h"
#include "engine/ops/rope.h"
#include "engine/ops/rows.h"
#include "engine/profile/scope.h"

namespace mambascope {

namespace {

// Row order of InternLM2's packed wqkv: per kv group g, slots [q x rep, k, v] of head_dim rows each
// (docs/models.md 3.1). Returns the source row for each row of the [q heads | k heads | v heads] order.
std::vector<int32_t> wqkv_to_qkv_rows(int64_t nq, int64_t nkv, int64_t hd) {
  const int64_t rep = nq / nkv, gs = rep + 2;
  std::vector<int32_t> idx;
  auto rows = [&](int64_t g, int64_t s) {
    for (int64_t d = 0; d < hd; ++d) idx.push_back(static_cast<int32_t>((g * gs + s) * hd + d));
  };
  for (int64_t h = 0; h < nq; ++h) rows(h / rep, h % rep);
  for (int64_t g = 0; g < nkv; ++g) rows(g, rep);
  for (int64_t g = 0; g < nkv; ++g) rows(g, rep + 1);
  return idx;
}

ops::RopeConfig rope_config(const DecoderPartConfig& p) {
  ops::RopeConfig r;
  r.theta = static_cast<float>(p.rope_theta);
  r.scaling = p.rope_dynamic ? ops::RopeScaling::DynamicNtk : ops::RopeScaling::None;
  r.factor = static_cast<float>(p.rope_factor);
  r.max_positions = p.max_position;
  return r;
}

Tensor on_device(const Tensor& host, Device dev, MemCategory cat) { return dev == Device::Cpu ? host : host.to(dev, cat); }

class HovleModel final : public Model {
 public:
  HovleModel(ModelConfig c, WeightStore w) : Model(std::move(c), std::move(w)) {
    const HovleConfig& h = config_.hovle;
    const std::string pattern = h.pattern();
    for (int64_t i = 0; i < h.layers(); ++i) {
      const DecoderPartConfig& part = i < h.embedding.layers ? h.embedding : h.llm;
      const std::string p = hovle_layer_prefix(h, i);
      Layer L;
      L.part = &part;
      L.attention = pattern[static_cast<size_t>(i)] == 'A';
      L.attn_norm = weights_.get(p + "attention_norm.weight");
      L.ffn_norm = weights_.get(p + "ffn_norm.weight");
      // SwiGLU: w1 and w3 fused into one [2I, d] projection (gate rows first), one GEMM instead of two.
      const Tensor& w1 = weights_.get(p + "feed_forward.w1.weight");
      const Tensor& w3 = weights_.get(p + "feed_forward.w3.weight");
      L.w13 = Tensor::empty({2 * part.intermediate, h.hidden()}, w1.dtype(), device(), MemCategory::Weights);
      ops::copy_rows(w1, L.w13, 0);
      ops::copy_rows(w3, L.w13, part.intermediate);
      L.w2 = weights_.get(p + "feed_forward.w2.weight");
      weights_.erase(p + "feed_forward.w1.weight");
      weights_.erase(p + "feed_forward.w3.weight");
      if (L.attention) {
        const Tensor& wqkv = weights_.get(p + "attention.wqkv.weight");
        const Tensor idx = on_device(Tensor::from_i32(wqkv_to_qkv_rows(part.heads, part.kv_heads, part.head_dim()),
                                                      {wqkv.dim(0)}), device(), MemCategory::Other);
        L.wqkv = Tensor::empty(wqkv.shape(), wqkv.dtype(), device(), MemCategory::Weights);
        ops::gather_rows(wqkv, idx, L.wqkv);
        weights_.erase(p + "attention.wqkv.weight");
        L.wo = weights_.get(p + "attention.wo.weight");
        L.rope = rope_config(part);
      } else {
        L.mamba = std::make_unique<SeededMamba>(weights_, p + "attention.", part.hidden, part.heads, part.kv_heads,
                                                part.head_dim(), h.ssm_d_conv, h.ssm_chunk, part.eps);
      }
      layers_.push_back(std::move(L));
    }
    final_norm_ = weights_.get("language_model.model.norm.weight");
    head_ = weights_.get("language_model.output.weight");
    embed_ = weights_.get("embedding_model.llm_text_embeddings.weight");
    // The LLM's own token table is not used for multimodal input (docs/models.md 3.1): drop it.
    weights_.erase("language_model.model.tok_embeddings.weight");
    const int64_t g = h.grid();
    std::vector<int32_t> shuffle;  // row of the [g*g, d] patch features feeding each (token, slot)
    for (int64_t t = 0; t < (g / 2) * (g / 2); ++t)
      for (int64_t j = 0; j < 4; ++j) {
        const int64_t r = (t / (g / 2)) * 2 + j / 2, c = (t % (g / 2)) * 2 + j % 2;
        shuffle.push_back(static_cast<int32_t>(r * g + c));
      }
    shuffle_idx_ = on_device(Tensor::from_i32(shuffle, {g * g}), device(), MemCategory::Other);
  }

  CacheBytes cache_bytes(int64_t capacity) const override {
    CacheBytes b;
    const size_t es = dtype_size(dtype());
    for (const Layer& L : layers_) {
      if (L.attention) b.kv += 2 * static_cast<size_t>(capacity * L.part->kv_heads * L.part->head_dim()) * es;
      else b.state += L.mamba->cache_bytes(es);
    }
    return b;
  }

  ModelCaches make_caches(int64_t capacity) const override {
    ModelCaches c;
    c.capacity = capacity;
    for (const Layer& L : layers_) {
      LayerCache lc;
      if (L.attention) {
        const int64_t w = L.part->kv_heads * L.part->head_dim();
        lc.k = Tensor::empty({capacity, w}, dtype(), device(), MemCategory::KV);
        lc.v = Tensor::empty({capacity, w}, dtype(), device(), MemCategory::KV);
      } else {
        L.mamba->make_cache(lc, dtype(), device());
      }
      c.layers.push_back(std::move(lc));
    }
    return c;
  }

  size_t scratch_bytes(int64_t T) const override {
    const HovleConfig& h = config_.hovle;
    const size_t d = static_cast<size_t>(h.hidden()), t = static_cast<size_t>(T), es = dtype_size(dtype());
    const size_t align = 2 * Allocator::kAlignment;
    size_t layer = 0;
    for (const Layer& L : layers_) {
      const DecoderPartConfig& p = *L.part;
      const size_t hd = static_cast<size_t>(p.head_dim()), nq = static_cast<size_t>(p.heads), nkv = static_cast<size_t>(p.kv_heads);
      size_t m = 0;
      if (L.attention) {
        m = t * (nq + 2 * nkv) * hd * es + align + t * nq * hd * es + align;
        if (t == 1) m += kDecodeSplitScratch;
      } else {
        m = L.mamba->scratch_bytes(T, es);
      }
      const size_t mlp = t * 3 * static_cast<size_t>(p.intermediate) * es + 2 * align;
      layer = std::max(layer, std::max(m, mlp));
    }
    // residual f32 + normed activations, then the largest layer.
    return t * d * 4 + t * d * es + 2 * align + layer;
  }

  void embed_tokens(const Tensor& ids, Tensor& h) const override { ops::embedding(ids, embed_, h); }

  void forward(Tensor& h, ModelCaches& caches, const ForwardContext& ctx) const override {
    const int64_t T = h.dim(0), d = hidden();
    Arena& a = *require_arena(ctx);
    const size_t mark = a.mark();
    Tensor residual = a.tensor({T, d}, DType::F32);
    Tensor y = a.tensor({T, d}, h.dtype());
    Tensor& delta = h;  // the embeddings are the first layer's input; each sublayer's output replaces them
    for (size_t i = 0; i < layers_.size(); ++i) {
      const Layer& L = layers_[i];
      ScopedLayer layer_scope(static_cast<int>(i));
      ops::add_rms_norm(delta, residual, L.attn_norm, y, static_cast<float>(L.part->eps), i == 0);
      const size_t m = a.mark();
      {
        ScopedOp mixer_scope(L.attention ? "attention" : "mamba2");
        if (L.attention) attention(L, y, delta, caches.layers[i], ctx, a);
        else L.mamba->forward(y, delta, caches.layers[i], ctx, a);
      }
      a.reset(m);
      ops::add_rms_norm(delta, residual, L.ffn_norm, y, static_cast<float>(L.part->eps));
      {
        ScopedOp mlp_scope("mlp");
        mlp(L, y, delta, a);
      }
      a.reset(m);
    }
    ops::add_rms_norm(delta, residual, final_norm_, h, static_cast<float>(config_.hovle.llm.eps));
    a.reset(mark);
  }

  void lm_head(const Tensor& h, Tensor& logits, Arena*) const override {
    ScopedOp scope("lm_head");
    ops::linear(h, head_, Tensor(), logits);
  }

  Tensor embed_image(const Tensor& pixels, Arena* arena) const override {
    const HovleConfig& h = config_.hovle;
    if (pixels.rank() != 4 || pixels.dim(1) != 3 || pixels.dim(2) != h.image_size || pixels.dim(3) != h.image_size)
      throw Error("image tiles are " + pixels.describe() + ", the model takes [tiles, 3, " + std::to_string(h.image_size) + ", " +
                      std::to_string(h.image_size) + "]", "image", "pixels", "preprocess with the HoVLE pipeline (engine/image)");
    const int64_t n = pixels.dim(0), g = h.grid(), p = h.patch, d = hidden();
    // Patch embedding as a GEMM over flattened patches (channel, row, col: the conv weight's order).
    std::vector<float> px = pixels.contiguous().to_f32_vector();
    std::vector<float> patches(static_cast<size_t>(n * g * g * 3 * p * p));
    size_t o = 0;
    for (int64_t t = 0; t < n; ++t)
      for (int64_t pr = 0; pr < g; ++pr)
        for (int64_t pc = 0; pc < g; ++pc)
          for (int64_t c = 0; c < 3; ++c)
            for (int64_t ky = 0; ky < p; ++ky)
              for (int64_t kx = 0; kx < p; ++kx)
                patches[o++] = px[static_cast<size_t>(((t * 3 + c) * h.image_size + pr * p + ky) * h.image_size + pc * p + kx)];
    const Tensor pt = on_device(Tensor::from_f32(patches, {n * g * g, 3 * p * p}, dtype()), device(), MemCategory::Activations);
    const Tensor& wp = weights_.get("embedding_model.vision_embeddings.patch_embedding.weight");
    const Tensor pos = weights_.get("embedding_model.vision_embeddings.position_embedding").select(0, 0).slice(0, 1, 1 + g * g);
    Tensor v = ops::scratch(arena, {n * g * g, d}, dtype(), device());
    for (int64_t t = 0; t < n; ++t) {  // v = patches W^T + bias + position (per tile)
      Tensor vt = v.slice(0, t * g * g, (t + 1) * g * g);
      ops::copy_rows(pos, vt, 0);
      ops::linear(pt.slice(0, t * g * g, (t + 1) * g * g), wp.view({d, 3 * p * p}),
                  weights_.get("embedding_model.vision_embeddings.patch_embedding.bias"), vt, 1.f);
    }
    Tensor shuffled = ops::scratch(arena, {n * g * g, d}, dtype(), device());
    for (int64_t t = 0; t < n; ++t) {
      Tensor st = shuffled.slice(0, t * g * g, (t + 1) * g * g);
      ops::gather_rows(v.slice(0, t * g * g, (t + 1) * g * g), shuffle_idx_, st);
    }
    const int64_t tokens = n * h.tokens_per_tile();
    const Tensor sv = shuffled.view({tokens, 4 * d});
    Tensor mid = ops::scratch(arena, {tokens, d}, dtype(), device());
    ops::linear(sv, weights_.get("embedding_model.pixel_shuffle_proj.0.weight"), weights_.get("embedding_model.pixel_shuffle_proj.0.bias"), mid);
    ops::activation(mid, mid, ops::Activation::GeluErf);
    Tensor out = Tensor::empty({tokens, d}, dtype(), device(), MemCategory::Activations);
    ops::linear(mid, weights_.get("embedding_model.pixel_shuffle_proj.2.weight"), weights_.get("embedding_model.pixel_shuffle_proj.2.bias"), out);
    return out;
  }

 private:
  // Split-K decode partials: num_splits x heads x (head_dim + 2) f32 for up to 1024 splits and 64 heads of 128.
  static constexpr size_t kDecodeSplitScratch = size_t{1024} * 64 * 130 * 4 + 4096;

  struct Layer {
    const DecoderPartConfig* part = nullptr;
    bool attention = true;
    Tensor attn_norm, ffn_norm, w13, w2, wqkv, wo;
    ops::RopeConfig rope;
    std::unique_ptr<SeededMamba> mamba;
  };

  static Arena* require_arena(const ForwardContext& ctx) {
    if (!ctx.arena) throw Error("forward needs a scratch arena", "model", "arena", "this is a bug in mambascope: please report it");
    return ctx.arena;
  }

  void attention(const Layer& L, const Tensor& y, Tensor& out, LayerCache& cache, const ForwardContext& ctx, Arena& a) const {
    const DecoderPartConfig& p = *L.part;
    const int64_t T = y.dim(0), nq = p.heads, nkv = p.kv_heads, hd = p.head_dim();
    Tensor qkv = a.tensor({T, (nq + 2 * nkv) * hd}, y.dtype());
    ops::linear(y, L.wqkv, Tensor(), qkv);
    Tensor q = qkv.slice(1, 0, nq * hd).unflatten(1, {nq, hd}).unsqueeze(0);
    Tensor k2 = qkv.slice(1, nq * hd, (nq + nkv) * hd);
    Tensor v2 = qkv.slice(1, (nq + nkv) * hd, (nq + 2 * nkv) * hd);
    Tensor k = k2.unflatten(1, {nkv, hd}).unsqueeze(0);
    ops::rope(q, k, L.rope, ctx.pos0, ctx.pos_dev);
    ops::copy_rows(k2, cache.k, ctx.pos0, ctx.pos_dev);
    ops::copy_rows(v2, cache.v, ctx.pos0, ctx.pos_dev);
    Tensor o = a.tensor({T, nq * hd}, y.dtype());
    if (ctx.decode) {
      Tensor o3 = o.unflatten(1, {nq, hd});
      ops::DecodeOptions opt;
      opt.arena = &a;
      ops::attention_decode(q.select(1, 0), cache.k.unflatten(1, {nkv, hd}).unsqueeze(0), cache.v.unflatten(1, {nkv, hd}).unsqueeze(0),
                            o3, ctx.pos0 + 1, opt, ctx.len_dev);
    } else {
      const int64_t len = ctx.pos0 + T;
      Tensor o4 = o.unflatten(1, {nq, hd}).unsqueeze(0);
      ops::attention_prefill(q, cache.k.slice(0, 0, len).unflatten(1, {nkv, hd}).unsqueeze(0),
                             cache.v.slice(0, 0, len).unflatten(1, {nkv, hd}).unsqueeze(0), o4);
    }
    ops::linear(o, L.wo, Tensor(), out);
  }

  void mlp(const Layer& L, const Tensor& y, Tensor& out, Arena& a) const {
    const int64_t T = y.dim(0), I = L.part->intermediate;
    Tensor gu = a.tensor({T, 2 * I}, y.dtype());
    ops::linear(y, L.w13, Tensor(), gu);
    Tensor act = a.tensor({T, I}, y.dtype());
    ops::gated_activation(gu.slice(1, 0, I), gu.slice(1, I, 2 * I), act, ops::Activation::Silu);
    ops::linear(act, L.w2, Tensor(), out);
  }

  std::vector<Layer> layers_;
  Tensor final_norm_, head_, embed_, shuffle_idx_;
};

}  // namespace

std::unique_ptr<Model> make_hovle_model(const ModelConfig& c, WeightStore w) {
  return std::make_unique<HovleModel>(c, std::move(w));
}

}  // namespace mambascope
