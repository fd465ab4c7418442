#pragma once
// File choosers drawn with ImGui (Debian's ImGui has none and the GUI links no toolkit): an open dialog that
// browses directories with a file-type filter and multi-selection, and a save dialog that asks for a path.
// Both are modal popups; the draw functions return the chosen path(s) once, on the frame the user confirms.
#include <string>
#include <vector>

namespace mambascope::gui {

struct FileDialogState {
  std::string title = "Open";
  std::vector<std::string> extensions;  // ".json"; empty: all files
  bool multi = false;
  bool request_open = false;  // set by open_file_dialog; the next draw opens the popup
  std::string dir;            // the directory listed
  std::vector<std::string> selected;  // file names in `dir`
  std::string typed;          // the path field
  std::string error;
  struct Entry {
    std::string name;
    bool is_dir = false;
    unsigned long long size = 0;
  };
  std::vector<Entry> entries;
  std::string listed_dir;  // `dir` when `entries` was read
};

void open_file_dialog(FileDialogState& s, const std::string& title, std::vector<std::string> extensions, bool multi);
std::vector<std::string> draw_file_dialog(FileDialogState& s);

struct SaveDialogState {
  std::string title = "Save";
  bool request_open = false;
  std::string path;
};

void open_save_dialog(SaveDialogState& s, const std::string& title, const std::string& default_path);
// The path to write, once confirmed; empty otherwise.
std::string draw_save_dialog(SaveDialogState& s);

}  // namespace mambascope::gui
