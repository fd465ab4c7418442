// The CPU Mamba2Mixer against the PyTorch reference (float64) on the recorded golden case. The engine computes
// in f32 from the same bf16-valued weights and inputs: differences are f32 rounding.
#include <catch2/catch.hpp>

#include "tests/ops/mamba2_golden.h"

using namespace mambascope;

TEST_CASE("the CPU Mamba2Mixer reproduces the PyTorch reference layer", "[model][mamba2][golden]") {
  const test::Mamba2GoldenRun r = test::run_mamba2_golden(Device::Cpu);
  for (const auto& [name, got] : r.got) {
    INFO(name << " rel_l2 " << test::rel_l2(got, r.want.at(name)));
    CHECK(test::rel_l2(got, r.want.at(name)) < 1e-5);
  }
}
