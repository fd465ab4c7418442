#pragma once
// The engine's op/layer scope: which layer and which op a GPU kernel was launched from. Models and ops open
// scopes with RAII guards (`ScopedLayer l(3); ScopedOp o("mamba2"); ... ScopedOp k("ssd_scan");`); the CUPTI
// collector reads the launching thread's innermost layer and the path of op names ("mamba2.ssd_scan") when a
// kernel is launched or captured into a CUDA graph. With no collector listening a guard is one relaxed atomic
// load and a branch: nothing is pushed, nothing allocated.
#include <atomic>
#include <string>

namespace mambascope {

namespace scope_detail {
inline std::atomic<bool> g_enabled{false};
void push_op(const char* op) noexcept;
void push_layer(int layer) noexcept;
void pop() noexcept;
}  // namespace scope_detail

// Turned on by the collector while it exists (so that a decode graph captured under it keeps its scopes).
inline bool scopes_enabled() { return scope_detail::g_enabled.load(std::memory_order_relaxed); }
void set_scopes_enabled(bool on);

// `op` must outlive the scope (a string literal): only the pointer is kept.
class ScopedOp {
 public:
  explicit ScopedOp(const char* op) noexcept : pushed_(scopes_enabled()) {
    if (pushed_) scope_detail::push_op(op);
  }
  ~ScopedOp() {
    if (pushed_) scope_detail::pop();
  }
  ScopedOp(const ScopedOp&) = delete;
  ScopedOp& operator=(const ScopedOp&) = delete;

 private:
  bool pushed_;
};

class ScopedLayer {
 public:
  explicit ScopedLayer(int layer) noexcept : pushed_(scopes_enabled()) {
    if (pushed_) scope_detail::push_layer(layer);
  }
  ~ScopedLayer() {
    if (pushed_) scope_detail::pop();
  }
  ScopedLayer(const ScopedLayer&) = delete;
  ScopedLayer& operator=(const ScopedLayer&) = delete;

 private:
  bool pushed_;
};

// This thread's scope now: the innermost layer (-1 outside layers) and the op names from outermost to
// innermost joined by '.' (empty outside any op). Deeper nesting than 32 frames keeps the outer 32.
struct ScopeState {
  int layer = -1;
  std::string op;
  bool operator==(const ScopeState&) const = default;
};
ScopeState current_scope();
int scope_depth();  // frames pushed on this thread (for tests: guards balance)

}  // namespace mambascope
