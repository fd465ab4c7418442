#include "engine/profile/scope.h"

#include <algorithm>
#include <array>

namespace mambascope {

namespace {

struct Frame {
  const char* op = nullptr;  // null: a layer frame
  int layer = -1;
};

constexpr int kMaxDepth = 32;

struct Stack {
  std::array<Frame, kMaxDepth> frames;
  int depth = 0;  // may exceed kMaxDepth: pushes past it are counted, not stored
};

thread_local Stack t_stack;

void push(Frame f) noexcept {
  if (t_stack.depth < kMaxDepth) t_stack.frames[static_cast<size_t>(t_stack.depth)] = f;
  ++t_stack.depth;
}

}  // namespace

namespace scope_detail {
void push_op(const char* op) noexcept { push({op, -1}); }
void push_layer(int layer) noexcept { push({nullptr, layer}); }
void pop() noexcept {
  if (t_stack.depth > 0) --t_stack.depth;
}
}  // namespace scope_detail

void set_scopes_enabled(bool on) { scope_detail::g_enabled.store(on, std::memory_order_relaxed); }

ScopeState current_scope() {
  ScopeState s;
  const int n = std::min(t_stack.depth, kMaxDepth);
  for (int i = 0; i < n; ++i) {
    const Frame& f = t_stack.frames[static_cast<size_t>(i)];
    if (!f.op) {
      s.layer = f.layer;
      continue;
    }
    if (!s.op.empty()) s.op += '.';
    s.op += f.op;
  }
  return s;
}

int scope_depth() { return t_stack.depth; }

}  // namespace mambascope
