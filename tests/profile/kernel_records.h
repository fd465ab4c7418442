#pragma once
// KernelRecords as the CUPTI collector hands them over, for the profile, trace and Timeline tests.
#include <cstdint>

#include "engine/profile/trace.h"

namespace mambascope::test {

inline KernelRecord kernel_record(const char* name, const char* op, int layer, int64_t start_ns, int64_t end_ns, int stream = 0,
                                  const char* kind = "kernel") {
  KernelRecord k;
  k.name = name;
  k.op = op;
  k.layer = layer;
  k.start_ns = start_ns;
  k.end_ns = end_ns;
  k.stream = stream;
  k.kind = kind;
  return k;
}

}  // namespace mambascope::test
