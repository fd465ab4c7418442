#include "engine/core/memory.h"

#include <cstdio>
#include <cstdlib>

#include "engine/core/error.h"

namespace mambascope {

const char* device_name(Device d) { return d == Device::Cpu ? "cpu" : "cuda"; }

const char* mem_category_name(MemCategory c) {
  switch (c) {
    case MemCategory::Weights: return "weights";
    case MemCategory::State: return "state";
    case MemCategory::KV: return "kv";
    case MemCategory::Activations: return "activations";
    case MemCategory::Workspace: return "workspace";
    case MemCategory::Other: return "other";
  }
  return "?";
}

void MemoryStats::on_alloc(MemCategory c, size_t bytes) {
  std::lock_guard lock(mu_);
  const size_t i = static_cast<size_t>(c);
  s_.current[i] += bytes;
  if (s_.current[i] > s_.peak[i]) s_.peak[i] = s_.current[i];
  s_.total_current += bytes;
  if (s_.total_current > s_.total_peak) {
    s_.total_peak = s_.total_current;
    s_.at_total_peak = s_.current;
  }
  ++s_.allocations;
}

void MemoryStats::on_free(MemCategory c, size_t bytes) {
  std::lock_guard lock(mu_);
  const size_t i = static_cast<size_t>(c);
  if (bytes > s_.current[i] || s_.allocations == 0)
    throw Error("memory accounting underflow: freeing " + std::to_string(bytes) + " B of " +
                    mem_category_name(c) + " with " + std::to_string(s_.current[i]) + " B live",
                "allocator", mem_category_name(c), "this is a bug in mambascope: please report it");
  s_.current[i] -= bytes;
  s_.total_current -= bytes;
  --s_.allocations;
}

void MemoryStats::reset_peak() {
  std::lock_guard lock(mu_);
  s_.peak = s_.current;
  s_.total_peak = s_.total_current;
  s_.at_total_peak = s_.current;
}

MemorySnapshot MemoryStats::snapshot() const {
  std::lock_guard lock(mu_);
  return s_;
}

void Allocator::inject_failure(size_t nth, MemCategory cat, bool any_category) {
  fault_category_.store(any_category ? -1 : static_cast<int>(cat), std::memory_order_relaxed);
  fault_countdown_.store(nth, std::memory_order_release);
}

void Allocator::clear_injected_failure() { fault_countdown_.store(0, std::memory_order_release); }

bool Allocator::take_injected_failure(MemCategory cat) {
  const int want = fault_category_.load(std::memory_order_relaxed);
  if (want >= 0 && want != static_cast<int>(cat)) return false;
  size_t left = fault_countdown_.load(std::memory_order_acquire);
  while (left != 0)
    if (fault_countdown_.compare_exchange_weak(left, left - 1, std::memory_order_acq_rel)) return left == 1;
  return false;
}

void* Allocator::allocate(size_t bytes, MemCategory cat) {
  const size_t n = rounded(bytes == 0 ? 1 : bytes);
  if (fault_countdown_.load(std::memory_order_relaxed) != 0 && take_injected_failure(cat))
    throw Error(std::string(device_name(device())) + " out of memory: could not allocate " + format_bytes(n) + " for " +
                    mem_category_name(cat) + " (injected by a test)",
                device_name(device()), mem_category_name(cat), "free device memory or use a shorter length / smaller model");
  void* p = raw_allocate(n, cat);
  stats_.on_alloc(cat, n);
  return p;
}

void Allocator::deallocate(void* p, size_t bytes, MemCategory cat) {
  if (!p) return;
  raw_deallocate(p);
  stats_.on_free(cat, rounded(bytes == 0 ? 1 : bytes));
}

void* CpuAllocator::raw_allocate(size_t bytes, MemCategory cat) {
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (!p)
    throw Error("host allocation of " + format_bytes(bytes) + " failed", "cpu", mem_category_name(cat),
                "free host memory or use a shorter length / smaller model");
  return p;
}

void CpuAllocator::raw_deallocate(void* p) { std::free(p); }

Allocator& cpu_allocator() {
  static CpuAllocator a;
  return a;
}

Allocator& allocator_for(Device d) { return d == Device::Cpu ? cpu_allocator() : cuda_allocator(); }

std::string format_bytes(size_t bytes) {
  char buf[64];
  const double b = static_cast<double>(bytes);
  if (bytes >= (size_t{1} << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1u << 30));
  else if (bytes >= (size_t{1} << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1u << 20));
  else if (bytes >= (size_t{1} << 10)) std::snprintf(buf, sizeof buf, "%.1f KiB", b / (1u << 10));
  else std::snprintf(buf, sizeof buf, "%zu B", bytes);
  return buf;
}

}  // namespace mambascope
