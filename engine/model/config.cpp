#include "engine/model/config.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/file.h"
#include "engine/core/log.h"

namespace mambascope {
using nlohmann::json;

ConfigReader::ConfigReader(const json& j, std::string file, std::string prefix)
    : j_(std::make_unique<json>(j)), file_(std::move(file)), prefix_(std::move(prefix)) {
  if (!j_->is_object())
    throw Error("expected a JSON object", file_, prefix_.empty() ? "(top level)" : prefix_, "check the config file");
}
ConfigReader::~ConfigReader() = default;
ConfigReader::ConfigReader(ConfigReader&&) noexcept = default;

ConfigReader ConfigReader::from_file(const std::string& path) { return from_string(read_text_file(path), path); }

ConfigReader ConfigReader::from_string(const std::string& text, const std::string& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), path, {}, "fix the JSON syntax (a trailing comma?)");
  }
  return ConfigReader(j, path);
}

bool ConfigReader::has(const std::string& key) const { return j_->contains(key) && !(*j_)[key].is_null(); }

const json& ConfigReader::at(const std::string& key, const char* type) {
  if (!has(key))
    throw Error("missing required key", file_, path_of(key), std::string("add \"") + key + "\" (" + type + ") to the config");
  used_.insert(key);
  return (*j_)[key];
}

namespace {
[[noreturn]] void type_error(const std::string& file, const std::string& key, const char* want, const json& v) {
  throw Error(std::string("must be ") + want + ", got " + v.type_name() + " " + v.dump(), file, key,
              std::string("write it as ") + want);
}
}  // namespace

int64_t ConfigReader::get_int(const std::string& key) {
  const json& v = at(key, "integer");
  // Sizes beyond 2^40 are not a real model's: refuse them here, before any size arithmetic can overflow.
  constexpr double kLimit = 1099511627776.0;
  if (!v.is_number_integer()) {
    // Accept 2.0 for 2: some exporters write integral floats (range-checked before the conversion).
    const double d = v.is_number_float() ? v.get<double>() : 0.5;
    if (v.is_number_float() && std::fabs(d) <= kLimit && d == std::floor(d)) return static_cast<int64_t>(d);
    if (v.is_number_float() && std::fabs(d) > kLimit)
      throw Error("value " + v.dump() + " is out of range", file_, path_of(key), "use a size below 2^40");
    type_error(file_, path_of(key), "an integer", v);
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(kLimit))
    throw Error("value " + v.dump() + " is out of range", file_, path_of(key), "use a size below 2^40");
  const int64_t i = v.get<int64_t>();
  if (static_cast<double>(i) < -kLimit) throw Error("value " + v.dump() + " is out of range", file_, path_of(key), "use a size below 2^40");
  return i;
}
int64_t ConfigReader::get_int(const std::string& key, int64_t def) { return has(key) ? get_int(key) : (used_.insert(key), def); }

double ConfigReader::get_double(const std::string& key) {
  const json& v = at(key, "number");
  if (!v.is_number()) type_error(file_, path_of(key), "a number", v);
  return v.get<double>();
}
double ConfigReader::get_double(const std::string& key, double def) { return has(key) ? get_double(key) : (used_.insert(key), def); }

bool ConfigReader::get_bool(const std::string& key) {
  const json& v = at(key, "true/false");
  if (!v.is_boolean()) type_error(file_, path_of(key), "true or false", v);
  return v.get<bool>();
}
bool ConfigReader::get_bool(const std::string& key, bool def) { return has(key) ? get_bool(key) : (used_.insert(key), def); }

std::string ConfigReader::get_string(const std::string& key) {
  const json& v = at(key, "string");
  if (!v.is_string()) type_error(file_, path_of(key), "a string", v);
  return v.get<std::string>();
}
std::string ConfigReader::get_string(const std::string& key, const std::string& def) {
  return has(key) ? get_string(key) : (used_.insert(key), def);
}

