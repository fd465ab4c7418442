#pragma once
// Image question answering over an eval set, run by our engine: for each item the family's chat prompt with
// the image, greedy decoding with a Session, the answer compared with the reference answer and with the
// answer the PyTorch model gave for the same weights (its token ids). This is the end-to-end check that the
// engine reproduces PyTorch: tokenizer, image preprocessing, embeddings, every layer, caches and decoding.
//
// An eval set is a directory: items.jsonl ({"image", "question", "answer"} per line, image relative to the
// directory) and PNG/JPEG images. PyTorch answers live in torch/<model>.jsonl beside it, one line per item in
// the same order: {"answer": text, "ids": [answer token ids], "prompt_checksum": n}.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/text/tokenizer.h"

namespace mambascope {

struct EvalItem {
  std::string image, question, answer;
};

struct TorchAnswer {
  std::string answer;
  std::vector<int32_t> ids;
  int64_t prompt_checksum = 0;
};

std::vector<EvalItem> load_eval_items(const std::string& dir);
// torch/<model_name>.jsonl of the set, or nullopt when the set has none for that model.
std::optional<std::vector<TorchAnswer>> load_torch_answers(const std::string& dir, const std::string& model_name);

// sum over i of ids[i] * (i + 1), mod 2^31 - 1: the prompt a model saw, in one number both sides compute.
int64_t prompt_checksum(const std::vector<int32_t>& ids);

struct EvalOptions {
  int64_t limit = 0;        // first N items (0: all)
  int64_t max_new_tokens = 16;
};

struct EvalItemResult {
  std::string answer;         // decoded, stripped
  std::vector<int32_t> ids;   // generated ids (stop token excluded)
  bool correct = false;       // answer == the reference answer
  int torch_agrees = -1;      // ids == PyTorch's ids: 1 / 0, -1 when there is no PyTorch answer
  bool prompt_matches = true; // prompt checksum == PyTorch's (when known)
};

struct EvalResult {
  std::vector<EvalItemResult> items;
  int64_t correct = 0, compared = 0, agree = 0, prompt_mismatches = 0;
  double torch_accuracy = -1;  // accuracy of the PyTorch answers on the same items (-1: none)
  int64_t prefill_tokens = 0, decode_tokens = 0;
  double prefill_s = 0, decode_s = 0, image_s = 0;
  double accuracy() const { return items.empty() ? 0 : static_cast<double>(correct) / static_cast<double>(items.size()); }
  double agreement() const { return compared ? static_cast<double>(agree) / static_cast<double>(compared) : 0; }
};

// Answers `items` (of the set in `dir`) with greedy decoding on `model` (HoVLE family or ML-Mamba).
EvalResult run_eval(std::shared_ptr<const Model> model, const Tokenizer& tokenizer, const std::string& dir,
                    const std::vector<EvalItem>& items, const std::optional<std::vector<TorchAnswer>>& torch_answers,
                    const EvalOptions& options);

}  // namespace mambascope
