#pragma once
// Allocators that account every byte by category. The memory curves report these numbers, so the
// accounting is exact: current and peak per category, and the peak of the total (not a sum of peaks).
#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>

namespace mambascope {

enum class Device : uint8_t { Cpu, Cuda };
const char* device_name(Device d);

enum class MemCategory : uint8_t { Weights, State, KV, Activations, Workspace, Other };
inline constexpr size_t kMemCategoryCount = 6;
const char* mem_category_name(MemCategory c);  // "weights", "state", "kv", "activations", "workspace", "other"

struct MemorySnapshot {
  std::array<size_t, kMemCategoryCount> current{};
  std::array<size_t, kMemCategoryCount> peak{};  // peak of each category on its own
  size_t total_current = 0;
  size_t total_peak = 0;                         // peak of the sum over categories
  std::array<size_t, kMemCategoryCount> at_total_peak{};  // each category when the sum peaked
  size_t allocations = 0;                        // live allocations
  size_t cur(MemCategory c) const { return current[static_cast<size_t>(c)]; }
  size_t pk(MemCategory c) const { return peak[static_cast<size_t>(c)]; }
  size_t at_peak(MemCategory c) const { return at_total_peak[static_cast<size_t>(c)]; }
};

class MemoryStats {
 public:
  void on_alloc(MemCategory c, size_t bytes);
  void on_free(MemCategory c, size_t bytes);
  // Restarts peaks from the current values (a benchmark calls this before each measured run).
  void reset_peak();
  MemorySnapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  MemorySnapshot s_;
};

// A device allocator. Sizes are accounted as requested, rounded up to kAlignment.
class Allocator {
 public:
  static constexpr size_t kAlignment = 256;
  virtual ~Allocator() = default;
  virtual Device device() const = 0;
  void* allocate(size_t bytes, MemCategory cat);
  void deallocate(void* p, size_t bytes, MemCategory cat);
  MemoryStats& stats() { return stats_; }
  const MemoryStats& stats() const { return stats_; }
  static size_t rounded(size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

  // Fault injection for tests: the `nth` allocation (1 = the next one) of category `cat` (any category when
  // `any_category`) from now on throws the Error an out-of-memory device gives, once; later ones succeed
  // again. One relaxed atomic load per allocation when disarmed. Not for production use.
  void inject_failure(size_t nth, MemCategory cat, bool any_category = false);
  void clear_injected_failure();
  bool injected_failure_pending() const { return fault_countdown_.load(std::memory_order_relaxed) != 0; }

 protected:
  virtual void* raw_allocate(size_t bytes, MemCategory cat) = 0;  // throws Error on failure
  virtual void raw_deallocate(void* p) = 0;

 private:
  bool take_injected_failure(MemCategory cat);
  MemoryStats stats_;
  std::atomic<size_t> fault_countdown_{0};  // 0: disarmed
  std::atomic<int> fault_category_{-1};     // -1: any
};

class CpuAllocator final : public Allocator {
 public:
  Device device() const override { return Device::Cpu; }

 protected:
  void* raw_allocate(size_t bytes, MemCategory cat) override;
  void raw_deallocate(void* p) override;
};

// Process-wide allocators: one for host memory, one for the current CUDA device (throws Error when the
// build has no CUDA or there is no device).
Allocator& cpu_allocator();
Allocator& cuda_allocator();
Allocator& allocator_for(Device d);

std::string format_bytes(size_t bytes);  // "1.50 GiB", "312.0 MiB", "12 B"

}  // namespace mambascope
