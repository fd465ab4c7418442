#pragma once
// Helpers shared by the tests: temporary directories, deterministic random data, error comparisons.
#include <cmath>
#include <initializer_list>
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/core/tensor.h"

namespace mambascope::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "t");
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::vector<float> random_floats(size_t n, uint64_t seed, float lo = -1.f, float hi = 1.f);
Tensor random_tensor(const Shape& shape, DType dt, uint64_t seed, float lo = -1.f, float hi = 1.f);

// ||a - b|| / ||b|| (b is the reference). NaN anywhere gives +inf, so NaN never passes.
double rel_l2(const std::vector<float>& a, const std::vector<float>& ref);
double max_abs_diff(const std::vector<float>& a, const std::vector<float>& ref);

void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);
// The bytes of `s` as the byte-span APIs (decode_image) take them; a view: `s` must outlive it.
inline std::span<const uint8_t> byte_span(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Runs the CLI binary with `args`; returns its exit code and puts stdout+stderr in `output`.
int run_cli(const std::string& args, std::string& output);

// Under compute-sanitizer (racecheck tracks every shared-memory access: hundreds of times slower) the GPU tests
// run shorter sequences at the same dims: the same kernel instantiations, still several chunks / tiles and
// ragged tails. scripts/gpu-check sets MAMBASCOPE_SANITIZER_SHAPES=1 for its sanitizer runs.
bool sanitizer_shapes();
// `full` in a normal run, `small` under sanitizer_shapes().
int64_t len_or(int64_t full, int64_t small);

// True when a CUDA device is usable. GPU tests REQUIRE it so that they fail loudly where one is expected.
bool have_cuda_device();

}  // namespace mambascope::test

// Asserts that `expr` throws mambascope::Error whose message contains every one of the given substrings.
#define REQUIRE_ERROR_MENTIONS(expr, ...)                                              \
  do {                                                                                  \
    bool threw_ = false;                                                                \
    try {                                                                               \
      (void)(expr);                                                                     \
    } catch (const ::mambascope::Error& e_) {                                           \
      threw_ = true;                                                                    \
      const std::string msg_ = e_.what();                                               \
      for (const std::string& s_ : std::initializer_list<std::string>{__VA_ARGS__}) {                                          \
        INFO("error message: " << msg_);                                                \
        CHECK(msg_.find(s_) != std::string::npos);                                      \
      }                                                                                 \
    }                                                                                   \
    INFO("expected mambascope::Error from " #expr);                                     \
    REQUIRE(threw_);                                                                    \
  } while (0)
