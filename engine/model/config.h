#pragma once
// Config files: JSON with the same keys as the published checkpoints' config.json, read into typed structs.
// A missing required key, a key of the wrong type and an unknown key are errors naming the key and the
// file; keys that real checkpoints carry but inference does not use are accepted and logged once.
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mambascope {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, std::string file, std::string prefix = {});
  static ConfigReader from_file(const std::string& path);
  static ConfigReader from_string(const std::string& text, const std::string& name);  // `name` as the file in errors
  ~ConfigReader();
  ConfigReader(ConfigReader&&) noexcept;

  bool has(const std::string& key) const;
  int64_t get_int(const std::string& key);
  int64_t get_int(const std::string& key, int64_t def);
  double get_double(const std::string& key);
  double get_double(const std::string& key, double def);
  bool get_bool(const std::string& key);
  bool get_bool(const std::string& key, bool def);
  std::string get_string(const std::string& key);
  std::string get_string(const std::string& key, const std::string& def);
  std::vector<int64_t> get_int_list(const std::string& key, std::vector<int64_t> def);
  std::vector<std::string> get_string_list(const std::string& key, std::vector<std::string> def);
  // A nested object (required unless `optional`, in which case an absent key gives an empty object).
  ConfigReader child(const std::string& key, bool optional = false);
  // Marks keys as known-but-unused (accepted and logged once). A key that is null counts as absent.
  void ignore(const std::set<std::string>& keys);
  // Throws Error for every key that was neither read nor ignored (naming all of them).
  void finish();

  const std::string& file() const { return file_; }
  std::string path_of(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

 private:
  const nlohmann::json& at(const std::string& key, const char* type);
  std::unique_ptr<nlohmann::json> j_;
  std::string file_, prefix_;
  std::set<std::string> used_;
};

// The Mamba-2 mixer's settings (state-spaces/mamba `Mamba2`), as `ssm_cfg` of a MambaLMHeadModel config.
struct Mamba2Config {
  int64_t d_model = 0;
  int64_t d_state = 128;
  int64_t d_conv = 4;
  int64_t expand = 2;
  int64_t headdim = 64;
  int64_t ngroups = 1;
  int64_t chunk_size = 256;
  bool conv_bias = true;
  bool bias = false;  // in_proj / out_proj bias
  double norm_eps = 1e-5;

  int64_t d_inner() const { return expand * d_model; }
  int64_t nheads() const { return d_inner() / headdim; }
  int64_t conv_dim() const { return d_inner() + 2 * ngroups * d_state; }
  int64_t in_proj_dim() const { return 2 * d_inner() + 2 * ngroups * d_state + nheads(); }
  // Throws Error naming `file` when the sizes are inconsistent (headdim must divide d_inner, ...).
  void validate(const std::string& file) const;
};

// Reads an `ssm_cfg` object (d_model comes from the enclosing config). Unknown keys are refused here; the
// caller validates the sizes once every key of the enclosing config has been checked.
Mamba2Config read_mamba2_config(ConfigReader& ssm_cfg, int64_t d_model);

// A Mamba-2 language model (state-spaces/mamba `MambaConfig`, config.json of e.g. mamba2-2.7b).
struct MambaLMConfig {
  int64_t d_model = 0;
  int64_t d_intermediate = 0;  // 0: no MLP after each mixer
  int64_t n_layer = 0;
  int64_t vocab_size = 0;
  int64_t pad_vocab_size_multiple = 8;
  bool rms_norm = true;
  bool residual_in_fp32 = true;
  bool tie_embeddings = true;
  double norm_eps = 1e-5;
  std::vector<int64_t> attn_layer_idx;
  Mamba2Config ssm;
  int64_t padded_vocab() const {
    return (vocab_size + pad_vocab_size_multiple - 1) / pad_vocab_size_multiple * pad_vocab_size_multiple;
  }
};

MambaLMConfig read_mamba_lm_config(ConfigReader& r);
MambaLMConfig load_mamba_lm_config(const std::string& path);

}  // namespace mambascope
