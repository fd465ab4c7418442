#include "engine/core/error.h"
#include "engine/model/model.h"

namespace mambascope {
std::unique_ptr<Model> make_mlmamba_model(const ModelConfig& c, WeightStore) {
  throw Error("the ML-Mamba runtime is not in this build yet", c.name, "model_type", "use mmmamba-linear, mmmamba-hybrid or transformer");
}
}  // namespace mambascope
