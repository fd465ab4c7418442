#pragma once
// The four models as configs. A model differs from another only by its config (docs/models.md):
//   ML-Mamba          ViT encoders (DINOv2 + SigLIP) -> Mamba-2 scan connector -> MLP projector -> Mamba-2 LM
//   HoVLE family      holistic embedding (patch embed + pixel shuffle + MLP, text embeddings) -> one causal
//                     stack of decoder layers (8 "embedding" + 24 "LLM" at real size), each layer's mixer
//                     either GQA attention ('A') or mmMamba's seeded Mamba-2 ('M'):
//                       transformer (HoVLE)  "A" x 32,  mmmamba-linear "M" x 32,  mmmamba-hybrid "AMMM" x 8.
// config.json: the HoVLE family uses the published keys (embedding_config / llm_config with
// layers_block_type, as mmMamba's convert_weight.py writes them); ML-Mamba has no published config.json, so
// ours is documented in docs/models.md ("model_type": "ml-mamba").
#include <optional>
#include <string>
#include <vector>

#include "engine/model/config.h"

namespace mambascope {

enum class ModelFamily { MLMamba, Hovle };

// One InternLM2-style stack (HoVLE's embedding layers, or its LLM layers).
struct DecoderPartConfig {
  int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, intermediate = 0;
  double eps = 1e-5;
  double rope_theta = 10000.0;
  bool rope_dynamic = false;  // dynamic NTK scaling (InternLM2)
  double rope_factor = 1.0;
  int64_t max_position = 4096;
  std::string pattern;  // one char per layer: 'A' attention, 'M' seeded Mamba-2
  int64_t head_dim() const { return heads ? hidden / heads : 0; }
};

struct HovleConfig {
  int64_t vocab = 92553;
  DecoderPartConfig embedding, llm;
  int64_t image_size = 448, patch = 14;
  double downsample = 0.5;
  int64_t img_context_token_id = 92546;
  int64_t max_tiles = 12;
  bool thumbnail = true;
  // The chat's system message: config.json's "system_message" where a checkpoint sets it (the project's tiny
  // trained models use a short one), otherwise HoVLE's default (kHoVLESystemMessage).
  std::optional<std::string> system_message;
  // mmMamba's seeded Mamba-2 layer (fixed in its code: kernel-2 conv, chunk 128).
  int64_t ssm_d_conv = 2, ssm_chunk = 128;

  std::string pattern() const { return embedding.pattern + llm.pattern; }
  int64_t layers() const { return embedding.layers + llm.layers; }
  int64_t hidden() const { return llm.hidden; }
  int64_t grid() const { return image_size / patch; }                                        // 32
  int64_t tokens_per_tile() const { return static_cast<int64_t>(grid() * grid() * downsample * downsample); }  // 256
  int64_t shuffle_dim() const { return static_cast<int64_t>(embedding.hidden / (downsample * downsample)); } // 8192
};

struct VitConfig {
  int64_t image_size = 384, patch = 14, hidden = 0, depth = 0, heads = 0, mlp = 0;
  int64_t registers = 0;          // DINOv2-reg4: 4
  bool class_token = true;        // SigLIP: false
  bool layerscale = false;        // DINOv2: true
  double eps = 1e-6;
  int64_t feature_block = -1;     // output of this block (0-based) is the feature: depth - 2 for ML-Mamba
  int64_t grid() const { return image_size / patch; }
  int64_t head_dim() const { return heads ? hidden / heads : 0; }
};

struct MLMambaConfig {
  VitConfig dino, siglip;
  int64_t connector_layers = 2;
  std::string scan = "bidirectional";  // engine/scan: "bidirectional" (released BSM), "cross" (CSM), ...
  Mamba2Config connector_ssm;          // the connector's mixer (mamba2-2.7b dims in the release)
  double connector_ln_eps = 1e-5;
  int64_t projector_hidden = 10240;
  MambaLMConfig llm;
  int64_t grid() const { return dino.grid(); }
  int64_t image_tokens() const { return grid() * grid(); }
  int64_t vision_dim() const { return dino.hidden + siglip.hidden; }
  int64_t d_model() const { return llm.d_model; }
};

struct ModelConfig {
  std::string name;  // preset name, or the directory it was loaded from
  ModelFamily family = ModelFamily::Hovle;
  MLMambaConfig mlm;
  HovleConfig hovle;

  // "ml-mamba", "transformer", "mmmamba-linear", "mmmamba-hybrid", or "hovle-custom" for other patterns.
  std::string kind() const;
  std::string layer_pattern() const;  // 'M'/'A' per sequence-model layer (ML-Mamba: its LM)
  int64_t vocab() const;
  int64_t padded_vocab() const;
  int64_t hidden() const;
  int64_t image_tokens_per_image() const;  // ML-Mamba 729; HoVLE family 256 per tile (1 tile)
};

// Reads config.json (either family); every key is checked (unknown keys are errors naming them).
ModelConfig load_model_config(const std::string& path);
ModelConfig parse_model_config(const std::string& json_text, const std::string& name);
std::string model_config_to_json(const ModelConfig& c);

// Presets: the real sizes of the published models and tiny ones for tests and CPU demos.
std::vector<std::string> preset_names();
bool is_preset(const std::string& name);
ModelConfig preset_config(const std::string& name);  // throws Error listing the presets

}  // namespace mambascope
