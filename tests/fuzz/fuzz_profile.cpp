// libFuzzer target: any text given to the profile reader loads or is refused with an Error naming the
// field, never crashes; a profile that loads is written and read back to the same JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/core/error.h"
#include "engine/profile/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mambascope;
  Profile p;
  try {
    p = parse_profile(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const Error&) {
    return 0;
  }
  const std::string once = profile_to_json(p);
  try {
    if (profile_to_json(parse_profile(once, "again.json")) != once) std::abort();
  } catch (const Error&) {
    std::abort();  // what we write we must read
  }
  return 0;
}
