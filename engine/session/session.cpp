#include "engine/session/session.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/ops/fill.h"
#include "engine/ops/rows.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#endif

namespace mambascope {

namespace {
constexpr size_t kMiB = size_t{1} << 20;
// What cuBLASLt's workspace (allocated once per thread by gpu_context) and CUDA-graph instantiation take.
constexpr size_t kCudaWorkspace = 32 * kMiB;
// Margin kept free on the device beyond the plan (driver allocations, graph exec, fragmentation).
constexpr size_t kDeviceMargin = 256 * kMiB;

// MemAvailable of /proc/meminfo (what the kernel can hand out without swapping); all physical memory
// where that file is missing.
size_t host_available_bytes() {
  if (std::FILE* f = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) found = std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1;
    std::fclose(f);
    if (found) return static_cast<size_t>(kib) * 1024;
  }
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

size_t arena_bytes(const Model& m, const SessionOptions& o) {
  const int64_t chunk = std::max<int64_t>(1, std::min(o.prefill_chunk, o.max_length));
  const size_t es = dtype_size(m.dtype());
  const size_t scratch = std::max(m.scratch_bytes(chunk), m.scratch_bytes(1));
  const size_t io = static_cast<size_t>(chunk) * (static_cast<size_t>(m.hidden()) * es + 4) + 4 * Allocator::kAlignment;
  const size_t logits = 2 * static_cast<size_t>(m.vocab()) * 4 * 4;  // logits + the sampler's temporaries
  return scratch + io + logits + kMiB;
}
}  // namespace

std::string MemoryPlan::describe() const {
  std::string s = "weights " + format_bytes(weights) + ", state " + format_bytes(state) + ", kv " + format_bytes(kv) +
                  ", activations " + format_bytes(activations) + ", workspace " + format_bytes(workspace) + " (total " +
                  format_bytes(total()) + ")";
  return s;
}

MemoryPlan plan_session(const Model& m, const SessionOptions& o) {
  if (o.max_length <= 0) throw Error("max_length must be positive", "session", "--max-length");
  if (o.prefill_chunk <= 0) throw Error("prefill_chunk must be positive", "session", "--prefill-chunk");
  if (o.max_length > kMaxSessionLength)
    throw Error("max_length " + std::to_string(o.max_length) + " is beyond the " + std::to_string(kMaxSessionLength) +
                    " positions a session can address (they are 32-bit on the device)",
                "session", "--max-length", "use a shorter --max-length");
  MemoryPlan p;
  p.weights = m.resident_bytes();
  const CacheBytes c = m.cache_bytes(o.max_length);
  p.state = c.state;
  p.kv = c.kv;
  p.activations = arena_bytes(m, o);
  if (m.device() == Device::Cuda) {
    p.workspace = kCudaWorkspace;
    p.device_free = cuda_devices().at(0).free_bytes;
  } else {
    p.device_free = host_available_bytes();
  }
  return p;
}

struct Session::Impl {
  // Device scalars and buffers of the decode step; on CUDA pinned host mirrors feed them before a replay.
  Tensor token, pos, len, step, out, hdec, logits, prev;
#if MAMBASCOPE_HAVE_CUDA
  int32_t* pinned = nullptr;  // token, pos, len, step
  cudaGraphExec_t graph = nullptr;
  ops::SamplingConfig graph_cfg{};
  bool graph_for_logits = false;
  ~Impl() {
    if (graph) cudaGraphExecDestroy(graph);
    if (pinned) cudaFreeHost(pinned);
  }
#endif
};

Session::Session(std::shared_ptr<const Model> model, SessionOptions opt)
    : model_(std::move(model)), opt_(opt), impl_(std::make_unique<Impl>()) {
  const Model& m = *model_;
  plan_ = plan_session(m, opt_);
  const bool gpu = m.device() == Device::Cuda;
  if (plan_.to_allocate() + (gpu ? kDeviceMargin : 0) > plan_.device_free)
    throw Error("a session of " + std::to_string(opt_.max_length) + " tokens on " + m.config().name + " needs " +
                    format_bytes(plan_.to_allocate()) + " (" + std::to_string(plan_.to_allocate()) + " B) beyond the weights (" +
                    plan_.describe() + ") but the " + (gpu ? "GPU has " : "host has ") + format_bytes(plan_.device_free) +
                    (gpu ? " free" : " available"),
                "session", "--max-length",
                std::string("use a shorter --max-length or a smaller --prefill-chunk, or ") +
                    (gpu ? "a GPU with more memory" : "a machine with more memory"));
  if (m.device() == Device::Cuda) gpu_context();  // the cuBLASLt workspace is part of the plan
  caches_ = m.make_caches(opt_.max_length);
  arena_ = std::make_unique<Arena>(m.device(), plan_.activations, MemCategory::Activations, "session activations");
  Impl& I = *impl_;
  const Device dev = m.device();
  auto scalar = [&] { return Tensor::zeros({1}, DType::I32, dev, MemCategory::Workspace); };
  I.token = scalar();
  I.pos = scalar();
  I.len = scalar();
  I.step = scalar();
  I.out = scalar();
  I.hdec = Tensor::empty({1, m.hidden()}, m.dtype(), dev, MemCategory::Workspace);
  I.logits = Tensor::empty({1, m.vocab()}, DType::F32, dev, MemCategory::Workspace);
  I.prev = Tensor::empty({1, opt_.max_length + 1}, DType::I32, dev, MemCategory::Workspace);  // + the token after the last
  reset();
#if MAMBASCOPE_HAVE_CUDA
  if (dev == Device::Cuda) MS_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&I.pinned), 4 * sizeof(int32_t)));
