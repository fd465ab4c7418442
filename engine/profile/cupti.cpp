#include "engine/profile/cupti.h"

#include "engine/core/error.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUPTI
#include <cuda.h>
#include <cuda_runtime.h>
#include <cupti.h>
#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/core/cuda_check.h"
#endif

namespace mambascope {

#if MAMBASCOPE_HAVE_CUPTI

namespace {

void check(CUptiResult r, const char* what) {
  if (r == CUPTI_SUCCESS) return;
  const char* msg = nullptr;
  cuptiGetResultString(r, &msg);
  throw Error(std::string(what) + " failed: " + (msg ? msg : "unknown CUPTI error"), "cupti", what,
              "CUPTI must match the driver (CUDA 13) and no other profiler (nsys, ncu) may be attached");
}

std::string demangle(const char* name) {
  if (!name) return "(unnamed)";
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string s = status == 0 && d ? d : name;
  std::free(d);
  return s;
}

constexpr size_t kBufferBytes = size_t{8} << 20;

struct ScopeTable {
  std::mutex mu;
  std::vector<ScopeState> scopes;              // interned
  std::unordered_map<std::string, int> index;  // "layer|op" -> scopes index
  std::unordered_map<uint32_t, int> by_correlation;
  std::unordered_map<uint64_t, int> by_node;

  int intern(const ScopeState& s) {  // caller holds mu
    const std::string key = std::to_string(s.layer) + "|" + s.op;
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    scopes.push_back(s);
    index.emplace(key, static_cast<int>(scopes.size() - 1));
    return static_cast<int>(scopes.size() - 1);
  }
};

struct Raw {  // a record copied out of CUPTI's buffer (its name pointer is not ours to keep)
  KernelRecord k;
  uint32_t correlation = 0;
  uint64_t node = 0;
};

std::atomic<void*> g_active{nullptr};  // the CuptiCollector::Impl CUPTI's callbacks deliver to

// The fields kernel, memcpy and memset records share.
template <class A>
void copy_common(const A* a, Raw& r) {
  r.k.start_ns = static_cast<int64_t>(a->start);
  r.k.end_ns = static_cast<int64_t>(a->end);
  r.k.stream = static_cast<int>(a->streamId);
  r.correlation = a->correlationId;
  r.node = a->graphNodeId;
}

}  // namespace

struct CuptiCollector::Impl {
  CUpti_SubscriberHandle sub = nullptr;
  ScopeTable table;
  std::mutex rec_mu;
  std::vector<Raw> raw;
  std::atomic<bool> recording{false};
  std::atomic<int64_t> dropped{0};

  static void CUPTIAPI on_callback(void* user, CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const void* data) {
    auto* self = static_cast<Impl*>(user);
    if (domain == CUPTI_CB_DOMAIN_RUNTIME_API || domain == CUPTI_CB_DOMAIN_DRIVER_API) {
      const auto* cb = static_cast<const CUpti_CallbackData*>(data);
      if (cb->callbackSite != CUPTI_API_ENTER || !self->recording.load(std::memory_order_relaxed)) return;
      const ScopeState s = current_scope();
      if (s.layer < 0 && s.op.empty()) return;
      std::lock_guard<std::mutex> g(self->table.mu);
      self->table.by_correlation[cb->correlationId] = self->table.intern(s);
    } else if (domain == CUPTI_CB_DOMAIN_RESOURCE) {
      const auto* rd = static_cast<const CUpti_ResourceData*>(data);
      const auto* gd = static_cast<const CUpti_GraphData*>(rd->resourceDescriptor);
      if (!gd || !gd->node) return;
      uint64_t id = 0;
      if (cuptiGetGraphNodeId(gd->node, &id) != CUPTI_SUCCESS) return;
      std::lock_guard<std::mutex> g(self->table.mu);
      if (cbid == CUPTI_CBID_RESOURCE_GRAPHNODE_CREATED) {
        const ScopeState s = current_scope();
        if (s.layer >= 0 || !s.op.empty()) self->table.by_node[id] = self->table.intern(s);
      } else if (cbid == CUPTI_CBID_RESOURCE_GRAPHNODE_CLONED && gd->originalNode) {
        uint64_t orig = 0;
        if (cuptiGetGraphNodeId(gd->originalNode, &orig) != CUPTI_SUCCESS) return;
        auto it = self->table.by_node.find(orig);
        if (it != self->table.by_node.end()) self->table.by_node[id] = it->second;
      }
    }
  }

