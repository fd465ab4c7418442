#include "engine/text/bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <queue>

#include "engine/core/error.h"
#include "engine/core/file.h"
#include "engine/text/utf8.h"

namespace mambascope {
namespace {

using json = nlohmann::json;

uint64_t pair_key(int32_t a, int32_t b) { return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b); }

// GPT-2's reversible byte -> printable code point map: printable Latin-1 bytes stand for themselves, the
// other 68 bytes (controls, space, ...) get U+0100 onwards in byte order.
std::array<char32_t, 256> bytes_to_unicode() {
  std::array<char32_t, 256> map{};
  std::array<bool, 256> direct{};
  for (int b = '!'; b <= '~'; ++b) direct[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) map[b] = direct[b] ? static_cast<char32_t>(b) : next++;
  return map;
}

// A JSON member that must be there, with an Error naming the file and the dotted field otherwise.
const json& member(const json& obj, const char* key, const std::string& field, const std::string& path) {
  if (!obj.is_object() || !obj.contains(key))
    throw Error(std::string("missing \"") + key + "\"", path, field,
                "is this a tokenizer.json written by HF tokenizers? re-save it with tokenizer.save()");
  return obj[key];
}

// A token id: an integer in [0, 2^31) (a float or a huge number is refused, not converted: found by
// fuzz_tokenizer_json, where 2.4e48 reached an undefined float-to-integer conversion).
int32_t token_id_value(const json& v, const std::string& field, const std::string& path) {
  if (!v.is_number_integer()) throw Error("token id must be an integer, not " + v.dump(), path, field);
  if (v.is_number_unsigned() ? v.get<uint64_t>() > INT32_MAX : (v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX))
    throw Error("token id " + v.dump() + " out of range", path, field);
  return static_cast<int32_t>(v.get<int64_t>());
}

std::string opt_string(const json& obj, const char* key) {
  if (!obj.contains(key) || obj[key].is_null()) return {};
  return obj[key].get<std::string>();
}

bool opt_bool(const json& obj, const char* key, bool dflt) {
  if (!obj.contains(key) || obj[key].is_null()) return dflt;
  return obj[key].get<bool>();
}

[[noreturn]] void unsupported(const std::string& what, const std::string& path, const std::string& field,
                              const std::string& supported) {
  throw Error("unsupported " + what, path, field,
              "mambascope reads byte-level BPE tokenizer.json files (" + supported + ")");
}

void parse_normalizer(const json& n, const std::string& path, const std::string& field, std::vector<UnicodeForm>& out) {
  if (n.is_null()) return;
  const std::string type = member(n, "type", field, path).get<std::string>();
  if (type == "NFC") out.push_back(UnicodeForm::NFC);
  else if (type == "NFD") out.push_back(UnicodeForm::NFD);
  else if (type == "NFKC") out.push_back(UnicodeForm::NFKC);
  else if (type == "NFKD") out.push_back(UnicodeForm::NFKD);
  else if (type == "Sequence") {
    const json& list = member(n, "normalizers", field, path);
    for (size_t i = 0; i < list.size(); ++i)
      parse_normalizer(list[i], path, field + ".normalizers[" + std::to_string(i) + "]", out);
  } else {
    unsupported("normalizer type \"" + type + "\"", path, field + ".type", "normalizers NFC, NFD, NFKC, NFKD, Sequence");
  }
}

}  // namespace

std::unique_ptr<BpeTokenizer> BpeTokenizer::load(const std::string& path) { return parse(read_text_file(path), path); }

