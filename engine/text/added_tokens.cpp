#include "engine/text/added_tokens.h"

#include <algorithm>

#include "engine/text/unicode.h"
#include "engine/text/utf8.h"

namespace mambascope {
namespace {

// The code point that ends text[0, end), or 0 at the start.
char32_t code_point_before(std::string_view text, size_t end) {
  if (end == 0) return 0;
  size_t i = end - 1;
  while (i > 0 && (static_cast<uint8_t>(text[i]) & 0xC0) == 0x80) --i;
  return utf8::next(text, i);
}

char32_t code_point_at(std::string_view text, size_t begin) {
  if (begin >= text.size()) return 0;
  return utf8::next(text, begin);
}

}  // namespace

bool is_unicode_whitespace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

void AddedTokenMatcher::add(std::string pattern, const AddedToken& token) {
  if (pattern.empty()) return;
  patterns_.push_back({std::move(pattern), token});
  std::stable_sort(patterns_.begin(), patterns_.end(),
                   [](const Pattern& a, const Pattern& b) { return a.text.size() > b.text.size(); });
  by_byte_.clear();
  for (size_t i = 0; i < patterns_.size(); ++i)
    by_byte_[static_cast<unsigned char>(patterns_[i].text[0])].push_back(i);
}

std::vector<TextPiece> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<TextPiece> out;
  size_t done = 0;  // text before this is in `out`
  size_t pos = 0;   // where the search for the next match starts
  while (pos < text.size()) {
    // Leftmost-longest: the first position with a match, the longest pattern there.
    const Pattern* hit = nullptr;
    size_t at = pos;
    for (; at < text.size() && !hit; ++at) {
      const auto it = by_byte_.find(static_cast<unsigned char>(text[at]));
      if (it == by_byte_.end()) continue;
      for (size_t idx : it->second) {
        const Pattern& p = patterns_[idx];
        if (text.compare(at, p.text.size(), p.text) == 0) {
          hit = &p;
          break;
        }
      }
      if (hit) break;
    }
    if (!hit) break;
    size_t start = at, stop = at + hit->text.size();
    pos = stop;  // matching resumes after the pattern itself, as aho-corasick's find_iter does
    const AddedToken& t = hit->token;
    if (t.single_word) {
      const bool left_ok = start == 0 || !is_alphanumeric(code_point_before(text, start));
      const bool right_ok = stop == text.size() || !is_alphanumeric(code_point_at(text, stop));
      if (!left_ok || !right_ok) continue;
    }
    if (t.lstrip) {
      size_t s = start;
      while (s > 0) {
        size_t i = s - 1;
        while (i > 0 && (static_cast<uint8_t>(text[i]) & 0xC0) == 0x80) --i;
        size_t j = i;
        if (!is_unicode_whitespace(utf8::next(text, j))) break;
        s = i;
      }
      start = std::max(s, done);
    }
    if (t.rstrip) {
      while (stop < text.size()) {
        size_t j = stop;
        if (!is_unicode_whitespace(utf8::next(text, j))) break;
        stop = j;
      }
    }
    if (done < start) out.push_back({done, start, -1});
    out.push_back({start, stop, t.id});
    done = stop;
    pos = std::max(pos, stop);
  }
  if (done < text.size()) out.push_back({done, text.size(), -1});
  return out;
}

}  // namespace mambascope
