#include "engine/ops/cpu/activation.h"

#include <cmath>

namespace mambascope::cpu {

float activate(Activation a, float v) {
  switch (a) {
    case Activation::Silu: return v / (1.f + std::exp(-v));
    case Activation::GeluErf: return 0.5f * v * (1.f + std::erf(v * 0.70710678118654752f));
    case Activation::GeluTanh: return 0.5f * v * (1.f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
  }
  return v;
}

}  // namespace mambascope::cpu
