#include "app/gui/plot_data.h"

#include <algorithm>
#include <charconv>

namespace mambascope::gui {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string plot_to_csv(const PlotSpec& spec, const std::vector<std::string>& hidden) {
  std::string out;
  if (!spec.title.empty()) out += "# " + spec.title + "\n";
  out += "# x: " + spec.x.label + "; y: " + spec.y.label + "\n";
  out += "series,x,y,note\n";
  auto number = [](double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return std::string(buf, r.ptr);
  };
  for (const PlotSeries& s : spec.series) {
    if (std::find(hidden.begin(), hidden.end(), s.name) != hidden.end()) continue;
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      out += csv_field(s.name);
      out += ',';
      out += number(s.x[i]);
      out += ',';
      out += number(s.y[i]);
      out += ',';
      if (i < s.notes.size()) {
        std::string note = s.notes[i];  // one line per point: spreadsheets read it more easily
        for (size_t k = note.find('\n'); k != std::string::npos; k = note.find('\n', k)) note.replace(k, 1, "; ");
        out += csv_field(note);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace mambascope::gui
