// `mambascope tokenize --tokenizer FILE [--decode] [--tokens] [--no-special] TEXT|IDS...`: token ids of a text,
// or (--decode) the text of ids, with any tokenizer.json or tokenizer.model.
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "engine/core/error.h"
#include "engine/text/tokenizer.h"

namespace mambascope::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  bool decode = false;
  bool tokens = false;
  bool no_special = false;
  std::vector<std::string> input;
};

// "1 2 3", "1,2,3" or several arguments.
std::vector<int32_t> parse_ids(const std::vector<std::string>& args) {
  std::vector<int32_t> ids;
  for (const std::string& arg : args) {
    std::string cur;
    auto flush = [&] {
      if (cur.empty()) return;
      size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(cur, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != cur.size() || v < 0 || v > INT32_MAX)
        throw Error("\"" + cur + "\" is not a token id", {}, "IDS", "pass non-negative integers, e.g. 510 1533 13");
      ids.push_back(static_cast<int32_t>(v));
      cur.clear();
    };
    for (char c : arg) {
      if (c == ',' || c == ' ' || c == '\t' || c == '\n') flush();
      else cur += c;
    }
    flush();
  }
  return ids;
}

void run_tokenize(const TokenizeOptions& o) {
  const auto tok = load_tokenizer(o.tokenizer);
  if (o.decode) {
    const std::vector<int32_t> ids = parse_ids(o.input);
    if (o.tokens)
      for (int32_t id : ids) fmt::print("{}\t{}\n", id, tok->token(id));
    else
      fmt::print("{}\n", tok->decode(ids, o.no_special));
    return;
  }
  std::string text;
  for (size_t i = 0; i < o.input.size(); ++i) text += (i ? " " : "") + o.input[i];
  const std::vector<int32_t> ids = tok->encode(text, !o.no_special);
  if (o.tokens) {
    for (int32_t id : ids) fmt::print("{}\t{}\n", id, tok->token(id));
    return;
  }
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
  fmt::print("{}\n", line);
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto opt = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Token ids of a text (or, with --decode, the text of ids)");
  cmd->add_option("--tokenizer", opt->tokenizer, "tokenizer.json, tokenizer.model, or a directory holding one")
      ->required();
  cmd->add_flag("--decode", opt->decode, "Read token ids and print their text");
  cmd->add_flag("--tokens", opt->tokens, "Print one id and its token string per line");
  cmd->add_flag("--no-special", opt->no_special,
                "Encode without the special tokens the tokenizer adds (<s>); decode without special tokens");
  cmd->add_option("input", opt->input, "The text (words are joined by spaces), or the ids with --decode")->required();
  cmd->callback([opt] { run_tokenize(*opt); });
}

}  // namespace mambascope::cli
