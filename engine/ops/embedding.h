#pragma once
// Embedding lookup: y[t, :] = table[ids[t], :]. ids i32 [...] (any shape), table [vocab, dim], y [..., dim].
// An id outside [0, vocab) gives a zero row on both devices (a kernel cannot raise mid-graph); tokenizers
// never produce one. CPU: any float table/y. CUDA: bf16 table and y, contiguous ids.
#include "engine/core/tensor.h"

namespace mambascope::ops {

void embedding(const Tensor& ids, const Tensor& table, Tensor& y);

}  // namespace mambascope::ops
