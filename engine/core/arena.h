#pragma once
// Arena: one block reserved from a device allocator (accounted under one category at its full size, since
// that is what the device really holds), handed out by bumping an offset. mark()/reset() free everything
// allocated after a mark at once; tensors from an arena must not outlive the reset that frees them.
#include <cstddef>
#include <memory>

#include "engine/core/tensor.h"

namespace mambascope {

class Arena {
 public:
  Arena(Device dev, size_t capacity, MemCategory cat, std::string name = "arena");
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Throws Error naming the arena, the request and its capacity when it does not fit.
  void* allocate(size_t bytes, size_t align = Allocator::kAlignment);
  Tensor tensor(const Shape& shape, DType dt);

  size_t mark() const { return used_; }
  void reset(size_t mark = 0);

  size_t used() const { return used_; }
  size_t high_water() const { return high_water_; }  // most bytes in use at once since construction
  size_t capacity() const { return capacity_; }
  Device device() const { return block_->device(); }

 private:
  std::shared_ptr<Storage> block_;
  std::string name_;
  size_t capacity_ = 0, used_ = 0, high_water_ = 0;
};

}  // namespace mambascope