std::vector<int64_t> ConfigReader::get_int_list(const std::string& key, std::vector<int64_t> def) {
  if (!has(key)) {
    used_.insert(key);
    return def;
  }
  const json& v = at(key, "list of integers");
  if (!v.is_array()) type_error(file_, path_of(key), "a list of integers", v);
  std::vector<int64_t> out;
  for (const json& e : v) {
    if (!e.is_number_integer()) type_error(file_, path_of(key), "a list of integers", v);
    out.push_back(e.get<int64_t>());
  }
  return out;
}

std::vector<std::string> ConfigReader::get_string_list(const std::string& key, std::vector<std::string> def) {
  if (!has(key)) {
    used_.insert(key);
    return def;
  }
  const json& v = at(key, "list of strings");
  if (!v.is_array()) type_error(file_, path_of(key), "a list of strings", v);
  std::vector<std::string> out;
  for (const json& e : v) {
    if (!e.is_string()) type_error(file_, path_of(key), "a list of strings", v);
    out.push_back(e.get<std::string>());
  }
  return out;
}

ConfigReader ConfigReader::child(const std::string& key, bool optional) {
  if (optional && !has(key)) {
    used_.insert(key);
    return ConfigReader(json::object(), file_, path_of(key));
  }
  const json& v = at(key, "object");
  if (!v.is_object()) type_error(file_, path_of(key), "an object", v);
  return ConfigReader(v, file_, path_of(key));
}

void ConfigReader::ignore(const std::set<std::string>& keys) {
  for (const std::string& k : keys) {
    if (!j_->contains(k)) continue;
    used_.insert(k);
    log_once(LogLevel::Info, file_ + "#" + path_of(k), file_ + ": ignoring " + path_of(k) + " (not used for inference)");
  }
}

void ConfigReader::finish() {
  std::string unknown;
  for (auto it = j_->begin(); it != j_->end(); ++it)
    if (!used_.count(it.key())) unknown += (unknown.empty() ? "" : ", ") + path_of(it.key());
  if (!unknown.empty())
    throw Error("unknown key(s): " + unknown, file_, unknown,
                "remove them, or check the spelling and that this config belongs to this model");
}

// ---- Mamba-2 ----

void Mamba2Config::validate(const std::string& file) const {
  auto bad = [&](const std::string& field, const std::string& what) { throw Error(what, file, field, "fix the config"); };
  constexpr int64_t kMaxDim = int64_t{1} << 20;  // wider than any published model by far; keeps products in range
  for (auto [name, v] : {std::pair<const char*, int64_t>{"d_model", d_model}, {"ssm_cfg.d_state", d_state},
                         {"ssm_cfg.expand", expand}, {"ssm_cfg.headdim", headdim}, {"ssm_cfg.ngroups", ngroups},
                         {"ssm_cfg.chunk_size", chunk_size}})
    if (v > kMaxDim) bad(name, "is " + std::to_string(v) + ", above the supported " + std::to_string(kMaxDim));
  if (d_model <= 0) bad("d_model", "must be positive");
  if (d_state <= 0) bad("ssm_cfg.d_state", "must be positive");
  if (d_conv < 1 || d_conv > 8) bad("ssm_cfg.d_conv", "must be between 1 and 8, got " + std::to_string(d_conv));
  if (expand <= 0) bad("ssm_cfg.expand", "must be positive");
  if (headdim <= 0 || d_inner() % headdim != 0)
    bad("ssm_cfg.headdim", "must divide d_inner = expand x d_model = " + std::to_string(d_inner()) + ", got " + std::to_string(headdim));
  if (ngroups <= 0 || nheads() % ngroups != 0)
    bad("ssm_cfg.ngroups", "must divide nheads = " + std::to_string(nheads()) + ", got " + std::to_string(ngroups));
  if (chunk_size <= 0) bad("ssm_cfg.chunk_size", "must be positive");
}

