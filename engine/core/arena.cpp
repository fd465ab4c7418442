#include "engine/core/arena.h"

#include "engine/core/error.h"

namespace mambascope {

Arena::Arena(Device dev, size_t capacity, MemCategory cat, std::string name)
    : block_(Storage::allocate(capacity, dev, cat)), name_(std::move(name)), capacity_(capacity) {}

void* Arena::allocate(size_t bytes, size_t align) {
  const size_t start = (used_ + align - 1) / align * align;
  if (start + bytes > capacity_)
    throw Error("arena '" + name_ + "' cannot fit " + format_bytes(bytes) + ": " + format_bytes(used_) + " of " +
                    format_bytes(capacity_) + " in use",
                name_, "capacity", "the memory planner under-estimated this workspace; please report it with the command you ran");
  used_ = start + bytes;
  if (used_ > high_water_) high_water_ = used_;
  return static_cast<uint8_t*>(block_->data()) + start;
}

Tensor Arena::tensor(const Shape& shape, DType dt) {
  const size_t bytes = static_cast<size_t>(shape_numel(shape)) * dtype_size(dt);
  void* p = allocate(bytes);
  return Tensor::borrow(p, shape, dt, block_->device(), block_);
}

void Arena::reset(size_t mark) {
  if (mark > used_) throw Error("arena '" + name_ + "' reset to a mark beyond its use", name_, "reset");
  used_ = mark;
}

}  // namespace mambascope
