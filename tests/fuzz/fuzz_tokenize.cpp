// libFuzzer target: the shipped tokenizers (tiny GPT-NeoX BPE and, when built with SentencePiece, tiny
// InternLM2) take any bytes as text: valid UTF-8 is encoded, anything else refused with an Error. The same
// bytes read as token ids are decoded, and streaming them one by one gives what decode() gives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/error.h"
#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"

namespace {

using namespace mambascope;

std::vector<std::unique_ptr<Tokenizer>> load_all() {
  // The source tree it was built from, unless MAMBASCOPE_SOURCE_DIR names another checkout (the binary run on
  // a GPU host's CPUs by scripts/fuzz-carried)
  const char* env = std::getenv("MAMBASCOPE_SOURCE_DIR");
  const std::string root = env && *env ? env : MAMBASCOPE_SOURCE_DIR;
  std::vector<std::unique_ptr<Tokenizer>> v;
  v.push_back(load_tokenizer(root + "/assets/tokenizers/tiny-neox/tokenizer.json"));
#if MAMBASCOPE_HAVE_SENTENCEPIECE
  v.push_back(load_tokenizer(root + "/assets/tokenizers/tiny-internlm2/tokenizer.model"));
#endif
  return v;
}

void check_stream(const Tokenizer& t, const std::vector<int32_t>& ids, bool skip_special) {
  StreamDecoder stream(t, skip_special);
  std::string streamed;
  for (int32_t id : ids) streamed += stream.push(id);
  streamed += stream.flush();
  if (streamed != t.decode(ids, skip_special)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tokenizers = load_all();
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& t : tokenizers) {
    try {
      const std::vector<int32_t> ids = t->encode(text, true);
      for (int32_t id : ids)
        if (id < 0 || id >= t->vocab_size()) std::abort();
      check_stream(*t, ids, false);
      // Decoded text is always valid UTF-8 (bad byte sequences become U+FFFD).
      if (utf8::first_invalid(t->decode(ids)) != std::string::npos) std::abort();
    } catch (const Error&) {
    }
    // The bytes as little-endian 16-bit ids, some past the vocabulary (dropped by decode) or negative.
    std::vector<int32_t> ids;
    for (size_t i = 0; i + 1 < size; i += 2) ids.push_back(static_cast<int16_t>(data[i] | (data[i + 1] << 8)) % (t->vocab_size() + 8));
    try {
      check_stream(*t, ids, true);
      check_stream(*t, ids, false);
    } catch (const Error&) {
    }
  }
  return 0;
}
