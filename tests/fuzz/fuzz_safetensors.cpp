// libFuzzer target: the safetensors parser must accept or refuse any bytes with an Error, never crash, and
// every tensor it accepts must lie inside the buffer (reading each byte proves it under ASan).
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/core/error.h"
#include "engine/model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mambascope;
  try {
    auto f = SafetensorsFile::open(MappedFile::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz"));
    volatile uint8_t sink = 0;
    for (const SafetensorInfo& t : f->tensors()) {
      const uint8_t* p = f->bytes(t);
      for (size_t i = t.begin; i < t.end; ++i) sink = sink ^ p[i - t.begin];
      try {
        (void)f->tensor(t.name).numel();
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
