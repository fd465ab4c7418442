// Embedding lookup (kernels/attention.h): one block per token copies its table row with 16-byte accesses
// (or 2-byte ones when the dim or pointers do not allow them); ids outside [0, vocab) give zero rows.
#include "kernels/attention.h"
#include "kernels/attention_common.cuh"

namespace mambascope::kernels {
namespace {

template <int kVec>
__global__ void embedding_kernel(int64_t dim, const int32_t* ids, const __nv_bfloat16* table, int64_t vocab,
                                 __nv_bfloat16* y, int64_t ldy) {
  const int64_t t = blockIdx.x;
  const int32_t id = ids[t];
  const bool valid = id >= 0 && id < vocab;
  const __nv_bfloat16* src = table + (valid ? int64_t{id} : 0) * dim;
  __nv_bfloat16* dst = y + t * ldy;
  for (int64_t c = threadIdx.x * int64_t{kVec}; c < dim; c += int64_t{blockDim.x} * kVec) {
    if constexpr (kVec == 8) {
      uint4 v = valid ? *reinterpret_cast<const uint4*>(src + c) : make_uint4(0, 0, 0, 0);
      *reinterpret_cast<uint4*>(dst + c) = v;
    } else {
      dst[c] = valid ? src[c] : __float2bfloat16_rn(0.f);
    }
  }
}

}  // namespace

cudaError_t embedding(int64_t tokens, int64_t dim, const int32_t* ids, const void* table, int64_t vocab, void* y,
                      int64_t ldy, cudaStream_t s) {
  if (tokens <= 0 || dim <= 0) return cudaSuccess;
  if (tokens > 0x7fffffff) return cudaErrorInvalidValue;
  const auto* tp = static_cast<const __nv_bfloat16*>(table);
  auto* yp = static_cast<__nv_bfloat16*>(y);
  const bool vec = dim % 8 == 0 && ldy % 8 == 0 && detail::aligned16(table) && detail::aligned16(y);
  if (vec) embedding_kernel<8><<<static_cast<unsigned>(tokens), 128, 0, s>>>(dim, ids, tp, vocab, yp, ldy);
  else embedding_kernel<1><<<static_cast<unsigned>(tokens), 128, 0, s>>>(dim, ids, tp, vocab, yp, ldy);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
