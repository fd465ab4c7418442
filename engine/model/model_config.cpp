#include "engine/model/model_config.h"

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/file.h"

namespace mambascope {
using nlohmann::json;

namespace {

// Keys every transformers PretrainedConfig serialises (generation defaults, bookkeeping): accepted, unused.
const std::set<std::string> kHfGenericKeys = {
    "return_dict", "output_hidden_states", "output_attentions", "torchscript", "torch_dtype", "use_bfloat16",
    "tf_legacy_loss", "pruned_heads", "tie_word_embeddings", "chunk_size_feed_forward", "is_encoder_decoder",
    "is_decoder", "cross_attention_hidden_size", "add_cross_attention", "tie_encoder_decoder", "max_length",
    "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups", "diversity_penalty", "temperature",
    "top_k", "top_p", "typical_p", "repetition_penalty", "length_penalty", "no_repeat_ngram_size",
    "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences", "output_scores",
    "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
    "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "architectures",
    "finetuning_task", "id2label", "label2id", "tokenizer_class", "prefix", "bos_token_id", "pad_token_id",
    "eos_token_id", "sep_token_id", "decoder_start_token_id", "task_specific_params", "problem_type",
    "_name_or_path", "transformers_version", "model_type", "auto_map", "use_cache", "initializer_range",
    "attn_implementation", "_attn_implementation_autoset", "_attn_implementation", "use_flash_attn",
    "pretraining_tp"};

[[noreturn]] void bad(const ConfigReader& r, const std::string& key, const std::string& what, const std::string& fix = "fix the config") {
  throw Error(what, r.file(), r.path_of(key), fix);
}

std::string read_pattern(ConfigReader& r, int64_t layers) {
  const std::vector<std::string> types = r.get_string_list("layers_block_type", {});
  if (types.empty()) return std::string(static_cast<size_t>(layers), 'A');  // HoVLE: attention everywhere
  if (static_cast<int64_t>(types.size()) != layers)
    bad(r, "layers_block_type", "has " + std::to_string(types.size()) + " entries for " + std::to_string(layers) + " layers");
  std::string p;
  for (const std::string& t : types) {
    if (t == "mha") p += 'A';
    else if (t == "mamba2") p += 'M';
    else bad(r, "layers_block_type", "entry '" + t + "' is neither \"mha\" nor \"mamba2\"");
  }
  return p;
}

void read_rope(ConfigReader& r, DecoderPartConfig& d) {
  d.rope_theta = r.get_double("rope_theta", d.rope_theta);
  if (r.has("rope_scaling")) {
    ConfigReader s = r.child("rope_scaling");
    const std::string type = s.get_string("type", s.get_string("rope_type", ""));
    if (type != "dynamic")
      throw Error("rope_scaling type '" + type + "' is not supported", r.file(), r.path_of("rope_scaling.type"),
                  "InternLM2 uses \"dynamic\" (NTK); remove rope_scaling for none");
    d.rope_dynamic = true;
    d.rope_factor = s.get_double("factor");
    s.finish();
  } else {
    r.get_string("rope_scaling", "");  // null: mark as read
  }
  d.max_position = r.get_int("max_position_embeddings", d.max_position);
}

void check_part(const ConfigReader& r, const DecoderPartConfig& d) {
  constexpr int64_t kMax = int64_t{1} << 20;  // keeps every product of sizes in range
  if (d.layers > 100000) bad(r, "num_hidden_layers", "is above 100000");
  if (d.hidden > kMax || d.heads > kMax || d.kv_heads > kMax || d.intermediate > kMax || d.max_position > (int64_t{1} << 32))
    bad(r, "hidden_size", "a size is above 2^20 (2^32 for max_position_embeddings)");
  if (d.layers <= 0) bad(r, "num_hidden_layers", "must be positive");
  if (d.hidden <= 0) bad(r, "hidden_size", "must be positive");
  if (d.heads <= 0 || d.hidden % d.heads != 0) bad(r, "num_attention_heads", "must divide hidden_size");
  if (d.kv_heads <= 0 || d.heads % d.kv_heads != 0) bad(r, "num_key_value_heads", "must divide num_attention_heads");
  if (d.intermediate <= 0) bad(r, "intermediate_size", "must be positive");
  if (d.head_dim() % 2 != 0) bad(r, "num_attention_heads", "head dim must be even for RoPE");
}

DecoderPartConfig read_part(ConfigReader& r, const DecoderPartConfig& defaults) {
  DecoderPartConfig d = defaults;
  d.layers = r.get_int("num_hidden_layers");
  d.hidden = r.get_int("hidden_size");
  d.heads = r.get_int("num_attention_heads");
  d.kv_heads = r.get_int("num_key_value_heads", d.heads);
  d.intermediate = r.get_int("intermediate_size");
  d.eps = r.get_double("rms_norm_eps", d.eps);
  const std::string act = r.get_string("hidden_act", "silu");
  if (act != "silu") bad(r, "hidden_act", "'" + act + "' is not supported (InternLM2 MLPs use silu)");
  if (r.get_bool("attention_bias", false) || r.get_bool("bias", false))
    bad(r, "bias", "attention biases are not supported (InternLM2/HoVLE have none)");
  read_rope(r, d);
  d.pattern = read_pattern(r, d.layers);
  check_part(r, d);
  return d;
}

HovleConfig read_hovle(ConfigReader& r) {
  HovleConfig c;
  ConfigReader e = r.child("embedding_config");
  ConfigReader l = r.child("llm_config");
  DecoderPartConfig emb_defaults;  // code defaults of HolisticEmbeddingConfig (docs/models.md 3.2)
  c.embedding = read_part(e, emb_defaults);
  c.image_size = e.get_int("image_size", c.image_size);
  c.patch = e.get_int("patch_size", c.patch);
  c.downsample = e.get_double("downsample_ratio", c.downsample);
  c.img_context_token_id = e.get_int("img_context_token_id", c.img_context_token_id);
  if (e.get_int("num_channels", 3) != 3) bad(e, "num_channels", "only RGB (3) is supported");
  if (!e.get_bool("use_pixel_shuffle_proj", true)) bad(e, "use_pixel_shuffle_proj", "only true is supported");
  if (e.get_string("pixel_shuffle_loc", "pre") != "pre") bad(e, "pixel_shuffle_loc", "only \"pre\" (HoVLE, not HoVLE-HD) is supported");
  if (e.get_bool("use_ls", false)) bad(e, "use_ls", "layer scale in the embedding layers is not supported");
  const int64_t emb_vocab = e.get_int("llm_vocab_size", 92553);
  const int64_t emb_hidden = e.get_int("llm_hidden_size", c.embedding.hidden);
  e.ignore(kHfGenericKeys);
  e.ignore({"special_token_maps", "use_img_start_end_tokens", "qk_normalization", "use_flash_attn", "attn_implementation"});
  e.finish();

  DecoderPartConfig llm_defaults;
  llm_defaults.rope_theta = 10000.0;
  llm_defaults.max_position = 2048;
  c.llm = read_part(l, llm_defaults);
  c.vocab = l.get_int("vocab_size");
  l.ignore(kHfGenericKeys);
  l.finish();

  c.image_size = r.get_int("force_image_size", c.image_size);
  c.downsample = r.get_double("downsample_ratio", c.downsample);
  c.max_tiles = r.get_int("max_dynamic_patch", c.max_tiles);
  c.thumbnail = r.get_bool("use_thumbnail", c.thumbnail);
  r.get_bool("dynamic_image_size", true);
  r.get_int("min_dynamic_patch", 1);
  r.ignore(kHfGenericKeys);
  if (r.has("system_message")) c.system_message = r.get_string("system_message");
  r.ignore({"template", "ps_version", "select_layer", "pad2square", "use_backbone_lora", "use_llm_lora",
            "normalize_encoder_output"});
  r.finish();

  if (emb_vocab != c.vocab) bad(e, "llm_vocab_size", "differs from llm_config.vocab_size (" + std::to_string(c.vocab) + ")");
  if (emb_hidden != c.llm.hidden || c.embedding.hidden != c.llm.hidden)
    bad(e, "hidden_size", "the embedding layers and the LLM must have the same width");
  if (c.patch <= 0 || c.image_size <= 0 || c.image_size > 8192 || c.image_size % c.patch != 0)
    bad(e, "patch_size", "must divide image_size (at most 8192)");
  if (c.vocab <= 0 || c.vocab > (int64_t{1} << 26)) bad(l, "vocab_size", "must be between 1 and 2^26");
  const int64_t g = c.grid();
  if (c.downsample != 0.5 || g % 2 != 0) bad(r, "downsample_ratio", "only 0.5 on an even patch grid is supported");
  return c;
}

VitConfig read_vit(ConfigReader& r) {
  VitConfig v;
  v.image_size = r.get_int("image_size");
  v.patch = r.get_int("patch_size");
  v.hidden = r.get_int("hidden_size");
  v.depth = r.get_int("depth");
  v.heads = r.get_int("num_heads");
  v.mlp = r.get_int("mlp_dim");
  v.registers = r.get_int("reg_tokens", 0);
  v.class_token = r.get_bool("class_token", true);
  v.layerscale = r.get_bool("layerscale", false);
  v.eps = r.get_double("layer_norm_eps", 1e-6);
  v.feature_block = r.get_int("feature_block", v.depth - 2);
  r.ignore({"timm_model", "mean", "std"});
  r.finish();
  for (int64_t x : {v.image_size, v.patch, v.hidden, v.depth, v.heads, v.mlp, v.registers})
    if (x > (int64_t{1} << 16)) bad(r, "hidden_size", "a size is above 2^16");
  // timm's stride-p patch conv keeps floor(image/p) patches per side (384 / 14 -> 27, the last 6 pixels unused).
  if (v.patch <= 0 || v.image_size < v.patch) bad(r, "patch_size", "must be positive and at most image_size");
  if (v.heads <= 0 || v.hidden % v.heads != 0) bad(r, "num_heads", "must divide hidden_size");
  if (v.feature_block < 0 || v.feature_block >= v.depth) bad(r, "feature_block", "must be a block index below depth");
  return v;
}

MLMambaConfig read_mlmamba(ConfigReader& r) {
  MLMambaConfig c;
  ConfigReader vis = r.child("vision");
  ConfigReader d = vis.child("dino");
  ConfigReader s = vis.child("siglip");
  c.dino = read_vit(d);
  c.siglip = read_vit(s);
  vis.finish();
  ConfigReader llm = r.child("llm");
  c.llm = read_mamba_lm_config(llm);
  ConfigReader con = r.child("connector");
  c.connector_layers = con.get_int("num_layers", 2);
  c.scan = con.get_string("scan", "bidirectional");
  c.connector_ln_eps = con.get_double("layer_norm_eps", 1e-5);
  ConfigReader ssm = con.child("ssm_cfg", true);
  c.connector_ssm = read_mamba2_config(ssm, c.llm.d_model);
  c.connector_ssm.validate(con.file());
  con.finish();
  ConfigReader proj = r.child("projector");
  c.projector_hidden = proj.get_int("hidden_size", 4 * c.llm.d_model);
  proj.finish();
  r.ignore({"arch_specifier", "image_resize_strategy", "vision_backbone_id", "llm_backbone_id", "llm_max_length"});
  r.finish();
  if (c.dino.grid() != c.siglip.grid()) bad(r, "vision", "the two encoders must give the same patch grid");
  if (c.connector_layers < 1) bad(con, "num_layers", "must be at least 1");
  return c;
}

json part_json(const DecoderPartConfig& d, bool is_llm) {
  json j = {{"num_hidden_layers", d.layers}, {"hidden_size", d.hidden}, {"num_attention_heads", d.heads},
            {"num_key_value_heads", d.kv_heads}, {"intermediate_size", d.intermediate}, {"hidden_act", "silu"},
            {"rms_norm_eps", d.eps}, {"rope_theta", d.rope_theta}, {"max_position_embeddings", d.max_position}};
  j["rope_scaling"] = d.rope_dynamic ? json{{"type", "dynamic"}, {"factor", d.rope_factor}} : json(nullptr);
  json types = json::array();
  for (char ch : d.pattern) types.push_back(ch == 'M' ? "mamba2" : "mha");
  j["layers_block_type"] = types;
  if (is_llm) j["architectures"] = {"InternLM2ForCausalLM"};
  return j;
}

json vit_json(const VitConfig& v) {
  return {{"image_size", v.image_size}, {"patch_size", v.patch}, {"hidden_size", v.hidden}, {"depth", v.depth},
          {"num_heads", v.heads}, {"mlp_dim", v.mlp}, {"reg_tokens", v.registers}, {"class_token", v.class_token},
          {"layerscale", v.layerscale}, {"layer_norm_eps", v.eps}, {"feature_block", v.feature_block}};
}

json ssm_json(const Mamba2Config& m) {
  return {{"layer", "Mamba2"}, {"d_state", m.d_state}, {"d_conv", m.d_conv}, {"expand", m.expand}, {"headdim", m.headdim},
          {"ngroups", m.ngroups}, {"chunk_size", m.chunk_size}};
}

}  // namespace

std::string ModelConfig::kind() const {
  if (family == ModelFamily::MLMamba) return "ml-mamba";
  const std::string p = hovle.pattern();
  if (p.find('M') == std::string::npos) return "transformer";
  if (p.find('A') == std::string::npos) return "mmmamba-linear";
  std::string hybrid;
  for (size_t i = 0; i < p.size(); ++i) hybrid += i % 4 == 0 ? 'A' : 'M';
  return p == hybrid ? "mmmamba-hybrid" : "hovle-custom";
}

std::string ModelConfig::layer_pattern() const {
  return family == ModelFamily::MLMamba ? std::string(static_cast<size_t>(mlm.llm.n_layer), 'M') : hovle.pattern();
}

int64_t ModelConfig::vocab() const { return family == ModelFamily::MLMamba ? mlm.llm.vocab_size : hovle.vocab; }
int64_t ModelConfig::padded_vocab() const { return family == ModelFamily::MLMamba ? mlm.llm.padded_vocab() : hovle.vocab; }
int64_t ModelConfig::hidden() const { return family == ModelFamily::MLMamba ? mlm.llm.d_model : hovle.hidden(); }
int64_t ModelConfig::image_tokens_per_image() const {
  return family == ModelFamily::MLMamba ? mlm.image_tokens() : hovle.tokens_per_tile();
}

ModelConfig parse_model_config(const std::string& text, const std::string& name) {
  ConfigReader r = ConfigReader::from_string(text, name);
  ModelConfig c;
  c.name = name;
  const std::string type = r.get_string("model_type", "");
  if (type == "ml-mamba") {
    c.family = ModelFamily::MLMamba;
    c.mlm = read_mlmamba(r);
  } else if (type == "internvl_chat" || type == "mmMamba_chat" || r.has("embedding_config")) {
    c.family = ModelFamily::Hovle;
    c.hovle = read_hovle(r);
  } else {
    throw Error("model_type '" + type + "' is not one mambascope runs", name, "model_type",
                "use a config of ML-Mamba (\"ml-mamba\"), HoVLE (\"internvl_chat\") or mmMamba (\"mmMamba_chat\"), "
                "or write one with `mambascope init`");
  }
  return c;
}

ModelConfig load_model_config(const std::string& path) { return parse_model_config(read_text_file(path), path); }

std::string model_config_to_json(const ModelConfig& c) {
  json j;
  if (c.family == ModelFamily::MLMamba) {
    const MLMambaConfig& m = c.mlm;
    j["model_type"] = "ml-mamba";
    j["vision"] = {{"dino", vit_json(m.dino)}, {"siglip", vit_json(m.siglip)}};
    j["connector"] = {{"num_layers", m.connector_layers}, {"scan", m.scan}, {"layer_norm_eps", m.connector_ln_eps},
                      {"ssm_cfg", ssm_json(m.connector_ssm)}};
    j["projector"] = {{"hidden_size", m.projector_hidden}};
    j["llm"] = {{"d_model", m.llm.d_model}, {"d_intermediate", m.llm.d_intermediate}, {"n_layer", m.llm.n_layer},
                {"vocab_size", m.llm.vocab_size}, {"ssm_cfg", ssm_json(m.llm.ssm)}, {"attn_layer_idx", json::array()},
                {"attn_cfg", json::object()}, {"rms_norm", true}, {"residual_in_fp32", m.llm.residual_in_fp32},
                {"fused_add_norm", true}, {"pad_vocab_size_multiple", m.llm.pad_vocab_size_multiple},
                {"tie_embeddings", m.llm.tie_embeddings}};
  } else {
    const HovleConfig& h = c.hovle;
    const bool mamba = h.pattern().find('M') != std::string::npos;
    j["architectures"] = {mamba ? "mmMambaChatModel" : "InternVLChatModel"};
    j["model_type"] = mamba ? "mmMamba_chat" : "internvl_chat";
    j["template"] = "internlm2-chat";
    if (h.system_message) j["system_message"] = *h.system_message;
    j["force_image_size"] = h.image_size;
    j["downsample_ratio"] = h.downsample;
    j["dynamic_image_size"] = true;
    j["use_thumbnail"] = h.thumbnail;
    j["min_dynamic_patch"] = 1;
    j["max_dynamic_patch"] = h.max_tiles;
    json e = part_json(h.embedding, false);
    e["image_size"] = h.image_size;
    e["patch_size"] = h.patch;
    e["num_channels"] = 3;
    e["downsample_ratio"] = h.downsample;
    e["use_pixel_shuffle_proj"] = true;
    e["pixel_shuffle_loc"] = "pre";
    e["llm_vocab_size"] = h.vocab;
    e["llm_hidden_size"] = h.llm.hidden;
    e["img_context_token_id"] = h.img_context_token_id;
    e["attention_bias"] = false;
    j["embedding_config"] = e;
    json l = part_json(h.llm, true);
    l["vocab_size"] = h.vocab;
    l["bias"] = false;
    l["tie_word_embeddings"] = false;
    j["llm_config"] = l;
  }
  return j.dump(2) + "\n";
}

// ---- presets ----

namespace {

ModelConfig hovle_preset(const std::string& name, const std::string& pattern, bool tiny) {
  ModelConfig c;
  c.name = name;
  c.family = ModelFamily::Hovle;
  HovleConfig& h = c.hovle;
  DecoderPartConfig e, l;
  if (!tiny) {  // HoVLE-2.6B (docs/models.md 3.2)
    e = {8, 2048, 16, 8, 8192, 1e-5, 10000.0, false, 1.0, 4096, ""};
    l = {24, 2048, 16, 8, 8192, 1e-5, 1e6, true, 2.0, 32768, ""};
    h.vocab = 92553;
  } else {  // same structure, a few MB: 4 layers of width 128, 2 q heads / 1 kv head of 64 (a head dim the
            // GPU kernels take, so the tiny models run on both backends)
    e = {2, 128, 2, 1, 256, 1e-5, 10000.0, false, 1.0, 4096, ""};
    l = {2, 128, 2, 1, 256, 1e-5, 1e6, true, 2.0, 256, ""};
    h.vocab = 4096;
    h.image_size = 56;  // 4x4 patches -> 2x2 = 4 image tokens per tile
    h.max_tiles = 4;
    h.img_context_token_id = 4095;
  }
  e.pattern = pattern.substr(0, static_cast<size_t>(e.layers));
  l.pattern = pattern.substr(static_cast<size_t>(e.layers));
  h.embedding = e;
  h.llm = l;
  return c;
}

ModelConfig mlmamba_preset(const std::string& name, bool tiny) {
  ModelConfig c;
  c.name = name;
  c.family = ModelFamily::MLMamba;
  MLMambaConfig& m = c.mlm;
  if (!tiny) {  // docs/models.md 2.1-2.4
    m.dino = {384, 14, 1024, 24, 16, 4096, 4, true, true, 1e-6, 22};
    m.siglip = {384, 14, 1152, 27, 16, 4304, 0, false, false, 1e-6, 25};
    m.llm.d_model = 2560;
    m.llm.n_layer = 64;
    m.llm.vocab_size = 50277;
    m.llm.pad_vocab_size_multiple = 16;
    m.projector_hidden = 10240;
  } else {
    m.dino = {56, 14, 32, 3, 2, 64, 4, true, true, 1e-6, 1};       // head dim 16
    m.siglip = {56, 14, 48, 3, 2, 96, 0, false, false, 1e-6, 1};   // head dim 24
    m.llm.d_model = 64;
    m.llm.n_layer = 2;
    m.llm.vocab_size = 4096;
    m.llm.pad_vocab_size_multiple = 16;
    m.llm.ssm.headdim = 64;  // 2 heads of 64, d_state 64: sizes the GPU kernels take
    m.llm.ssm.d_state = 64;
    m.llm.ssm.chunk_size = 8;
    m.projector_hidden = 256;
  }
  m.llm.ssm.d_model = m.llm.d_model;
  m.connector_ssm = m.llm.ssm;
  return c;
}

}  // namespace

std::vector<std::string> preset_names() {
  return {"ml-mamba", "mmmamba-linear", "mmmamba-hybrid", "transformer",
          "tiny-ml-mamba", "tiny-mmmamba-linear", "tiny-mmmamba-hybrid", "tiny-transformer"};
}

bool is_preset(const std::string& name) {
  for (const std::string& p : preset_names())
    if (p == name) return true;
  return false;
}

ModelConfig preset_config(const std::string& name) {
  const bool tiny = name.rfind("tiny-", 0) == 0;
  const std::string base = tiny ? name.substr(5) : name;
  const int64_t layers = tiny ? 4 : 32;
  std::string hybrid;
  for (int64_t i = 0; i < layers; ++i) hybrid += i % 4 == 0 ? 'A' : 'M';
  if (base == "ml-mamba") return mlmamba_preset(name, tiny);
  if (base == "transformer") return hovle_preset(name, std::string(static_cast<size_t>(layers), 'A'), tiny);
  if (base == "mmmamba-linear") return hovle_preset(name, std::string(static_cast<size_t>(layers), 'M'), tiny);
  if (base == "mmmamba-hybrid") return hovle_preset(name, hybrid, tiny);
  std::string all;
  for (const std::string& p : preset_names()) all += (all.empty() ? "" : ", ") + p;
  throw Error("unknown model '" + name + "'", "--model", name, "use one of: " + all + " (or a checkpoint directory)");
}

}  // namespace mambascope
