#pragma once
// The Scan panel's contribution seam (services.h) on the engine: loads an ML-Mamba on the CPU (a preset with
// random weights, its image size set so the patch grid is the panel's; or a checkpoint directory as it is),
// keeps it for the next request, preprocesses the image and maps the implicit SSM attention of the chosen
// patch (engine/scan/contribution.h).
#include "app/gui/services.h"

namespace mambascope::gui {

ContributionFn make_contribution_service();

}  // namespace mambascope::gui
