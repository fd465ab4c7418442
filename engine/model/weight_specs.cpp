#include "engine/model/weight_specs.h"

#include <cmath>

namespace mambascope {

namespace {

// Uniform bound for a linear layer of fan-in k: keeps each output's variance near its input's (1/sqrt(3k)
// gives unit-variance inputs unit-variance outputs), so 64 random layers stay finite.
float lin(int64_t fan_in) { return 1.0f / std::sqrt(3.0f * static_cast<float>(fan_in)); }

void add(std::vector<WeightSpec>& v, std::string name, Shape shape, WeightInit init, float scale = 0.f, bool f32 = false) {
  v.push_back({std::move(name), std::move(shape), init, scale, f32});
}

void add_mamba2(std::vector<WeightSpec>& v, const std::string& p, const Mamba2Config& m, const std::vector<std::string>& directions) {
  const int64_t d = m.d_model;
  add(v, p + "in_proj.weight", {m.in_proj_dim(), d}, WeightInit::Uniform, lin(d));
  for (const std::string& sfx : directions) {
    add(v, p + "conv1d" + sfx + ".weight", {m.conv_dim(), 1, m.d_conv}, WeightInit::Uniform, lin(m.d_conv));
    add(v, p + "conv1d" + sfx + ".bias", {m.conv_dim()}, WeightInit::Zeros);
    add(v, p + "dt_bias" + sfx, {m.nheads()}, WeightInit::DtBias, 0.f, true);
    add(v, p + "A_log" + sfx, {m.nheads()}, WeightInit::ALog, 0.f, true);
    add(v, p + "D" + sfx, {m.nheads()}, WeightInit::Ones, 1.f, true);
  }
  add(v, p + "norm.weight", {m.d_inner()}, WeightInit::Ones, 1.f);
  add(v, p + "out_proj.weight", {d, m.d_inner()}, WeightInit::Uniform, lin(m.d_inner()));
}

void add_vit(std::vector<WeightSpec>& v, const std::string& p, const VitConfig& c) {
  const int64_t D = c.hidden;
  add(v, p + "patch_embed.proj.weight", {D, 3, c.patch, c.patch}, WeightInit::Uniform, lin(3 * c.patch * c.patch));
  add(v, p + "patch_embed.proj.bias", {D}, WeightInit::Zeros);
  add(v, p + "pos_embed", {1, c.grid() * c.grid(), D}, WeightInit::Uniform, 0.02f, true);
  if (c.class_token) add(v, p + "cls_token", {1, 1, D}, WeightInit::Uniform, 0.02f);
  if (c.registers > 0) add(v, p + "reg_token", {1, c.registers, D}, WeightInit::Uniform, 0.02f);
  // Blocks after the feature block are never run; a checkpoint may hold them, they are not required.
  for (int64_t i = 0; i <= c.feature_block; ++i) {
    const std::string b = p + "blocks." + std::to_string(i) + ".";
    add(v, b + "norm1.weight", {D}, WeightInit::Ones, 1.f);
    add(v, b + "norm1.bias", {D}, WeightInit::Zeros);
    add(v, b + "attn.qkv.weight", {3 * D, D}, WeightInit::Uniform, lin(D));
    add(v, b + "attn.qkv.bias", {3 * D}, WeightInit::Zeros);
    add(v, b + "attn.proj.weight", {D, D}, WeightInit::Uniform, lin(D));
    add(v, b + "attn.proj.bias", {D}, WeightInit::Zeros);
    if (c.layerscale) add(v, b + "ls1.gamma", {D}, WeightInit::Ones, 1e-1f);
    add(v, b + "norm2.weight", {D}, WeightInit::Ones, 1.f);
    add(v, b + "norm2.bias", {D}, WeightInit::Zeros);
    add(v, b + "mlp.fc1.weight", {c.mlp, D}, WeightInit::Uniform, lin(D));
    add(v, b + "mlp.fc1.bias", {c.mlp}, WeightInit::Zeros);
    add(v, b + "mlp.fc2.weight", {D, c.mlp}, WeightInit::Uniform, lin(c.mlp));
    add(v, b + "mlp.fc2.bias", {D}, WeightInit::Zeros);
    if (c.layerscale) add(v, b + "ls2.gamma", {D}, WeightInit::Ones, 1e-1f);
  }
}

void add_mlmamba(std::vector<WeightSpec>& v, const MLMambaConfig& m) {
  add_vit(v, "vision_backbone.dino_featurizer.", m.dino);
  add_vit(v, "vision_backbone.siglip_featurizer.", m.siglip);
  const int64_t d = m.d_model();
  add(v, "mlp.0.weight", {d, m.vision_dim()}, WeightInit::Uniform, lin(m.vision_dim()));
  add(v, "mlp.0.bias", {d}, WeightInit::Zeros);
  // The released BiMamba2 names its backward parameters with a "_b" suffix; further scan orders (cross
  // scan) continue the pattern "_o2", "_o3" (our extension, docs/models.md 2.2).
  std::vector<std::string> dirs;
  const int n_orders = m.scan == "bidirectional" ? 2 : m.scan == "cross" ? 4 : 1;
  for (int o = 0; o < n_orders; ++o) dirs.push_back(o == 0 ? "" : o == 1 ? "_b" : "_o" + std::to_string(o));
  for (int64_t l = 0; l < m.connector_layers; ++l) {
    const std::string p = "bidirectional_mamba.layers." + std::to_string(l) + ".";
    add_mamba2(v, p + "mixer.", m.connector_ssm, dirs);
    add(v, p + "norm.weight", {d}, WeightInit::Ones, 1.f);
    add(v, p + "norm.bias", {d}, WeightInit::Zeros);
    for (const char* w : {"w1", "w2", "w3"}) {
      add(v, p + "mlp." + w + ".weight", {d, d}, WeightInit::Uniform, lin(d));
      add(v, p + "mlp." + w + ".bias", {d}, WeightInit::Zeros);
    }
  }
  add(v, "bidirectional_mamba.norm_f.weight", {d}, WeightInit::Ones, 1.f);
  add(v, "bidirectional_mamba.norm_f.bias", {d}, WeightInit::Zeros);
  add(v, "projector.projector.0.weight", {m.projector_hidden, d}, WeightInit::Uniform, lin(d));
  add(v, "projector.projector.0.bias", {m.projector_hidden}, WeightInit::Zeros);
  add(v, "projector.projector.2.weight", {d, m.projector_hidden}, WeightInit::Uniform, lin(m.projector_hidden));
  add(v, "projector.projector.2.bias", {d}, WeightInit::Zeros);
  add(v, "projector.projector.4.weight", {d, d}, WeightInit::Uniform, lin(d));
  add(v, "projector.projector.4.bias", {d}, WeightInit::Zeros);
  const std::string lm = "llm_backbone.";
  add(v, lm + "backbone.embedding.weight", {m.llm.padded_vocab(), d}, WeightInit::Uniform, 1.0f);
  for (int64_t i = 0; i < m.llm.n_layer; ++i) {
    const std::string p = lm + "backbone.layers." + std::to_string(i) + ".";
    add(v, p + "norm.weight", {d}, WeightInit::Ones, 1.f);
    add_mamba2(v, p + "mixer.", m.llm.ssm, {""});
  }
  add(v, lm + "backbone.norm_f.weight", {d}, WeightInit::Ones, 1.f);
  // lm_head.weight is tied to the embedding (tie_embeddings): not a separate tensor here; a checkpoint that
  // stores it too is accepted.
}

void add_hovle(std::vector<WeightSpec>& v, const HovleConfig& h) {
  const int64_t d = h.hidden(), p = h.patch;
  const std::string e = "embedding_model.";
  add(v, e + "vision_embeddings.patch_embedding.weight", {d, 3, p, p}, WeightInit::Uniform, lin(3 * p * p));
  add(v, e + "vision_embeddings.patch_embedding.bias", {d}, WeightInit::Zeros);
  add(v, e + "vision_embeddings.position_embedding", {1, h.grid() * h.grid() + 1, d}, WeightInit::Uniform, 0.02f);
  add(v, e + "vision_embeddings.class_embedding", {1, 1, d}, WeightInit::Uniform, 0.02f);
  add(v, e + "pixel_shuffle_proj.0.weight", {d, h.shuffle_dim()}, WeightInit::Uniform, lin(h.shuffle_dim()));
  add(v, e + "pixel_shuffle_proj.0.bias", {d}, WeightInit::Zeros);
  add(v, e + "pixel_shuffle_proj.2.weight", {d, d}, WeightInit::Uniform, lin(d));
  add(v, e + "pixel_shuffle_proj.2.bias", {d}, WeightInit::Zeros);
  add(v, e + "llm_text_embeddings.weight", {h.vocab, d}, WeightInit::Uniform, 1.0f);
  const std::string pattern = h.pattern();
  for (int64_t i = 0; i < h.layers(); ++i) {
    const DecoderPartConfig& part = i < h.embedding.layers ? h.embedding : h.llm;
    const std::string L = hovle_layer_prefix(h, i);
    const int64_t hd = part.head_dim(), nq = part.heads, nkv = part.kv_heads;
    add(v, L + "attention_norm.weight", {d}, WeightInit::Ones, 1.f);
    if (pattern[static_cast<size_t>(i)] == 'A') {
      add(v, L + "attention.wqkv.weight", {(nq + 2 * nkv) * hd, d}, WeightInit::Uniform, lin(d));
      add(v, L + "attention.wo.weight", {d, nq * hd}, WeightInit::Uniform, lin(nq * hd));
    } else {  // mmMamba's seeded Mamba-2 (docs/models.md 4.1): rows [v | k | q | g | dt]
      const int64_t conv_dim = (2 * nkv + nq) * hd;
      add(v, L + "attention.wvkqgdt.weight", {conv_dim + nq * hd + nq, d}, WeightInit::Uniform, lin(d));
      add(v, L + "attention.conv1d.weight", {conv_dim, 1, h.ssm_d_conv}, WeightInit::Uniform, lin(h.ssm_d_conv));
      add(v, L + "attention.conv1d.bias", {conv_dim}, WeightInit::Zeros);
      add(v, L + "attention.dt_bias", {nq}, WeightInit::DtBias, 0.f, true);
      add(v, L + "attention.A_log_bias", {nq}, WeightInit::ALog, 0.f, true);
      add(v, L + "attention.g_norm_swish_gate.weight", {hd}, WeightInit::Ones, 1.f);
      add(v, L + "attention.o_proj.weight", {d, nq * hd}, WeightInit::Uniform, lin(nq * hd));
    }
    add(v, L + "ffn_norm.weight", {d}, WeightInit::Ones, 1.f);
    add(v, L + "feed_forward.w1.weight", {part.intermediate, d}, WeightInit::Uniform, lin(d));
    add(v, L + "feed_forward.w3.weight", {part.intermediate, d}, WeightInit::Uniform, lin(d));
    add(v, L + "feed_forward.w2.weight", {d, part.intermediate}, WeightInit::Uniform, lin(part.intermediate));
  }
  add(v, "language_model.model.tok_embeddings.weight", {h.vocab, d}, WeightInit::Uniform, 1.0f);
  add(v, "language_model.model.norm.weight", {d}, WeightInit::Ones, 1.f);
  add(v, "language_model.output.weight", {h.vocab, d}, WeightInit::Uniform, lin(d));
}

}  // namespace

std::string hovle_layer_prefix(const HovleConfig& h, int64_t layer) {
  return layer < h.embedding.layers ? "embedding_model.encoder." + std::to_string(layer) + "."
                                    : "language_model.model.layers." + std::to_string(layer - h.embedding.layers) + ".";
}

std::vector<WeightSpec> weight_specs(const ModelConfig& c) {
  std::vector<WeightSpec> v;
  if (c.family == ModelFamily::MLMamba) add_mlmamba(v, c.mlm);
  else add_hovle(v, c.hovle);
  return v;
}

int64_t param_count(const std::vector<WeightSpec>& specs) {
  int64_t n = 0;
  for (const WeightSpec& s : specs) n += shape_numel(s.shape);
  return n;
}

size_t weight_bytes(const std::vector<WeightSpec>& specs, DType dt) {
  size_t b = 0;
  for (const WeightSpec& s : specs) b += static_cast<size_t>(shape_numel(s.shape)) * (s.keep_f32 ? 4 : dtype_size(dt));
  return b;
}

}  // namespace mambascope
