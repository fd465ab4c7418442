#pragma once
// Paths of the repository's assets and the JSON goldens of the text tests (assets/golden/tokenizer/).
#include <nlohmann/json.hpp>

#include <string>

#include "engine/core/file.h"

namespace mambascope::test {

inline std::string asset(const std::string& relative) { return std::string(MAMBASCOPE_SOURCE_DIR) + "/" + relative; }

inline nlohmann::json load_json_asset(const std::string& relative) {
  return nlohmann::json::parse(read_text_file(asset(relative)));
}

inline const char* kTinyNeox = "assets/tokenizers/tiny-neox/tokenizer.json";
inline const char* kTinyInternLM2 = "assets/tokenizers/tiny-internlm2/tokenizer.model";

}  // namespace mambascope::test