std::unique_ptr<BpeTokenizer> BpeTokenizer::parse(const std::string& json_text, const std::string& path) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number too big for a double
    throw Error(std::string("not valid JSON: ") + e.what(), path, {},
                "the file is damaged or not a tokenizer.json; download it again");
  }
  if (!j.is_object()) throw Error("not a JSON object", path, {}, "pass a tokenizer.json written by HF tokenizers");

  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer());
  t->path_ = path;
  try {
    const auto map = bytes_to_unicode();
    for (int b = 0; b < 256; ++b) {
      utf8::append(t->byte_char_[b], map[b]);
      t->char_byte_[map[b]] = static_cast<uint8_t>(b);
    }

    // model
    const json& model = member(j, "model", "model", path);
    if (!model.is_object()) throw Error("must be an object", path, "model");
    const std::string type = model.contains("type") ? model["type"].get<std::string>() : "BPE";
    if (type != "BPE") unsupported("model type \"" + type + "\"", path, "model.type", "model BPE");
    if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"].get<double>() > 0)
      throw Error("BPE dropout makes tokenization random", path, "model.dropout",
                  "set \"dropout\" to null for inference");
    if (opt_bool(model, "byte_fallback", false))
      unsupported("byte_fallback BPE (a SentencePiece model converted to tokenizer.json)", path, "model.byte_fallback",
                  "load the model's tokenizer.model instead");
    t->fuse_unk_ = opt_bool(model, "fuse_unk", false);
    t->ignore_merges_ = opt_bool(model, "ignore_merges", false);
    t->continuing_subword_prefix_ = opt_string(model, "continuing_subword_prefix");
    t->end_of_word_suffix_ = opt_string(model, "end_of_word_suffix");

    const json& vocab = member(model, "vocab", "model.vocab", path);
    if (!vocab.is_object() || vocab.empty()) throw Error("must be a non-empty object", path, "model.vocab");
    int32_t max_id = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      const int32_t id = token_id_value(it.value(), "model.vocab." + it.key(), path);
      t->vocab_[it.key()] = id;
      max_id = std::max(max_id, id);
    }

    std::vector<AddedToken> added;
    if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
      const json& list = j["added_tokens"];
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string f = "added_tokens[" + std::to_string(i) + "]";
        AddedToken a;
        a.id = token_id_value(member(list[i], "id", f + ".id", path), f + ".id", path);
        a.content = member(list[i], "content", f + ".content", path).get<std::string>();
        a.special = opt_bool(list[i], "special", false);
        a.lstrip = opt_bool(list[i], "lstrip", false);
        a.rstrip = opt_bool(list[i], "rstrip", false);
        a.single_word = opt_bool(list[i], "single_word", false);
        a.normalized = opt_bool(list[i], "normalized", !a.special);
        max_id = std::max(max_id, a.id);
        t->vocab_[a.content] = a.id;
        added.push_back(a);
      }
    }
    t->id_to_token_.assign(static_cast<size_t>(max_id) + 1, std::string());
    for (const auto& [tok, id] : t->vocab_) t->id_to_token_[static_cast<size_t>(id)] = tok;
    for (const AddedToken& a : added) t->id_to_token_[static_cast<size_t>(a.id)] = a.content;

    const std::string unk = opt_string(model, "unk_token");
    if (!unk.empty()) {
      const auto it = t->vocab_.find(unk);
      if (it == t->vocab_.end()) throw Error("unk_token \"" + unk + "\" is not in model.vocab", path, "model.unk_token");
      t->unk_ = it->second;
    }

    const json& merges = member(model, "merges", "model.merges", path);
    if (!merges.is_array()) throw Error("must be an array", path, "model.merges");
    for (size_t i = 0; i < merges.size(); ++i) {
      const std::string f = "model.merges[" + std::to_string(i) + "]";
      std::string a, b;
      if (merges[i].is_string()) {  // "a b" (tokenizers < 0.20)
        const std::string s = merges[i].get<std::string>();
        const size_t sp = s.find(' ');
        if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
          throw Error("merge \"" + s + "\" is not two tokens separated by one space", path, f);
        a = s.substr(0, sp), b = s.substr(sp + 1);
      } else if (merges[i].is_array() && merges[i].size() == 2) {  // ["a", "b"] (tokenizers >= 0.20)
        a = merges[i][0].get<std::string>(), b = merges[i][1].get<std::string>();
      } else {
        throw Error("a merge must be \"a b\" or [\"a\", \"b\"]", path, f);
      }
      const std::string& prefix = t->continuing_subword_prefix_;  // "##" in WordPiece-like BPEs
      const std::string merged = a + (!prefix.empty() && b.starts_with(prefix) ? b.substr(prefix.size()) : b);
      const auto ia = t->vocab_.find(a), ib = t->vocab_.find(b), im = t->vocab_.find(merged);
      for (const auto& [it, s] : {std::pair{ia, a}, std::pair{ib, b}, std::pair{im, merged}})
        if (it == t->vocab_.end())
          throw Error("merge \"" + a + " " + b + "\" uses token \"" + s + "\", which is not in model.vocab", path, f,
                      "the merges and the vocabulary come from different tokenizers; download the file again");
      t->merges_[pair_key(ia->second, ib->second)] = {static_cast<int32_t>(i), im->second};
    }

    // normalizer
    if (j.contains("normalizer")) parse_normalizer(j["normalizer"], path, "normalizer", t->normalizers_);

    // pre-tokenizer: ByteLevel, possibly inside a one-element Sequence
    const json* pre = &member(j, "pre_tokenizer", "pre_tokenizer", path);
    std::string pre_field = "pre_tokenizer";
    if (!pre->is_null() && pre->value("type", "") == "Sequence") {
      const json& list = member(*pre, "pretokenizers", "pre_tokenizer.pretokenizers", path);
      if (list.size() != 1) unsupported("pre_tokenizer Sequence of " + std::to_string(list.size()) + " steps", path, pre_field, "pre_tokenizer ByteLevel");
      pre = &list[0];
      pre_field = "pre_tokenizer.pretokenizers[0]";
    }
    if (pre->is_null() || pre->value("type", "") != "ByteLevel")
      unsupported("pre_tokenizer " + (pre->is_null() ? std::string("null") : pre->dump()), path, pre_field, "pre_tokenizer ByteLevel");
    t->add_prefix_space_ = opt_bool(*pre, "add_prefix_space", false);
    t->use_regex_ = opt_bool(*pre, "use_regex", true);
    if (t->use_regex_) t->split_regex_ = std::make_unique<UnicodeRegex>(kGpt2SplitPattern, path);

    // decoder
    const json& dec = member(j, "decoder", "decoder", path);
    if (dec.is_null() || dec.value("type", "") != "ByteLevel")
      unsupported("decoder " + (dec.is_null() ? std::string("null") : dec.dump()), path, "decoder", "decoder ByteLevel");

    // post-processor: what encode(add_special) puts around a single sequence
    if (j.contains("post_processor") && !j["post_processor"].is_null()) {
      std::vector<std::pair<const json*, std::string>> procs{{&j["post_processor"], "post_processor"}};
      if (j["post_processor"].value("type", "") == "Sequence") {
        procs.clear();
        const json& list = member(j["post_processor"], "processors", "post_processor.processors", path);
        for (size_t i = 0; i < list.size(); ++i) procs.emplace_back(&list[i], "post_processor.processors[" + std::to_string(i) + "]");
      }
      for (const auto& [p, field] : procs) {
        const std::string ptype = p->value("type", "");
        if (ptype == "ByteLevel") continue;  // offsets only
        if (ptype != "TemplateProcessing")
          unsupported("post_processor type \"" + ptype + "\"", path, field + ".type", "post_processor ByteLevel, TemplateProcessing");
        const json& single = member(*p, "single", field + ".single", path);
        const json& specials = member(*p, "special_tokens", field + ".special_tokens", path);
        bool after = false;
        for (const json& item : single) {
          if (item.contains("Sequence")) {
            after = true;
          } else if (item.contains("SpecialToken")) {
            const std::string name = item["SpecialToken"].value("id", "");
            if (!specials.contains(name)) throw Error("special token \"" + name + "\" is not in special_tokens", path, field + ".single");
            for (const json& id : member(specials[name], "ids", field + ".special_tokens." + name, path))
              (after ? t->suffix_ids_ : t->prefix_ids_).push_back(token_id_value(id, field + ".special_tokens." + name + ".ids", path));
          }
        }
      }
    }

    for (const AddedToken& a : added) {
      t->added_[a.id] = a;
      if (a.normalized) {
        std::string pattern = a.content;
        for (UnicodeForm f : t->normalizers_) pattern = unicode_normalize(pattern, f, path);
        t->normalized_matcher_.add(std::move(pattern), a);
      } else {
        t->raw_matcher_.add(a.content, a);
      }
    }
  } catch (const json::exception& e) {
    throw Error(std::string("unexpected JSON structure: ") + e.what(), path, {},
                "is this a tokenizer.json written by HF tokenizers? re-save it with tokenizer.save()");
  }

  if (!t->prefix_ids_.empty()) t->bos_ = t->prefix_ids_.front();
  for (const char* name : {"<s>", "<|begin_of_text|>", "<|startoftext|>"})
    if (!t->bos_ && t->vocab_.count(name)) t->bos_ = t->vocab_.at(name);
  for (const char* name : {"<|endoftext|>", "</s>", "<|end_of_text|>"})
    if (!t->eos_ && t->vocab_.count(name)) t->eos_ = t->vocab_.at(name);
  return t;
}

