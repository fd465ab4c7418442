// libFuzzer target: any tokenizer.json text loads or is refused with an Error, never crashes; a tokenizer
// that loads encodes a fixed text and streams its ids back to the same text decode() gives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/core/error.h"
#include "engine/text/bpe_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mambascope;
  std::unique_ptr<BpeTokenizer> t;
  try {
    t = BpeTokenizer::parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const Error&) {
    return 0;
  }
  try {
    const std::vector<int32_t> ids = t->encode("Hello wörld, 123 <|endoftext|>\n\tdone ✓", true);
    StreamDecoder stream(*t, false);
    std::string streamed;
    for (int32_t id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    if (streamed != t->decode(ids, false)) std::abort();  // the stream decoder's contract (tokenizer.h)
    for (int32_t id = 0; id < std::min<int32_t>(t->vocab_size(), 64); ++id) (void)t->token(id);
  } catch (const Error&) {
  }
  return 0;
}