  static void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
    *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
    *size = kBufferBytes;
    *max_records = 0;
  }

  static void CUPTIAPI buffer_completed(CUcontext, uint32_t stream, uint8_t* buffer, size_t, size_t valid) {
    auto* self = static_cast<Impl*>(g_active.load());
    CUpti_Activity* rec = nullptr;
    std::vector<Raw> got;
    while (self && cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS) {
      Raw r;
      switch (rec->kind) {
        case CUPTI_ACTIVITY_KIND_KERNEL:
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
          const auto* a = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
          copy_common(a, r);
          r.k.name = demangle(a->name);
          r.k.grid = {a->gridX, a->gridY, a->gridZ};
          r.k.block = {a->blockX, a->blockY, a->blockZ};
          r.k.registers = a->registersPerThread;
          r.k.shared_bytes = static_cast<int64_t>(a->staticSharedMemory) + a->dynamicSharedMemory;
          break;
        }
        case CUPTI_ACTIVITY_KIND_MEMCPY: {
          const auto* a = reinterpret_cast<const CUpti_ActivityMemcpy6*>(rec);
          const char* dir = a->copyKind == CUPTI_ACTIVITY_MEMCPY_KIND_HTOD   ? "HtoD"
                            : a->copyKind == CUPTI_ACTIVITY_MEMCPY_KIND_DTOH ? "DtoH"
                            : a->copyKind == CUPTI_ACTIVITY_MEMCPY_KIND_DTOD ? "DtoD"
                                                                             : "other";
          r.k.name = std::string("memcpy ") + dir;
          r.k.kind = "memcpy";
          copy_common(a, r);
          r.k.bytes = a->bytes;
          break;
        }
        case CUPTI_ACTIVITY_KIND_MEMSET: {
          const auto* a = reinterpret_cast<const CUpti_ActivityMemset4*>(rec);
          r.k.name = "memset";
          r.k.kind = "memset";
          copy_common(a, r);
          r.k.bytes = a->bytes;
          break;
        }
        default:
          continue;
      }
      got.push_back(std::move(r));
    }
    size_t lost = 0;
    if (cuptiActivityGetNumDroppedRecords(nullptr, stream, &lost) == CUPTI_SUCCESS && self) self->dropped += static_cast<int64_t>(lost);
    std::free(buffer);
    if (!self) return;
    std::lock_guard<std::mutex> g(self->rec_mu);
    for (Raw& r : got) self->raw.push_back(std::move(r));
  }
};

CuptiCollector::CuptiCollector() : impl_(std::make_unique<Impl>()) {
  void* expected = nullptr;
  if (!g_active.compare_exchange_strong(expected, impl_.get()))
    throw Error("a CUPTI collector already exists", "cupti", "collector", "profile one thing at a time");
  try {
    check(cuptiActivityRegisterCallbacks(&Impl::buffer_requested, &Impl::buffer_completed), "cuptiActivityRegisterCallbacks");
    check(cuptiSubscribe(&impl_->sub, reinterpret_cast<CUpti_CallbackFunc>(&Impl::on_callback), impl_.get()), "cuptiSubscribe");
    check(cuptiEnableDomain(1, impl_->sub, CUPTI_CB_DOMAIN_RUNTIME_API), "cuptiEnableDomain(runtime)");
    check(cuptiEnableDomain(1, impl_->sub, CUPTI_CB_DOMAIN_DRIVER_API), "cuptiEnableDomain(driver)");
    check(cuptiEnableCallback(1, impl_->sub, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_GRAPHNODE_CREATED), "cuptiEnableCallback(node created)");
    check(cuptiEnableCallback(1, impl_->sub, CUPTI_CB_DOMAIN_RESOURCE, CUPTI_CBID_RESOURCE_GRAPHNODE_CLONED), "cuptiEnableCallback(node cloned)");
  } catch (...) {
    if (impl_->sub) cuptiUnsubscribe(impl_->sub);
    g_active.store(nullptr);
    throw;
  }
  set_scopes_enabled(true);
  // Graph nodes are filed even while not recording (a decode graph may be captured before start()).
  impl_->recording.store(false);
}

