#include <catch2/catch.hpp>

#include "engine/core/arena.h"
#include "engine/core/memory.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("the allocator accounts current and peak bytes per category exactly", "[core][memory]") {
  CpuAllocator a;  // a private allocator so that nothing else touches its stats
  void* w = a.allocate(1000, MemCategory::Weights);  // rounded up to 1024
  void* k = a.allocate(4096, MemCategory::KV);
  void* act = a.allocate(1, MemCategory::Activations);  // 256
  MemorySnapshot s = a.stats().snapshot();
  CHECK(s.cur(MemCategory::Weights) == 1024);
  CHECK(s.cur(MemCategory::KV) == 4096);
  CHECK(s.cur(MemCategory::Activations) == 256);
  CHECK(s.cur(MemCategory::State) == 0);
  CHECK(s.total_current == 1024 + 4096 + 256);
  CHECK(s.total_peak == 1024 + 4096 + 256);
  CHECK(s.allocations == 3);

  a.deallocate(k, 4096, MemCategory::KV);
  void* st = a.allocate(2048, MemCategory::State);
  s = a.stats().snapshot();
  CHECK(s.cur(MemCategory::KV) == 0);
  CHECK(s.pk(MemCategory::KV) == 4096);  // per-category peak remembers
  CHECK(s.cur(MemCategory::State) == 2048);
  CHECK(s.total_current == 1024 + 256 + 2048);
  CHECK(s.total_peak == 1024 + 4096 + 256);  // peak of the sum, not the sum of the peaks (which is 7424)
  CHECK(s.at_peak(MemCategory::KV) == 4096);   // the composition at that moment
  CHECK(s.at_peak(MemCategory::State) == 0);

  a.stats().reset_peak();
  s = a.stats().snapshot();
  CHECK(s.total_peak == s.total_current);
  CHECK(s.pk(MemCategory::KV) == 0);

  a.deallocate(w, 1000, MemCategory::Weights);
  a.deallocate(act, 1, MemCategory::Activations);
  a.deallocate(st, 2048, MemCategory::State);
  s = a.stats().snapshot();
  CHECK(s.total_current == 0);
  CHECK(s.allocations == 0);
  CHECK(s.total_peak == 1024 + 256 + 2048);
}

TEST_CASE("accounting refuses to free more than is live", "[core][memory]") {
  CpuAllocator a;
  void* p = a.allocate(512, MemCategory::Weights);
  REQUIRE_ERROR_MENTIONS(a.stats().on_free(MemCategory::KV, 512), "underflow", "kv");
  a.deallocate(p, 512, MemCategory::Weights);
}

TEST_CASE("tensors release their bytes to the category they came from", "[core][memory]") {
  const MemorySnapshot before = cpu_allocator().stats().snapshot();
  {
    Tensor kv = Tensor::empty({1024, 8, 128}, DType::BF16, Device::Cpu, MemCategory::KV);
    Tensor view = kv.slice(0, 0, 10);  // a view adds nothing
    const MemorySnapshot mid = cpu_allocator().stats().snapshot();
    CHECK(mid.cur(MemCategory::KV) - before.cur(MemCategory::KV) == 1024 * 8 * 128 * 2);
  }
  CHECK(cpu_allocator().stats().snapshot().cur(MemCategory::KV) == before.cur(MemCategory::KV));
}

TEST_CASE("an arena is accounted at its capacity and tracks its own high-water mark", "[core][memory]") {
  const size_t before = cpu_allocator().stats().snapshot().cur(MemCategory::Workspace);
  {
    Arena arena(Device::Cpu, 1 << 20, MemCategory::Workspace, "test-arena");
    CHECK(cpu_allocator().stats().snapshot().cur(MemCategory::Workspace) - before == (1u << 20));
    Tensor a = arena.tensor({100}, DType::F32);  // 400 B
    CHECK(arena.used() == 400);
    const size_t m = arena.mark();
    Tensor b = arena.tensor({1000}, DType::BF16);  // aligned to 512, + 2000
    CHECK(arena.used() == 512 + 2000);
    CHECK(reinterpret_cast<uintptr_t>(b.data()) % Allocator::kAlignment == 0);
    arena.reset(m);
    CHECK(arena.used() == 400);
    CHECK(arena.high_water() == 2512);
    REQUIRE_ERROR_MENTIONS(arena.allocate(2 << 20), "arena 'test-arena' cannot fit 2.0 MiB");
  }
  CHECK(cpu_allocator().stats().snapshot().cur(MemCategory::Workspace) == before);
}

TEST_CASE("byte counts print in binary units", "[core][memory]") {
  CHECK(format_bytes(12) == "12 B");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(size_t{3} << 29) == "1.50 GiB");
}