Mamba2Config read_mamba2_config(ConfigReader& r, int64_t d_model) {
  Mamba2Config c;
  c.d_model = d_model;
  const std::string layer = r.get_string("layer", "Mamba2");
  if (layer != "Mamba2")
    throw Error("layer '" + layer + "' is not supported", r.file(), r.path_of("layer"), "mambascope runs Mamba-2 layers: set \"layer\": \"Mamba2\"");
  c.d_state = r.get_int("d_state", c.d_state);
  c.d_conv = r.get_int("d_conv", c.d_conv);
  c.expand = r.get_int("expand", c.expand);
  c.headdim = r.get_int("headdim", c.headdim);
  c.ngroups = r.get_int("ngroups", c.ngroups);
  c.chunk_size = r.get_int("chunk_size", c.chunk_size);
  c.conv_bias = r.get_bool("conv_bias", c.conv_bias);
  c.bias = r.get_bool("bias", c.bias);
  // Variants of the reference module that inference here does not implement: refuse rather than mis-run.
  auto require_default = [&](const std::string& key, bool want) {
    if (r.has(key) && r.get_bool(key) != want)
      throw Error(std::string("only ") + (want ? "true" : "false") + " is supported", r.file(), r.path_of(key),
                  "use a checkpoint with the standard Mamba-2 mixer (rmsnorm=true, norm_before_gate=false, D_has_hdim=false)");
    r.get_bool(key, want);
  };
  require_default("rmsnorm", true);
  require_default("norm_before_gate", false);
  require_default("D_has_hdim", false);
  if (r.has("d_ssm")) {
    const int64_t d_ssm = r.get_int("d_ssm");
    if (d_ssm != c.d_inner())
      throw Error("d_ssm != d_inner is not supported", r.file(), r.path_of("d_ssm"), "remove d_ssm or set it to expand x d_model");
  }
  // Initialisation and training-path settings: they do not change the forward pass.
  r.ignore({"dt_min", "dt_max", "dt_init_floor", "dt_limit", "A_init_range", "conv_init", "use_mem_eff_path",
            "layer_idx", "process_group", "sequence_parallel", "d_ssm"});
  r.finish();
  return c;
}

MambaLMConfig read_mamba_lm_config(ConfigReader& r) {
  MambaLMConfig c;
  c.d_model = r.get_int("d_model");
  c.n_layer = r.get_int("n_layer");
  c.vocab_size = r.get_int("vocab_size");
  c.d_intermediate = r.get_int("d_intermediate", 0);
  c.pad_vocab_size_multiple = r.get_int("pad_vocab_size_multiple", 8);
  c.rms_norm = r.get_bool("rms_norm", true);
  c.residual_in_fp32 = r.get_bool("residual_in_fp32", true);
  c.tie_embeddings = r.get_bool("tie_embeddings", true);
  c.norm_eps = r.get_double("norm_epsilon", 1e-5);
  c.attn_layer_idx = r.get_int_list("attn_layer_idx", {});
  ConfigReader attn = r.child("attn_cfg", true);
  ConfigReader ssm = r.child("ssm_cfg", true);
  c.ssm = read_mamba2_config(ssm, c.d_model);
  r.ignore({"fused_add_norm", "model_type", "architectures", "torch_dtype", "transformers_version"});
  r.finish();
  if (c.n_layer <= 0 || c.n_layer > 100000) throw Error("must be between 1 and 100000", r.file(), "n_layer", "fix the config");
  if (c.vocab_size > (int64_t{1} << 26)) throw Error("is above 2^26", r.file(), "vocab_size", "fix the config");
  if (c.vocab_size <= 0) throw Error("must be positive", r.file(), "vocab_size", "fix the config");
  if (c.pad_vocab_size_multiple <= 0) throw Error("must be positive", r.file(), "pad_vocab_size_multiple", "fix the config");
  if (!c.rms_norm) throw Error("LayerNorm blocks are not supported", r.file(), "rms_norm", "use a checkpoint with rms_norm=true");
  if (!c.attn_layer_idx.empty())
    throw Error("attention layers inside a MambaLMHeadModel are not supported", r.file(), "attn_layer_idx",
                "use the hybrid decoder (mmmamba-hybrid) presets for mixed Mamba/attention stacks");
  (void)attn;  // only meaningful with attn_layer_idx, which is refused above
  c.ssm.validate(r.file());
  return c;
}

MambaLMConfig load_mamba_lm_config(const std::string& path) {
  ConfigReader r = ConfigReader::from_file(path);
  return read_mamba_lm_config(r);
}

}  // namespace mambascope
