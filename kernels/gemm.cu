// bf16 GEMM through cuBLASLt (f32 accumulation). Row-major y = x * w^T is computed as the column-major
// product y^T = w^T(op T) * x^T, the "TN" layout cuBLAS is fastest in. Descriptors, layouts and the
// heuristic's algorithm are cached per shape/stride/epilogue, so a call costs a few attribute sets plus
// the launch (and nothing at all inside a replayed CUDA graph).
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "kernels/kernels.h"

namespace mambascope::kernels {
namespace {

using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool, int, int64_t, int64_t, int64_t,
                       int64_t, bool, cublasLtHandle_t, size_t>;

struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
  cublasLtMatmulAlgo_t algo{};
  ~Plan() {
    if (la) cublasLtMatrixLayoutDestroy(la);
    if (lb) cublasLtMatrixLayoutDestroy(lb);
    if (lc) cublasLtMatrixLayoutDestroy(lc);
    if (desc) cublasLtMatmulDescDestroy(desc);
  }
};

std::mutex g_mu;
std::map<Key, std::unique_ptr<Plan>> g_plans;

#define LT_TRY(x)                                  \
  do {                                             \
    cublasStatus_t st_ = (x);                      \
    if (st_ != CUBLAS_STATUS_SUCCESS) return st_;  \
  } while (0)

cublasStatus_t make_layout(cublasLtMatrixLayout_t* l, cudaDataType t, int64_t rows, int64_t cols, int64_t ld,
                           int64_t batch, int64_t stride) {
  LT_TRY(cublasLtMatrixLayoutCreate(l, t, static_cast<uint64_t>(rows), static_cast<uint64_t>(cols), ld));
  if (batch > 1) {
    const int32_t b = static_cast<int32_t>(batch);
    LT_TRY(cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &b, sizeof b));
    LT_TRY(cublasLtMatrixLayoutSetAttribute(*l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof stride));
  }
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t build_plan(cublasLtHandle_t lt, const GemmArgs& a, size_t ws_bytes, Plan& p) {
  LT_TRY(cublasLtMatmulDescCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  const cublasOperation_t tA = CUBLAS_OP_T, tB = CUBLAS_OP_N;
  LT_TRY(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &tA, sizeof tA));
  LT_TRY(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &tB, sizeof tB));
  cublasLtEpilogue_t ep = CUBLASLT_EPILOGUE_DEFAULT;
  switch (a.epilogue) {
    case GemmEpilogue::None: ep = CUBLASLT_EPILOGUE_DEFAULT; break;
    case GemmEpilogue::Bias: ep = CUBLASLT_EPILOGUE_BIAS; break;
    case GemmEpilogue::GeluTanh: ep = CUBLASLT_EPILOGUE_GELU; break;
    case GemmEpilogue::BiasGeluTanh: ep = CUBLASLT_EPILOGUE_GELU_BIAS; break;
  }
  LT_TRY(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &ep, sizeof ep));
  const cudaDataType yt = a.y_f32 ? CUDA_R_32F : CUDA_R_16BF;
  if (a.bias) {
    LT_TRY(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &yt, sizeof yt));
  }
  // Column-major view: A = w (k x n, ld ldw) transposed, B = x (k x m, ld ldx), C = y (n x m, ld ldy).
  LT_TRY(make_layout(&p.la, CUDA_R_16BF, a.k, a.n, a.ldw, a.batch, a.stride_w));
  LT_TRY(make_layout(&p.lb, CUDA_R_16BF, a.k, a.m, a.ldx, a.batch, a.stride_x));
  LT_TRY(make_layout(&p.lc, yt, a.n, a.m, a.ldy, a.batch, a.stride_y));
  cublasLtMatmulPreference_t pref = nullptr;
  LT_TRY(cublasLtMatmulPreferenceCreate(&pref));
  cublasStatus_t st =
      cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws_bytes, sizeof ws_bytes);
  cublasLtMatmulHeuristicResult_t res{};
  int found = 0;
  if (st == CUBLAS_STATUS_SUCCESS)
    st = cublasLtMatmulAlgoGetHeuristic(lt, p.desc, p.la, p.lb, p.lc, p.lc, pref, 1, &res, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  LT_TRY(st);
  if (found == 0) return CUBLAS_STATUS_NOT_SUPPORTED;
  p.algo = res.algo;
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

cublasStatus_t gemm_bf16(cublasLtHandle_t lt, const GemmArgs& a, void* workspace, size_t workspace_bytes,
                         cudaStream_t s) {
  if (a.m <= 0 || a.n <= 0 || a.k <= 0) return CUBLAS_STATUS_INVALID_VALUE;
  const bool has_bias = a.epilogue == GemmEpilogue::Bias || a.epilogue == GemmEpilogue::BiasGeluTanh;
  if (has_bias != (a.bias != nullptr)) return CUBLAS_STATUS_INVALID_VALUE;
  const Key key{a.m, a.n, a.k, a.ldx, a.ldw, a.ldy, a.y_f32, static_cast<int>(a.epilogue), a.batch,
                a.stride_x, a.stride_w, a.stride_y, a.bias != nullptr, lt, workspace_bytes};
  Plan* plan = nullptr;
  {
    std::lock_guard lock(g_mu);
    auto it = g_plans.find(key);
    if (it == g_plans.end()) {
      auto p = std::make_unique<Plan>();
      LT_TRY(build_plan(lt, a, workspace_bytes, *p));
      it = g_plans.emplace(key, std::move(p)).first;
    }
    plan = it->second.get();
    // The bias pointer is a descriptor attribute: set it under the lock, then launch under it too so that
    // two threads sharing a plan cannot interleave.
    if (a.bias) LT_TRY(cublasLtMatmulDescSetAttribute(plan->desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &a.bias, sizeof a.bias));
    return cublasLtMatmul(lt, plan->desc, &a.alpha, a.w, plan->la, a.x, plan->lb, &a.beta, a.y, plan->lc, a.y, plan->lc,
                          &plan->algo, workspace, workspace_bytes, s);
  }
}

}  // namespace mambascope::kernels