#endif
}

Session::~Session() = default;

bool Session::graph_captured() const {
#if MAMBASCOPE_HAVE_CUDA
  return impl_->graph != nullptr;
#else
  return false;
#endif
}

void Session::reset() {
  needs_reset_ = false;
  length_ = 0;
  steps_ = 0;
  // States zeroed in place (a captured graph keeps pointing at them); KV rows past the length are never read.
  for (LayerCache& c : caches_.layers)
    for (Tensor* t : {&c.conv, &c.ssm})
      if (t->defined()) ops::fill_zero(*t);
  std::vector<int32_t> none(static_cast<size_t>(impl_->prev.numel()), -1);
  impl_->prev.copy_from(Tensor::from_i32(none, impl_->prev.shape()));
}

void Session::check_usable() const {
  if (needs_reset_)
    throw Error("an earlier prefill or decode of this session failed part-way, so its caches hold a partial step",
                "session", "caches", "reset the session (/reset in chat) and send the prompt again");
}

template <class F>
auto Session::guarded(F&& step) -> decltype(step()) {
  const size_t mark = arena_->mark();
  try {
    return step();
  } catch (...) {
    arena_->reset(mark);
    needs_reset_ = true;
    throw;
  }
}

void Session::check_room(int64_t n) const {
  check_usable();
  if (length_ + n > opt_.max_length)
    throw Error("the sequence would reach " + std::to_string(length_ + n) + " tokens, the session holds " +
                    std::to_string(opt_.max_length),
                "session", "--max-length", "start a new conversation (/reset) or use a longer --max-length");
}

std::vector<float> Session::prefill(const std::vector<int32_t>& ids, const Tensor& image, int64_t image_at) {
  const Model& m = *model_;
  const int64_t n = static_cast<int64_t>(ids.size());
  if (n == 0) throw Error("nothing to prefill", "session", "prompt", "give a non-empty prompt");
  check_room(n);
  if (image.defined() && (image_at < 0 || image_at + image.dim(0) > n))
    throw Error("image rows [" + std::to_string(image_at) + ", " + std::to_string(image_at + image.dim(0)) +
                    ") fall outside the " + std::to_string(n) + " tokens", "session", "image");
  return guarded([&] {
    Arena& a = *arena_;
    const int64_t chunk = std::max<int64_t>(1, opt_.prefill_chunk);
    for (int64_t c0 = 0; c0 < n; c0 += chunk) {
      const int64_t T = std::min(chunk, n - c0);
      const size_t mark = a.mark();
      Tensor idt = a.tensor({T}, DType::I32);
      idt.copy_from(Tensor::from_i32(std::vector<int32_t>(ids.begin() + c0, ids.begin() + c0 + T), {T}));
      Tensor h = a.tensor({T, m.hidden()}, m.dtype());
      m.embed_tokens(idt, h);
      if (image.defined()) {
        const int64_t r0 = std::max(c0, image_at), r1 = std::min(c0 + T, image_at + image.dim(0));
        if (r0 < r1) ops::copy_rows(image.slice(0, r0 - image_at, r1 - image_at), h, r0 - c0);
      }
      ForwardContext ctx;
      ctx.pos0 = length_;
      ctx.arena = &a;
      m.forward(h, caches_, ctx);
      length_ += T;
      if (c0 + T == n) m.lm_head(h.slice(0, T - 1, T), impl_->logits, &a);
      a.reset(mark);
    }
    return impl_->logits.to_f32_vector();
  });
}

void Session::run_decode_step(const ops::SamplingConfig* sampling) {
  const Model& m = *model_;
  Impl& I = *impl_;
  Arena& a = *arena_;
  const size_t mark = a.mark();
  ForwardContext ctx;
  ctx.pos0 = length_;
  ctx.arena = &a;
  ctx.decode = true;
  if (m.device() == Device::Cuda) {
    ctx.pos_dev = I.pos;
    ctx.len_dev = I.len;
  }
  m.embed_tokens(I.token, I.hdec);
  m.forward(I.hdec, caches_, ctx);
  m.lm_head(I.hdec, I.logits, &a);
  if (sampling) {
    const bool penalty = sampling->repetition_penalty != 1.f;
    ops::sample(I.logits.slice(1, 0, m.config().vocab()), penalty ? I.prev : Tensor(), I.out, *sampling, steps_, &a,
                m.device() == Device::Cuda ? I.step : Tensor());
    // Remember the sampled token for the repetition penalty: prev[pos + 1] = out.
    Tensor prev_rows = I.prev.view({-1, 1});
    ops::copy_rows(I.out.view({1, 1}), prev_rows, length_ + 1, m.device() == Device::Cuda ? I.len : Tensor());
  }
  a.reset(mark);
}

