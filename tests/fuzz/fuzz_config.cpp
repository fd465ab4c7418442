// libFuzzer target: config JSON of any shape must load or be refused with an Error, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/core/error.h"
#include "engine/model/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mambascope;
  try {
    ConfigReader r = ConfigReader::from_string(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    (void)read_mamba_lm_config(r);
  } catch (const Error&) {
  }
  return 0;
}
