#include "engine/ops/rope.h"

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

RopeScaling parse_rope_scaling(const std::string& type, const std::string& where) {
  if (type.empty() || type == "none" || type == "default") return RopeScaling::None;
  if (type == "linear") return RopeScaling::Linear;
  if (type == "dynamic") return RopeScaling::DynamicNtk;
  throw Error("unsupported rope scaling type '" + type + "'", where, "rope_scaling.type",
              "use \"linear\" or \"dynamic\" (the types InternLM2 supports) or remove rope_scaling");
}

void rope(Tensor& q, Tensor& k, const RopeConfig& cfg, int64_t pos_offset, const Tensor& pos_offset_dev) {
  constexpr const char* op = "rope";
  ScopedOp scope(op);
  expect_rank(q, 4, op, "q");
  expect_float(q, op, "q");
  const int64_t B = q.dim(0), L = q.dim(1), D = q.dim(3);
  if (D % 2 != 0 || D > 256) throw Error("head_dim must be even and <= 256 (got " + std::to_string(D) + ")", op, "q");
  if (k.defined()) {
    expect_shape(k, {B, L, -1, D}, op, "k");
    expect_device(k, q.device(), op, "k");
  }
  if (cfg.scaling != RopeScaling::None && !(cfg.factor > 0.f)) throw Error("scaling factor must be positive", op, "rope_scaling.factor");
  if (cfg.scaling == RopeScaling::DynamicNtk && cfg.max_positions <= 0)
    throw Error("dynamic NTK scaling needs max_position_embeddings > 0", op, "max_position_embeddings");
  if (pos_offset_dev.defined()) {
    expect_shape(pos_offset_dev, {1}, op, "pos_offset_dev");
    expect_dtype(pos_offset_dev, DType::I32, op, "pos_offset_dev");
  }
  if (B * L == 0) return;

  if (q.device() == Device::Cpu) {
    if (pos_offset_dev.defined()) pos_offset = pos_offset_dev.to(Device::Cpu).data_as<int32_t>()[0];
    const int64_t total = pos_offset + L;
    for (Tensor* t : {&q, &k}) {
      if (!t->defined()) continue;
      std::vector<float> v = read_f32(*t);
      cpu::rope(v.data(), B, L, static_cast<int>(t->dim(2)), static_cast<int>(D), cfg, pos_offset, total);
      write_f32(*t, v);
    }
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_dtype(q, DType::BF16, op, "q");
  if (D % 4 != 0) throw Error("the CUDA kernel rotates pairs two at a time: head_dim must be a multiple of 4 (got " + std::to_string(D) + ")", op, "q");
  if (q.stride(3) != 1) throw Error("q's last dimension must be dense", op, "q");
  if (k.defined()) {
    expect_dtype(k, DType::BF16, op, "k");
    if (k.stride(3) != 1) throw Error("k's last dimension must be dense", op, "k");
  }
  if (pos_offset_dev.defined()) expect_device(pos_offset_dev, Device::Cuda, op, "pos_offset_dev");
  kernels::RopeArgs a;
  a.batch = B;
  a.len = L;
  a.heads_q = static_cast<int>(q.dim(2));
  a.head_dim = static_cast<int>(D);
  a.q = q.data();
  a.q_batch_stride = q.stride(0);
  a.q_row_stride = q.stride(1);
  a.q_head_stride = q.stride(2);
  if (k.defined()) {
    a.heads_k = static_cast<int>(k.dim(2));
    a.k = k.data();
    a.k_batch_stride = k.stride(0);
    a.k_row_stride = k.stride(1);
    a.k_head_stride = k.stride(2);
  }
  a.base = cfg.theta;
  a.scaling = static_cast<kernels::RopeScaling>(static_cast<int>(cfg.scaling));
  a.factor = cfg.factor;
  a.max_positions = cfg.max_positions;
  a.pos_offset = pos_offset;
  a.pos_offset_dev = pos_offset_dev.defined() ? pos_offset_dev.data_as<int32_t>() : nullptr;
  MS_CUDA_CHECK(kernels::rope(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
