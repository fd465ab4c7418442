// bench-op entries for the attention / transformer op family: prefill and decode attention (with the torch
// SDPA peer measured in the same run: --param peer=torch), norms, RoPE, activations, embedding, sampling and
// the LM's GEMM shapes. Bytes are the fewest the op must move (inputs once, outputs once); FLOPs count a
// multiply-add as 2 (attention: 4 B Hq D Lq Lk, halved when causal, the convention SDPA numbers use).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "engine/bench/op_bench.h"
#include "engine/core/arena.h"
#include "engine/core/error.h"
#include "engine/core/tensor.h"
#include "engine/ops/activation.h"
#include "engine/ops/attention.h"
#include "engine/ops/embedding.h"
#include "engine/ops/fill.h"
#include "engine/ops/linear.h"
#include "engine/ops/norm.h"
#include "engine/ops/rope.h"
#include "engine/ops/sampling.h"

namespace mambascope {

namespace {

using TensorP = std::shared_ptr<Tensor>;

TensorP device_random(const Shape& s, DType dt, uint64_t seed, float scale) {
  auto t = std::make_shared<Tensor>(Tensor::empty(s, dt, Device::Cuda, MemCategory::Workspace));
  ops::fill_uniform(*t, seed, scale);
  return t;
}

TensorP device_empty(const Shape& s, DType dt) {
  return std::make_shared<Tensor>(Tensor::empty(s, dt, Device::Cuda, MemCategory::Workspace));
}

std::vector<int64_t> lens_or(const OpBenchArgs& a, std::vector<int64_t> def) { return a.lens.empty() ? def : a.lens; }

const std::vector<int64_t> kLongLens = {1024, 4096, 16384, 32768, 65536, 103424};

// Runs baselines/torch/sdpa_peer.py for the same shapes and returns its rows by length. The subprocess runs
// (and frees the GPU) before this process allocates its own buffers.
std::map<int64_t, nlohmann::json> torch_peer(const OpBenchArgs& a, const std::string& mode, const std::vector<int64_t>& lens,
                                             int hq, int hkv, int d, int batch, bool causal) {
  std::string ls;
  for (int64_t l : lens) ls += (ls.empty() ? "" : ",") + std::to_string(l);
  const std::string script = std::string(MAMBASCOPE_SOURCE_DIR) + "/baselines/torch/sdpa_peer.py";
  const std::string cmd = a.param_str("python", "python3") + " " + script + " " + mode + " --lens " + ls + " --heads " +
                          std::to_string(hq) + " --kv-heads " + std::to_string(hkv) + " --head-dim " + std::to_string(d) +
                          " --batch " + std::to_string(batch) + " --causal " + (causal ? "1" : "0");
  std::fprintf(stderr, "peer: %s\n", cmd.c_str());
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw Error("cannot start the torch peer", "bench-op", "--param peer", "check that python3 with torch is installed");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int rc = pclose(p);
  if (rc != 0) throw Error("the torch peer failed (exit " + std::to_string(rc) + "): " + out, "bench-op", "--param peer");
  std::map<int64_t, nlohmann::json> rows;
  size_t start = 0;
  while (start < out.size()) {
    const size_t end = out.find('\n', start);
    const std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line[0] == '{') {
      nlohmann::json j = nlohmann::json::parse(line);
      rows[j.at("L").get<int64_t>()] = j;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return rows;
}

void add_peer_notes(OpBenchCase& c, const std::map<int64_t, nlohmann::json>& peer, int64_t len) {
  auto it = peer.find(len);
  if (it == peer.end()) return;
  const nlohmann::json& j = it->second;
  c.notes["peer"] = "torch " + j.value("torch", std::string()) + " SDPA";
  if (j.contains("ms")) {
    char b[64];
    std::snprintf(b, sizeof b, "%.5f", j["ms"].get<double>());
    c.notes["peer_ms"] = b;
    std::snprintf(b, sizeof b, "%.1f", j.value("TFLOPs", 0.0));
    c.notes["peer_TFLOPs"] = b;
    std::snprintf(b, sizeof b, "%.0f", j.value("GBps", 0.0));
    c.notes["peer_GBps"] = b;
    c.notes["peer_backend"] = j.value("best", std::string());
  }
  if (j.contains("summary")) c.notes["peer_backends"] = j["summary"].get<std::string>();
  if (j.contains("default_ms")) {
    char b[64];
    std::snprintf(b, sizeof b, "%.5f", j["default_ms"].get<double>());
    c.notes["peer_default_ms"] = b;
  }
}

std::string dims_str(int hq, int hkv, int d, int batch) {
  return "Hq=" + std::to_string(hq) + " Hkv=" + std::to_string(hkv) + " D=" + std::to_string(d) +
         (batch > 1 ? " B=" + std::to_string(batch) : "");
}

// attention_prefill: causal (default) InternLM2 / HoVLE layer, 16 q heads, 8 kv heads, head dim 128.
std::vector<OpBenchCase> prefill_cases(const OpBenchArgs& a) {
  const int hq = static_cast<int>(a.param_int("heads", 16)), hkv = static_cast<int>(a.param_int("kv_heads", 8));
  const int d = static_cast<int>(a.param_int("headdim", 128)), batch = static_cast<int>(a.param_int("batch", 1));
  const bool causal = a.param_int("causal", 1) != 0;
  const std::string kname = a.param_str("kernel", "auto");
  ops::AttentionOptions opt;
  opt.causal = causal;
  opt.kernel = kname == "mma" ? ops::AttentionKernel::Mma : kname == "wgmma" ? ops::AttentionKernel::Wgmma : ops::AttentionKernel::Auto;
  if (kname != "auto" && kname != "mma" && kname != "wgmma")
    throw Error("unknown kernel '" + kname + "'", "bench-op", "--param kernel", "use auto, mma or wgmma");
  const std::vector<int64_t> lens = lens_or(a, kLongLens);
  std::map<int64_t, nlohmann::json> peer;
  if (a.param_str("peer", "") == "torch") peer = torch_peer(a, "prefill", lens, hq, hkv, d, batch, causal);
  std::vector<OpBenchCase> out;
  uint64_t seed = a.seed;
  for (int64_t len : lens) {
    auto q = device_random({batch, len, hq, d}, DType::BF16, seed++, 1.f);
    auto k = device_random({batch, len, hkv, d}, DType::BF16, seed++, 1.f);
    auto v = device_random({batch, len, hkv, d}, DType::BF16, seed++, 1.f);
    auto o = device_empty({batch, len, hq, d}, DType::BF16);
    OpBenchCase c;
    c.op = "attention_prefill";
    c.dims = dims_str(hq, hkv, d, batch) + (causal ? " causal" : "") + " " + kname;
    c.len = len;
    c.bytes = 2.0 * batch * len * d * (2.0 * hq + 2.0 * hkv);
    c.flops = 4.0 * batch * hq * d * static_cast<double>(len) * len * (causal ? 0.5 : 1.0);
    c.run = [q, k, v, o, opt] { ops::attention_prefill(*q, *k, *v, *o, opt); };
    add_peer_notes(c, peer, len);
    out.push_back(std::move(c));
  }
  return out;
}

// attention_decode: one token against a bf16 cache of `len` rows (the cache's capacity is `len`).
std::vector<OpBenchCase> decode_cases(const OpBenchArgs& a) {
  const int hq = static_cast<int>(a.param_int("heads", 16)), hkv = static_cast<int>(a.param_int("kv_heads", 8));
  const int d = static_cast<int>(a.param_int("headdim", 128)), batch = static_cast<int>(a.param_int("batch", 1));
  const int splits = static_cast<int>(a.param_int("splits", 0));
  const std::vector<int64_t> lens = lens_or(a, kLongLens);
  std::map<int64_t, nlohmann::json> peer;
  if (a.param_str("peer", "") == "torch") peer = torch_peer(a, "decode", lens, hq, hkv, d, batch, false);
  auto arena = std::make_shared<Arena>(Device::Cuda, size_t{64} << 20, MemCategory::Workspace, "decode-bench");
  std::vector<OpBenchCase> out;
  uint64_t seed = a.seed;
  for (int64_t len : lens) {
    auto q = device_random({batch, hq, d}, DType::BF16, seed++, 1.f);
    auto k = device_random({batch, len, hkv, d}, DType::BF16, seed++, 1.f);
    auto v = device_random({batch, len, hkv, d}, DType::BF16, seed++, 1.f);
    auto o = device_empty({batch, hq, d}, DType::BF16);
    OpBenchCase c;
    c.op = "attention_decode";
    c.dims = dims_str(hq, hkv, d, batch) + (splits > 0 ? " splits=" + std::to_string(splits) : "");
    c.len = len;
    c.bytes = 2.0 * batch * (2.0 * len * hkv * d + 2.0 * hq * d);
    c.flops = 4.0 * batch * hq * d * static_cast<double>(len);
    c.run = [q, k, v, o, len, arena, splits] {
      arena->reset();
      ops::DecodeOptions opt;
      opt.arena = arena.get();
      opt.num_splits = splits;
      ops::attention_decode(*q, *k, *v, *o, len, opt);
    };
    add_peer_notes(c, peer, len);
    out.push_back(std::move(c));
  }
  return out;
}

// add_rms_norm / add_layer_norm over `len` rows: the pre-norm residual step (residual f32 by default, as
// the Mamba LM's residual_in_fp32), or the plain norm with --param residual=none.
std::vector<OpBenchCase> norm_cases(const OpBenchArgs& a, bool layer) {
  const int64_t D = a.param_int("dim", layer ? 1024 : 2560);
  const std::string res = a.param_str("residual", "f32");
  if (res != "f32" && res != "bf16" && res != "none") throw Error("residual must be f32, bf16 or none", "bench-op", "--param residual");
  auto w = device_random({D}, DType::BF16, a.seed + 1, 1.f), b = device_random({D}, DType::BF16, a.seed + 2, 1.f);
  std::vector<OpBenchCase> out;
  for (int64_t len : lens_or(a, {1, 4096, 16384, 103424})) {
    auto x = device_random({len, D}, DType::BF16, a.seed, 1.f);
    auto y = device_empty({len, D}, DType::BF16);
    TensorP r = res == "none" ? nullptr : device_random({len, D}, res == "f32" ? DType::F32 : DType::BF16, a.seed + 3, 1.f);
    OpBenchCase c;
    c.op = layer ? "layer_norm" : "rms_norm";
    c.dims = "D=" + std::to_string(D) + (res == "none" ? "" : " +residual " + res);
    c.len = len;
    const double rb = res == "f32" ? 4 : res == "bf16" ? 2 : 0;
    c.bytes = static_cast<double>(len) * D * (2 + 2 + 2 * rb);
    c.flops = 4.0 * len * D;
    c.run = [x, y, r, w, b, layer] {
      if (r) {
        if (layer) ops::add_layer_norm(*x, *r, *w, *b, *y, 1e-6f);
        else ops::add_rms_norm(*x, *r, *w, *y, 1e-6f);
      } else {
        if (layer) ops::layer_norm(*x, *w, *b, *y, 1e-6f);
        else ops::rms_norm(*x, *w, *y, 1e-6f);
      }
    };
    out.push_back(std::move(c));
  }
  return out;
}

// rope on q and k of `len` tokens, InternLM2 sizes (views into a fused QKV projection, as in the model).
std::vector<OpBenchCase> rope_cases(const OpBenchArgs& a) {
  const int64_t hq = a.param_int("heads", 16), hkv = a.param_int("kv_heads", 8), d = a.param_int("headdim", 128);
  ops::RopeConfig cfg;
  cfg.theta = 1000000.f;
  cfg.scaling = ops::RopeScaling::DynamicNtk;
  cfg.factor = 2.f;
  cfg.max_positions = 32768;
  std::vector<OpBenchCase> out;
  for (int64_t len : lens_or(a, {1, 4096, 16384, 103424})) {
    auto qkv = device_random({1, len, hq + 2 * hkv, d}, DType::BF16, a.seed, 1.f);
    OpBenchCase c;
    c.op = "rope";
    c.dims = "Hq=" + std::to_string(hq) + " Hkv=" + std::to_string(hkv) + " D=" + std::to_string(d) + " dynamic-ntk";
    c.len = len;
    c.bytes = 2.0 * 2.0 * len * (hq + hkv) * d;
    c.flops = 3.0 * len * (hq + hkv) * d;
    c.run = [qkv, hq, hkv, cfg] {
      Tensor q = qkv->slice(2, 0, hq), k = qkv->slice(2, hq, hq + hkv);
      ops::rope(q, k, cfg, 0);
    };
    out.push_back(std::move(c));
  }
  return out;
}

// swiglu: y = silu(gate) * up on a fused [len, 2n] projection (InternLM2's MLP, n = 8192); gelu: exact
// GELU in place on [len, n] (ViT-L MLP, n = 4096).
std::vector<OpBenchCase> act_cases(const OpBenchArgs& a, bool gated) {
  const int64_t n = a.param_int("n", gated ? 8192 : 4096);
  std::vector<OpBenchCase> out;
  for (int64_t len : lens_or(a, {1, 4096, 16384})) {
    OpBenchCase c;
    c.len = len;
    if (gated) {
      auto gu = device_random({len, 2 * n}, DType::BF16, a.seed, 2.f);
      auto y = device_empty({len, n}, DType::BF16);
      c.op = "swiglu";
      c.dims = "n=" + std::to_string(n);
      c.bytes = 3.0 * 2 * len * n;
      c.run = [gu, y, n] { ops::gated_activation(gu->slice(1, 0, n), gu->slice(1, n, 2 * n), *y, ops::Activation::Silu); };
    } else {
      auto x = device_random({len, n}, DType::BF16, a.seed, 2.f);
      c.op = "gelu_erf";
      c.dims = "n=" + std::to_string(n) + " in place";
      c.bytes = 2.0 * 2 * len * n;
      c.run = [x] { ops::activation(*x, *x, ops::Activation::GeluErf); };
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<OpBenchCase> embedding_cases(const OpBenchArgs& a) {
  const int64_t vocab = a.param_int("vocab", 92544), dim = a.param_int("dim", 2048);
  auto table = device_random({vocab, dim}, DType::BF16, a.seed, 1.f);
  std::vector<OpBenchCase> out;
  for (int64_t len : lens_or(a, {1, 4096, 16384})) {
    std::vector<int32_t> ids(static_cast<size_t>(len));
    for (int64_t i = 0; i < len; ++i) ids[i] = static_cast<int32_t>((i * 7919 + 13) % vocab);
    auto idd = std::make_shared<Tensor>(Tensor::from_i32(ids, {len}).to(Device::Cuda, MemCategory::Workspace));
    auto y = device_empty({len, dim}, DType::BF16);
    OpBenchCase c;
    c.op = "embedding";
    c.dims = "vocab=" + std::to_string(vocab) + " dim=" + std::to_string(dim);
    c.len = len;
    c.bytes = 2.0 * 2 * len * dim + 4.0 * len;
    c.run = [idd, table, y] { ops::embedding(*idd, *table, *y); };
    out.push_back(std::move(c));
  }
  return out;
}

// sample: one decode step's logits -> token (len = batch rows), InternLM2's vocabulary.
std::vector<OpBenchCase> sample_cases(const OpBenchArgs& a) {
  const int64_t vocab = a.param_int("vocab", 92544);
  ops::SamplingConfig cfg;
  cfg.temperature = static_cast<float>(a.param_double("temperature", 0.7));
  cfg.top_k = static_cast<int>(a.param_int("top_k", 50));
  cfg.top_p = static_cast<float>(a.param_double("top_p", 0.9));
  cfg.repetition_penalty = static_cast<float>(a.param_double("penalty", 1.1));
  auto arena = std::make_shared<Arena>(Device::Cuda, size_t{64} << 20, MemCategory::Workspace, "sample-bench");
  std::vector<OpBenchCase> out;
  for (int64_t batch : lens_or(a, {1, 8})) {
    auto logits = device_random({batch, vocab}, DType::F32, a.seed, 8.f);
    std::vector<int32_t> prev(static_cast<size_t>(batch * 64));
    for (size_t i = 0; i < prev.size(); ++i) prev[i] = static_cast<int32_t>((i * 104729) % vocab);
    auto prevd = std::make_shared<Tensor>(Tensor::from_i32(prev, {batch, 64}).to(Device::Cuda, MemCategory::Workspace));
    auto tok = device_empty({batch}, DType::I32);
    OpBenchCase c;
    c.op = "sample";
    char d[160];
    std::snprintf(d, sizeof d, "vocab=%lld T=%.2g top_k=%d top_p=%.2g penalty=%.2g", static_cast<long long>(vocab),
                  cfg.temperature, cfg.top_k, cfg.top_p, cfg.repetition_penalty);
    c.dims = d;
    c.len = batch;
    c.bytes = 4.0 * batch * vocab;
    c.run = [logits, prevd, tok, cfg, arena] {
      arena->reset();
      ops::sample(*logits, *prevd, *tok, cfg, 1, arena.get());
    };
    out.push_back(std::move(c));
  }
  return out;
}

// linear_lm: the projections of the language models at M = len tokens. `model` = internlm2-1.8b (the
// transformer baseline / HoVLE LM), mamba2-2.7b (ML-Mamba's LM), vit-l (DINOv2 MLP with each GELU path) or all.
std::vector<OpBenchCase> linear_lm_cases(const OpBenchArgs& a) {
  struct Shape3 { const char* model; const char* name; int64_t n, k; ops::LinearAct act; bool bias; };
  const std::vector<Shape3> all = {
      {"internlm2-1.8b", "wqkv", 4096, 2048, ops::LinearAct::None, false},
      {"internlm2-1.8b", "wo", 2048, 2048, ops::LinearAct::None, false},
      {"internlm2-1.8b", "w1|w3", 16384, 2048, ops::LinearAct::None, false},
      {"internlm2-1.8b", "w2", 2048, 8192, ops::LinearAct::None, false},
      {"internlm2-1.8b", "output", 92544, 2048, ops::LinearAct::None, false},
      {"mamba2-2.7b", "in_proj", 10576, 2560, ops::LinearAct::None, false},
      {"mamba2-2.7b", "out_proj", 2560, 5120, ops::LinearAct::None, false},
      {"mamba2-2.7b", "lm_head", 50288, 2560, ops::LinearAct::None, false},
      {"vit-l", "fc1", 4096, 1024, ops::LinearAct::None, true},
      {"vit-l", "fc1+gelu_tanh(epilogue)", 4096, 1024, ops::LinearAct::GeluTanh, true},
      {"vit-l", "fc1+gelu_erf(+pass)", 4096, 1024, ops::LinearAct::GeluErf, true},
  };
  const std::string model = a.param_str("model", "all");
  std::vector<OpBenchCase> out;
  for (int64_t len : lens_or(a, {1, 512, 4096, 16384}))
    for (const Shape3& s : all) {
      if (model != "all" && model != s.model) continue;
      auto x = device_random({len, s.k}, DType::BF16, a.seed, 1.f);
      auto w = device_random({s.n, s.k}, DType::BF16, a.seed + 1, 0.02f);
      auto b = s.bias ? device_random({s.n}, DType::BF16, a.seed + 2, 0.1f) : nullptr;
      auto y = device_empty({len, s.n}, DType::BF16);
      OpBenchCase c;
      c.op = "linear_lm";
      c.dims = std::string(s.model) + " " + s.name + " " + std::to_string(s.k) + "->" + std::to_string(s.n);
      c.len = len;
      c.bytes = 2.0 * (len * s.k + s.n * s.k + len * s.n);
      c.flops = 2.0 * len * s.n * s.k;
      const ops::LinearAct act = s.act;
      c.run = [x, w, b, y, act] { ops::linear(*x, *w, b ? *b : Tensor(), *y, 0.f, act); };
      out.push_back(std::move(c));
    }
  if (out.empty()) throw Error("unknown model '" + model + "'", "bench-op", "--param model", "use internlm2-1.8b, mamba2-2.7b, vit-l or all");
  return out;
}

}  // namespace

void register_attention_op_benches() {
  register_op_bench("attention_prefill",
                    "flash-attention prefill (--param heads=16 kv_heads=8 headdim=128 causal=1 batch=1 kernel=auto|mma|wgmma "
                    "peer=torch; --len = tokens)",
                    prefill_cases);
  register_op_bench("attention_decode",
                    "split-K decode attention, one token vs a bf16 KV cache (--param heads kv_heads headdim batch splits "
                    "peer=torch; --len = cache rows)",
                    decode_cases);
  register_op_bench("rms_norm", "residual add + RMSNorm (--param dim=2560 residual=f32|bf16|none; --len = rows)",
                    [](const OpBenchArgs& a) { return norm_cases(a, false); });
  register_op_bench("layer_norm", "residual add + LayerNorm with bias (--param dim=1024 residual=f32|bf16|none)",
                    [](const OpBenchArgs& a) { return norm_cases(a, true); });
  register_op_bench("rope", "RoPE on q and k in place, dynamic NTK (--param heads=16 kv_heads=8 headdim=128)", rope_cases);
  register_op_bench("swiglu", "silu(gate) * up on a fused projection (--param n=8192)",
                    [](const OpBenchArgs& a) { return act_cases(a, true); });
  register_op_bench("gelu_erf", "exact GELU in place (--param n=4096)", [](const OpBenchArgs& a) { return act_cases(a, false); });
  register_op_bench("embedding", "token embedding lookup (--param vocab=92544 dim=2048)", embedding_cases);
  register_op_bench("sample", "logits -> token: penalty, temperature, top-k, top-p (--param vocab temperature top_k top_p penalty; --len = batch)",
                    sample_cases);
  register_op_bench("linear_lm", "cuBLASLt GEMMs at the LMs' projection shapes (--param model=internlm2-1.8b|mamba2-2.7b|vit-l|all)",
                    linear_lm_cases);
}

}  // namespace mambascope