std::vector<float> Session::decode_logits(int32_t token) {
  check_room(1);
  return guarded([&] {
    Impl& I = *impl_;
    const Model& m = *model_;
    I.token.copy_from(Tensor::from_i32({token}, {1}));
    I.pos.copy_from(Tensor::from_i32({static_cast<int32_t>(length_)}, {1}));
    I.len.copy_from(Tensor::from_i32({static_cast<int32_t>(length_ + 1)}, {1}));
    Tensor prev_rows = I.prev.view({-1, 1});
    ops::copy_rows(I.token.view({1, 1}), prev_rows, length_);
    run_decode_step(nullptr);
    (void)m;
    ++length_;
    ++steps_;
    return I.logits.to_f32_vector();
  });
}

int32_t Session::sample_last(const ops::SamplingConfig& sampling) {
  Impl& I = *impl_;
  Arena& a = *arena_;
  const size_t mark = a.mark();
  const bool penalty = sampling.repetition_penalty != 1.f;
  ops::sample(I.logits.slice(1, 0, model_->config().vocab()), penalty ? I.prev : Tensor(), I.out, sampling, steps_, &a);
  a.reset(mark);
  const std::vector<int32_t> v = [&] {
    Tensor h = I.out.device() == Device::Cpu ? I.out : I.out.to(Device::Cpu, MemCategory::Other);
    return std::vector<int32_t>{h.data_as<int32_t>()[0]};
  }();
  return v[0];
}

int32_t Session::decode(int32_t token, const ops::SamplingConfig& sampling) {
  check_room(1);
  return guarded([&] {
    const Model& m = *model_;
    Impl& I = *impl_;
    const int32_t pos = static_cast<int32_t>(length_);
    if (m.device() == Device::Cpu || !opt_.cuda_graphs) {
      I.token.copy_from(Tensor::from_i32({token}, {1}));
      I.pos.copy_from(Tensor::from_i32({pos}, {1}));
      I.len.copy_from(Tensor::from_i32({pos + 1}, {1}));
      I.step.copy_from(Tensor::from_i32({static_cast<int32_t>(steps_)}, {1}));
      Tensor prev_rows = I.prev.view({-1, 1});
      ops::copy_rows(I.token.view({1, 1}), prev_rows, length_);
      run_decode_step(&sampling);
    } else {
#if MAMBASCOPE_HAVE_CUDA
      cudaStream_t s = gpu_context().stream;
      I.pinned[0] = token;
      I.pinned[1] = pos;
      I.pinned[2] = pos + 1;
      I.pinned[3] = static_cast<int32_t>(steps_);
      // One small copy per scalar into the buffers the graph reads (the graph itself never copies from the host).
      MS_CUDA_CHECK(cudaMemcpyAsync(I.token.data(), &I.pinned[0], 4, cudaMemcpyHostToDevice, s));
      MS_CUDA_CHECK(cudaMemcpyAsync(I.pos.data(), &I.pinned[1], 4, cudaMemcpyHostToDevice, s));
      MS_CUDA_CHECK(cudaMemcpyAsync(I.len.data(), &I.pinned[2], 4, cudaMemcpyHostToDevice, s));
      MS_CUDA_CHECK(cudaMemcpyAsync(I.step.data(), &I.pinned[3], 4, cudaMemcpyHostToDevice, s));
      Tensor prev_rows = I.prev.view({-1, 1});
      ops::copy_rows(I.token.view({1, 1}), prev_rows, 0, I.pos);
      const bool same_cfg = I.graph && I.graph_cfg.temperature == sampling.temperature && I.graph_cfg.top_k == sampling.top_k &&
                            I.graph_cfg.top_p == sampling.top_p && I.graph_cfg.repetition_penalty == sampling.repetition_penalty &&
                            I.graph_cfg.seed == sampling.seed;
      if (!same_cfg) {
        if (I.graph) {
          cudaGraphExecDestroy(I.graph);
          I.graph = nullptr;
        }
        cudaGraph_t g = nullptr;
        MS_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
        try {
          run_decode_step(&sampling);
        } catch (...) {
          cudaStreamEndCapture(s, &g);
          if (g) cudaGraphDestroy(g);
          throw;
        }
        MS_CUDA_CHECK(cudaStreamEndCapture(s, &g));
        const cudaError_t e = cudaGraphInstantiate(&I.graph, g, 0);
        cudaGraphDestroy(g);
        MS_CUDA_CHECK(e);
        I.graph_cfg = sampling;
      }
      MS_CUDA_CHECK(cudaGraphLaunch(I.graph, s));
#endif
    }
    ++length_;
    ++steps_;
    Tensor h = I.out.device() == Device::Cpu ? I.out : I.out.to(Device::Cpu, MemCategory::Other);
    return h.data_as<int32_t>()[0];
  });
}

}  // namespace mambascope