void BpeTokenizer::bpe(const std::string& word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    const auto it = vocab_.find(word);
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  struct Symbol {
    int32_t id;
    int prev, next;
    bool gone;
  };
  std::vector<Symbol> sym;
  sym.reserve(word.size());
  int32_t pending_unk = -1;  // an <unk> not yet pushed (so that runs can be fused)
  auto push = [&](int32_t id) {
    const int n = static_cast<int>(sym.size());
    sym.push_back({id, n - 1, n + 1, false});
  };
  for (size_t i = 0; i < word.size();) {
    const size_t begin = i;
    utf8::next(word, i);
    std::string piece = word.substr(begin, i - begin);
    if (begin > 0) piece = continuing_subword_prefix_ + piece;
    if (i == word.size()) piece += end_of_word_suffix_;
    const auto it = vocab_.find(piece);
    if (it != vocab_.end()) {
      if (pending_unk >= 0) push(pending_unk), pending_unk = -1;
      push(it->second);
    } else if (unk_) {  // unknown character: <unk>, runs fused when fuse_unk (characters are dropped without unk)
      if (pending_unk >= 0 && !fuse_unk_) push(pending_unk);
      pending_unk = *unk_;
    }
  }
  if (pending_unk >= 0) push(pending_unk);
  if (sym.empty()) return;
  sym.back().next = -1;

  // Lowest rank first, then leftmost; stale queue entries are skipped when the pair they saw has changed.
  struct Merge {
    int32_t rank;
    int pos;
    int32_t new_id;
    bool operator>(const Merge& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Merge, std::vector<Merge>, std::greater<Merge>> queue;
  auto consider = [&](int pos) {
    const int nxt = sym[pos].next;
    if (nxt < 0) return;
    const auto it = merges_.find(pair_key(sym[pos].id, sym[nxt].id));
    if (it != merges_.end()) queue.push({it->second.first, pos, it->second.second});
  };
  for (int p = 0; p + 1 < static_cast<int>(sym.size()); ++p) consider(p);
  while (!queue.empty()) {
    const Merge m = queue.top();
    queue.pop();
    Symbol& left = sym[m.pos];
    if (left.gone || left.next < 0) continue;
    const auto it = merges_.find(pair_key(left.id, sym[left.next].id));
    if (it == merges_.end() || it->second.second != m.new_id) continue;
    Symbol& right = sym[left.next];
    left.id = m.new_id;
    right.gone = true;
    left.next = right.next;
    if (right.next >= 0) sym[right.next].prev = m.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(m.pos);
  }
  for (const Symbol& s : sym)
    if (!s.gone) out.push_back(s.id);
}

void BpeTokenizer::encode_plain(std::string_view text, std::vector<int32_t>& out) const {
  std::string s(text);
  if (add_prefix_space_ && !s.starts_with(' ')) s.insert(s.begin(), ' ');
  auto emit = [&](size_t b, size_t e) {
    std::string word;
    for (size_t i = b; i < e; ++i) word += byte_char_[static_cast<uint8_t>(s[i])];
    bpe(word, out);
  };
  if (!use_regex_) {
    emit(0, s.size());
    return;
  }
  size_t done = 0;  // HF's "Isolated" split: matches and the text between them are both pieces
  for (const auto& [b, e] : split_regex_->find_all(s)) {
    if (done < b) emit(done, b);
    emit(b, e);
    done = e;
  }
  if (done < s.size()) emit(done, s.size());
}

std::vector<int32_t> BpeTokenizer::encode(std::string_view text, bool add_special) const {
  const size_t bad = utf8::first_invalid(text);
  if (bad != std::string_view::npos)
    throw Error("text is not valid UTF-8 (byte " + std::to_string(bad) + ")", path_, {}, "pass UTF-8 text");
  std::vector<int32_t> out;
  if (add_special) out = prefix_ids_;
  for (const TextPiece& raw : raw_matcher_.split(text)) {
    if (raw.id >= 0) {
      out.push_back(raw.id);
      continue;
    }
    std::string norm(text.substr(raw.begin, raw.end - raw.begin));
    for (UnicodeForm f : normalizers_) norm = unicode_normalize(norm, f, path_);
    for (const TextPiece& p : normalized_matcher_.split(norm)) {
      if (p.id >= 0) out.push_back(p.id);
      else encode_plain(std::string_view(norm).substr(p.begin, p.end - p.begin), out);
    }
  }
  if (add_special) out.insert(out.end(), suffix_ids_.begin(), suffix_ids_.end());
  return out;
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  const std::string& tok = id_to_token_[static_cast<size_t>(id)];
  std::string bytes;
  for (size_t i = 0; i < tok.size();) {
    const auto it = char_byte_.find(utf8::next(tok, i));
    if (it == char_byte_.end()) return tok;  // not a byte-level token (e.g. an added run of spaces): as is
    bytes += static_cast<char>(it->second);
  }
  return bytes;
}

std::string BpeTokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (skip_special && is_special(id)) continue;
    bytes += token_bytes(id);
  }
  return utf8::lossy(bytes);
}

std::optional<int32_t> BpeTokenizer::token_id(std::string_view token) const {
  const auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::string BpeTokenizer::token(int32_t id) const {
  if (id < 0 || id >= vocab_size() || id_to_token_[static_cast<size_t>(id)].empty())
    throw Error("token id " + std::to_string(id) + " is not in the vocabulary (size " + std::to_string(vocab_size()) + ")", path_);
  return id_to_token_[static_cast<size_t>(id)];
}

bool BpeTokenizer::is_special(int32_t id) const {
  const auto it = added_.find(id);
  return it != added_.end() && it->second.special;
}

}  // namespace mambascope
