#pragma once
// The profiles the Curves and Memory panels share: loading them on worker threads, the sidebar list
// (visibility, details, remove) and the load errors, shown until dismissed.
#include <memory>
#include <string>
#include <vector>

#include "app/gui/file_dialog.h"
#include "app/gui/gui_context.h"
#include "app/gui/job.h"
#include "app/gui/profile_set.h"

namespace mambascope::gui {

struct ProfilesState {
  std::vector<LoadedProfile> loaded;
  std::vector<std::unique_ptr<Job<LoadedProfile>>> loading;
  std::vector<std::string> errors;
  FileDialogState dialog;
};

void load_profiles_async(ProfilesState& s, const std::vector<std::string>& paths);
// Adds a profile made in the app (a sweep's result) under `label`.
void add_profile(ProfilesState& s, Profile p, const std::string& label);
// Call once a frame. Moves finished loads into `loaded` (a path loaded again replaces its old copy) and failures into `errors`.
void poll_profile_loads(ProfilesState& s, GuiContext& ctx);
bool profiles_busy(const ProfilesState& s);

// Sidebar section: the open button, the loaded profiles (visibility, details on hover, close), load errors.
void draw_profile_list(ProfilesState& s, GuiContext& ctx);

}  // namespace mambascope::gui
