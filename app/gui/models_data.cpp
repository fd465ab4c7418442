#include "app/gui/models_data.h"

#include <algorithm>
#include <filesystem>

#include "engine/model/weight_specs.h"

namespace mambascope::gui {

namespace fs = std::filesystem;

std::vector<ModelChoice> list_model_choices(const std::string& models_root) {
  std::vector<ModelChoice> out;
  for (const std::string& p : preset_names()) out.push_back({p + " (preset, random weights)", p, true});
  std::error_code ec;
  std::vector<std::string> dirs;
  for (const fs::directory_entry& e : fs::directory_iterator(models_root, ec))
    if (e.is_directory(ec) && fs::exists(e.path() / "config.json", ec)) dirs.push_back(e.path().string());
  std::sort(dirs.begin(), dirs.end());
  for (const std::string& d : dirs) out.push_back({fs::path(d).filename().string() + " (checkpoint)", d, false});
  return out;
}

ModelConfig choice_config(const ModelChoice& choice) {
  if (choice.preset) return preset_config(choice.source);
  ModelConfig c = load_model_config((fs::path(choice.source) / "config.json").string());
  c.name = choice.source;
  return c;
}

std::vector<PatternSegment> pattern_segments(const std::string& pattern) {
  std::vector<PatternSegment> out;
  for (int i = 0; i < static_cast<int>(pattern.size()); ++i) {
    if (!out.empty() && out.back().kind == pattern[static_cast<size_t>(i)]) ++out.back().count;
    else out.push_back({pattern[static_cast<size_t>(i)], i, 1});
  }
  return out;
}

namespace {

std::string n(int64_t v) { return std::to_string(v); }

std::string mamba_tip(const Mamba2Config& s) {
  return "Mamba-2: d_model " + n(s.d_model) + ", d_inner " + n(s.d_inner()) + ", " + n(s.nheads()) + " heads of " + n(s.headdim) +
         ", d_state " + n(s.d_state) + ", d_conv " + n(s.d_conv) + ", groups " + n(s.ngroups);
}

std::string vit_tip(const std::string& name, const VitConfig& v) {
  return name + " ViT: " + n(v.feature_block + 1) + " of " + n(v.depth) + " blocks used (features of block " + n(v.feature_block) +
         "), hidden " + n(v.hidden) + ", " + n(v.heads) + " heads, MLP " + n(v.mlp) + ", " + n(v.image_size) + " px in " + n(v.patch) +
         "-px patches (" + n(v.grid()) + "x" + n(v.grid()) + ")";
}

// Which part of the model a checkpoint tensor belongs to, by its published name.
std::string part_of(const std::string& name) {
  static const std::pair<const char*, const char*> kParts[] = {
      {"vision_backbone.dino_featurizer.", "DINOv2 encoder"},
      {"vision_backbone.siglip_featurizer.", "SigLIP encoder"},
      {"mlp.0.", "vision projection"},
      {"bidirectional_mamba.", "scan connector"},
      {"projector.", "projector"},
      {"llm_backbone.", "language model"},
      {"embedding_model.", "holistic embedding"},
      {"language_model.", "decoder (LLM part)"},
  };
  for (const auto& [prefix, part] : kParts)
    if (name.rfind(prefix, 0) == 0) return part;
  return name.substr(0, name.find('.'));
}

}  // namespace

uint32_t strip_color(StripKind k) {
  auto rgb = [](uint32_t r, uint32_t g, uint32_t b) { return 0xFF000000u | (b << 16) | (g << 8) | r; };
  switch (k) {
    case StripKind::Vision: return rgb(96, 125, 160);
    case StripKind::Connector: return rgb(230, 160, 60);
    case StripKind::Projector: return rgb(150, 120, 190);
    case StripKind::Embedding: return rgb(110, 140, 120);
    case StripKind::Mamba: return rgb(70, 170, 130);
    case StripKind::Attention: return rgb(220, 90, 90);
  }
  return rgb(128, 128, 128);
}

std::vector<StripItem> layer_strip(const ModelConfig& c) {
  std::vector<StripItem> out;
  if (c.family == ModelFamily::MLMamba) {
    const MLMambaConfig& m = c.mlm;
    out.push_back({StripKind::Vision, "DINOv2", vit_tip("DINOv2", m.dino), 3});
    out.push_back({StripKind::Vision, "SigLIP", vit_tip("SigLIP", m.siglip), 3});
    for (int64_t l = 0; l < m.connector_layers; ++l)
      out.push_back({StripKind::Connector, "scan " + n(l),
                     "scan connector layer " + n(l) + ": one Mamba-2 pass per order of the '" + m.scan + "' scan over the " + n(m.grid()) +
                         "x" + n(m.grid()) + " patches, averaged, then SwiGLU\n" + mamba_tip(m.connector_ssm),
                     1.5f});
    out.push_back({StripKind::Projector, "proj",
                   "projector MLP: " + n(m.vision_dim()) + " -> " + n(m.projector_hidden) + " -> " + n(m.d_model()) + " (GELU)", 1.5f});
    for (int64_t i = 0; i < m.llm.n_layer; ++i)
      out.push_back({StripKind::Mamba, "M", "LM layer " + n(i) + "\n" + mamba_tip(m.llm.ssm), 1});
    return out;
  }
  const HovleConfig& h = c.hovle;
  out.push_back({StripKind::Embedding, "embed",
                 "holistic embedding: " + n(h.image_size) + "-px tiles in " + n(h.patch) + "-px patches, pixel shuffle x" +
                     std::to_string(h.downsample) + " -> " + n(h.tokens_per_tile()) + " tokens per tile; vocab " + n(h.vocab),
                 1.5f});
  const std::string pattern = h.pattern();
  for (int64_t i = 0; i < static_cast<int64_t>(pattern.size()); ++i) {
    const DecoderPartConfig& part = i < h.embedding.layers ? h.embedding : h.llm;
    const std::string where = i < h.embedding.layers ? "embedding layer " + n(i) : "LLM layer " + n(i - h.embedding.layers);
    const std::string tip = where + " (decoder layer " + n(i) + "), hidden " + n(part.hidden) + ", MLP " + n(part.intermediate) + "\n";
    if (pattern[static_cast<size_t>(i)] == 'A')
      out.push_back({StripKind::Attention, "A", tip + "attention: " + n(part.heads) + " q heads / " + n(part.kv_heads) + " kv heads of " + n(part.head_dim()), 1});
    else
      out.push_back({StripKind::Mamba, "M", tip + "seeded Mamba-2 (mmMamba): " + n(part.heads) + " heads of " + n(part.head_dim()) +
                                              ", d_conv " + n(h.ssm_d_conv), 1});
  }
  return out;
}

ModelSummary summarize_model(const ModelConfig& c, DType dt) {
  ModelSummary s;
  const std::vector<WeightSpec> specs = weight_specs(c);
  s.params = param_count(specs);
  s.weight_bytes = weight_bytes(specs, dt);
  for (const WeightSpec& w : specs) {
    const std::string part = part_of(w.name);
    auto it = std::find_if(s.parts.begin(), s.parts.end(), [&](const ParamPart& p) { return p.name == part; });
    if (it == s.parts.end()) it = s.parts.insert(s.parts.end(), {part, 0, 0});
    it->params += param_count({w});
    it->bytes += weight_bytes({w}, dt);
  }
  auto add = [&](const std::string& k, const std::string& v) { s.dims.emplace_back(k, v); };
  add("kind", c.kind());
  add(c.family == ModelFamily::MLMamba ? "LM layers" : "decoder layers", n(static_cast<int64_t>(c.layer_pattern().size())));
  add("hidden", n(c.hidden()));
  add("vocab", n(c.vocab()) + " (padded " + n(c.padded_vocab()) + ")");
  if (c.family == ModelFamily::MLMamba) {
    const MLMambaConfig& m = c.mlm;
    add("SSM heads x headdim", n(m.llm.ssm.nheads()) + " x " + n(m.llm.ssm.headdim));
    add("state size (d_state)", n(m.llm.ssm.d_state));
    add("encoder", "DINOv2 " + n(m.dino.hidden) + " + SigLIP " + n(m.siglip.hidden) + ", " + n(m.dino.image_size) + " px");
    add("image tokens", n(m.image_tokens()) + " (" + n(m.grid()) + "x" + n(m.grid()) + " patches)");
    add("connector", n(m.connector_layers) + " layers, '" + m.scan + "' scan");
  } else {
    const HovleConfig& h = c.hovle;
    add("attention heads (q / kv)", n(h.llm.heads) + " / " + n(h.llm.kv_heads) + " of " + n(h.llm.head_dim()));
    if (c.layer_pattern().find('M') != std::string::npos) add("SSM state per head", n(h.llm.head_dim()) + " x " + n(h.llm.head_dim()));
    add("encoder", "holistic embedding, " + n(h.embedding.layers) + " layers of " + n(h.embedding.hidden));
    add("image tokens", n(h.tokens_per_tile()) + " per " + n(h.image_size) + "-px tile");
  }
  return s;
}

}  // namespace mambascope::gui