CuptiCollector::~CuptiCollector() {
  set_scopes_enabled(false);
  if (impl_->recording.load()) {
    try {
      stop();
    } catch (...) {
    }
  }
  cuptiUnsubscribe(impl_->sub);
  g_active.store(nullptr);
}

bool CuptiCollector::available() { return true; }

void CuptiCollector::start() {
  MS_CUDA_CHECK(cudaDeviceSynchronize());
  {
    std::lock_guard<std::mutex> g(impl_->rec_mu);
    impl_->raw.clear();
  }
  {
    std::lock_guard<std::mutex> g(impl_->table.mu);
    impl_->table.by_correlation.clear();
  }
  impl_->recording.store(true);
  check(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), "cuptiActivityEnable(kernel)");
  check(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMCPY), "cuptiActivityEnable(memcpy)");
  check(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMSET), "cuptiActivityEnable(memset)");
}

std::vector<KernelRecord> CuptiCollector::stop() {
  MS_CUDA_CHECK(cudaDeviceSynchronize());
  check(cuptiActivityFlushAll(1), "cuptiActivityFlushAll");
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_MEMCPY);
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_MEMSET);
  check(cuptiActivityFlushAll(1), "cuptiActivityFlushAll");
  impl_->recording.store(false);
  std::vector<Raw> raw;
  {
    std::lock_guard<std::mutex> g(impl_->rec_mu);
    raw.swap(impl_->raw);
  }
  std::vector<KernelRecord> out;
  out.reserve(raw.size());
  std::lock_guard<std::mutex> g(impl_->table.mu);
  for (Raw& r : raw) {
    int idx = -1;
    auto c = impl_->table.by_correlation.find(r.correlation);
    if (r.node) {  // a graph replay: the correlation id is the graph launch's
      auto n = impl_->table.by_node.find(r.node);
      if (n != impl_->table.by_node.end()) idx = n->second;
    } else if (c != impl_->table.by_correlation.end()) {
      idx = c->second;
    }
    if (idx >= 0) {
      r.k.layer = impl_->table.scopes[static_cast<size_t>(idx)].layer;
      r.k.op = impl_->table.scopes[static_cast<size_t>(idx)].op;
    }
    if (r.k.op.empty() && r.k.kind != "kernel") r.k.op = r.k.kind;
    out.push_back(std::move(r.k));
  }
  std::stable_sort(out.begin(), out.end(), [](const KernelRecord& a, const KernelRecord& b) { return a.start_ns < b.start_ns; });
  return out;
}

int64_t CuptiCollector::now_ns() const {
  uint64_t t = 0;
  check(cuptiGetTimestamp(&t), "cuptiGetTimestamp");
  return static_cast<int64_t>(t);
}

int64_t CuptiCollector::dropped() const { return impl_->dropped.load(); }

#else  // built without CUPTI

struct CuptiCollector::Impl {};

CuptiCollector::CuptiCollector() {
  throw Error("this build has no CUPTI", "cupti", "MAMBASCOPE_HAVE_CUPTI",
              "build with CUDA on a host whose toolkit has CUPTI (CMake's CUDA::cupti target; /usr/local/cuda has it)");
}
CuptiCollector::~CuptiCollector() = default;
bool CuptiCollector::available() { return false; }
void CuptiCollector::start() {}
std::vector<KernelRecord> CuptiCollector::stop() { return {}; }
int64_t CuptiCollector::now_ns() const { return 0; }
int64_t CuptiCollector::dropped() const { return 0; }

#endif

}  // namespace mambascope
