#pragma once
// Internal to the SSD scan (ssd_chunk_scan.cu dispatches): the Hopper wgmma kernel for headdim 64 and
// d_state 128. The caller has zeroed the H progress flags and the ticket of the workspace (kernels/mamba2.h);
// k heads per CTA (a divisor of H/G, at most 8), nchunks chunks of 256 tokens, nhb = H / k head blocks.
#include <cuda_runtime.h>

#include "kernels/mamba2.h"

namespace mambascope::kernels {

// The kernel reads x, B and C with bulk tensor copies: each 16-byte aligned with a row stride that is a multiple
// of 8 elements, and L < 2^31.
bool ssd_chunk_scan_sm90_supported(const SsdScanArgs& a);
cudaError_t ssd_chunk_scan_sm90(const SsdScanArgs& a, int k, int nchunks, int nhb, float* ring, unsigned* flags, unsigned* ticket,
                                cudaStream_t s);

}  // namespace mambascope::kernels
