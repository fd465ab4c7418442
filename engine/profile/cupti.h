#pragma once
// CUPTI collector: every kernel, memcpy and memset the GPU runs while it records, with the engine's layer and
// op scope (engine/profile/scope.h) of the launch attached.
//
// How a record gets its scope: CUPTI's callback API calls us synchronously on the launching thread at the
// entry of every runtime and driver API call; there we file the call's correlation id under the thread's
// current scope, and the activity record of the kernel that call launched carries the same correlation id.
// (We chose that over CUPTI external correlation ids, which would need a CUPTI call in every ScopedOp: the
// guards stay a flag test, and all the CUPTI code stays in this file.) Inside a replayed CUDA graph a kernel's
// correlation id is the graph launch's, so graph nodes are filed by node id instead: when stream capture
// creates a node (CUPTI's resource callback, on the capturing thread, inside the launch being captured) and
// when instantiation clones it; a graph kernel's record names its node. A graph captured before the collector
// existed has no scopes: its kernels are reported as "(no scope)".
//
// Only one collector may exist at a time (CUPTI allows one subscriber). Built without CUPTI, constructing one
// throws an Error that says so.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/profile/trace.h"

namespace mambascope {

class CuptiCollector {
 public:
  CuptiCollector();  // subscribes and turns the scope guards on; records nothing until start()
  ~CuptiCollector();
  CuptiCollector(const CuptiCollector&) = delete;
  CuptiCollector& operator=(const CuptiCollector&) = delete;

  static bool available();  // built with CUPTI
  void start();             // records from now on
  // Synchronises the device, flushes CUPTI's buffers and returns what ran since start(), by start time.
  std::vector<KernelRecord> stop();
  int64_t now_ns() const;   // CUPTI's clock: the one the records' start/end use
  int64_t dropped() const;  // records CUPTI reported as dropped (buffers full)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mambascope
