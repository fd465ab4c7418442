#include "engine/eval/eval.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/image/image.h"
#include "engine/image/preprocess.h"
#include "engine/session/model_source.h"
#include "engine/session/session.h"
#include "engine/text/chat_template.h"

namespace mambascope {
namespace fs = std::filesystem;

namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error("cannot open", path, {}, "check the path");
  std::vector<nlohmann::json> rows;
  std::string line;
  for (int64_t n = 1; std::getline(f, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("line is not JSON: ") + e.what(), path, "line " + std::to_string(n));
    }
  }
  return rows;
}

std::string strip(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\n\r"), e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Pixels in the layout Model::embed_image takes, and how many embeddings they give.
std::pair<Tensor, int64_t> image_pixels(const ModelConfig& c, const Image& im) {
  if (c.family == ModelFamily::MLMamba) {
    return {stack_mlmamba_pixels(preprocess_mlmamba(im, static_cast<int>(c.mlm.dino.image_size))), c.mlm.image_tokens()};
  }
  const HoVLEPixels p = preprocess_hovle(im, static_cast<int>(c.hovle.max_tiles), static_cast<int>(c.hovle.image_size));
  return {p.pixels, p.pixels.dim(0) * c.hovle.tokens_per_tile()};
}

}  // namespace

std::vector<EvalItem> load_eval_items(const std::string& dir) {
  const std::string path = (fs::path(dir) / "items.jsonl").string();
  std::vector<EvalItem> items;
  for (const nlohmann::json& r : read_jsonl(path)) {
    if (!r.contains("image") || !r.contains("question") || !r.contains("answer"))
      throw Error("an item lacks image, question or answer", path, std::to_string(items.size()),
                  "write {\"image\", \"question\", \"answer\"} per line (baselines/torch/train/data.py)");
    items.push_back({r["image"].get<std::string>(), r["question"].get<std::string>(), r["answer"].get<std::string>()});
  }
  if (items.empty()) throw Error("no items", path, {}, "make the set with baselines/torch/train/data.py");
  return items;
}

std::optional<std::vector<TorchAnswer>> load_torch_answers(const std::string& dir, const std::string& model_name) {
  const fs::path path = fs::path(dir) / "torch" / (model_name + ".jsonl");
  if (!fs::exists(path)) return std::nullopt;
  std::vector<TorchAnswer> out;
  for (const nlohmann::json& r : read_jsonl(path.string()))
    out.push_back({r.at("answer").get<std::string>(), r.at("ids").get<std::vector<int32_t>>(), r.at("prompt_checksum").get<int64_t>()});
  return out;
}

int64_t prompt_checksum(const std::vector<int32_t>& ids) {
  constexpr int64_t kMod = 2147483647;
  int64_t s = 0;
  for (size_t i = 0; i < ids.size(); ++i) s = (s + static_cast<int64_t>(ids[i]) * static_cast<int64_t>(i + 1)) % kMod;
  return s;
}

EvalResult run_eval(std::shared_ptr<const Model> model, const Tokenizer& tok, const std::string& dir,
                    const std::vector<EvalItem>& all, const std::optional<std::vector<TorchAnswer>>& torch_answers,
                    const EvalOptions& o) {
  const ModelConfig& c = model->config();
  const ChatFormat format = chat_format_of(c);
  const size_t n = o.limit > 0 ? std::min(all.size(), static_cast<size_t>(o.limit)) : all.size();
  if (torch_answers && torch_answers->size() < n)
    throw Error("has " + std::to_string(torch_answers->size()) + " answers for " + std::to_string(n) + " items", dir + "/torch",
                c.name, "regenerate it with baselines/torch/train/torch_answers.py");
  // One session for all items, reset between them; 4096 tokens hold any prompt + answer here (Session refuses
  // a longer one with a named error).
  SessionOptions so;
  so.max_length = 4096;
  so.prefill_chunk = 4096;
  Session session(model, so);
  ops::SamplingConfig greedy;  // temperature 0
  EvalResult res;
  int64_t torch_correct = 0;
  for (size_t i = 0; i < n; ++i) {
    const EvalItem& it = all[i];
    auto t0 = std::chrono::steady_clock::now();
    const Image im = load_image((fs::path(dir) / it.image).string());
    auto [pixels, n_img] = image_pixels(c, im);
    const Tensor emb = model->embed_image(pixels, nullptr);
    res.image_s += seconds_since(t0);
    ChatOptions co;
    co.image_embeddings = n_img;
    co.system_message = c.hovle.system_message;
    const ChatPrompt p = build_chat_prompt(tok, format, {{it.question, std::nullopt}}, co);
    session.reset();
    t0 = std::chrono::steady_clock::now();
    session.prefill(p.ids, emb, p.images.at(0).begin);  // ML-Mamba's image positions hold -1: not read
    int32_t next = session.sample_last(greedy);
    res.prefill_s += seconds_since(t0);
    res.prefill_tokens += static_cast<int64_t>(p.ids.size());
    EvalItemResult r;
    t0 = std::chrono::steady_clock::now();
    for (int64_t k = 0; k < o.max_new_tokens; ++k) {
      if (std::find(p.stop_ids.begin(), p.stop_ids.end(), next) != p.stop_ids.end()) break;
      r.ids.push_back(next);
      if (k + 1 == o.max_new_tokens) break;
      next = session.decode(next, greedy);
      ++res.decode_tokens;
    }
    res.decode_s += seconds_since(t0);
    r.answer = strip(tok.decode(r.ids, /*skip_special=*/true));
    r.correct = r.answer == it.answer;
    res.correct += r.correct;
    if (torch_answers) {
      const TorchAnswer& ta = (*torch_answers)[i];
      r.torch_agrees = r.ids == ta.ids;
      r.prompt_matches = prompt_checksum(p.ids) == ta.prompt_checksum;
      res.compared += 1;
      res.agree += r.torch_agrees;
      res.prompt_mismatches += !r.prompt_matches;
      torch_correct += ta.answer == it.answer;
    }
    res.items.push_back(std::move(r));
  }
  if (torch_answers) res.torch_accuracy = static_cast<double>(torch_correct) / static_cast<double>(n);
  return res;
}

}  // namespace mambascope
