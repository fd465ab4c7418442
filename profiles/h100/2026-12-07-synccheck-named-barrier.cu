// Does compute-sanitizer's synccheck flag a named barrier that warps reach at different instructions?
// The SSD scan's kBarFull (ssd_chunk_scan_sm90.cu) is reached by consumer<0> and consumer<1> (two template
// instantiations, two BAR.SYNC instructions) and the producer's BAR.ARV; synccheck reports every thread of
// consumer<1> there ("Divergent thread(s) in block"). PTX allows it: bar.sync is .aligned per warp only.
// Two kernels of the same shape, 384 threads: warps 0-3 and 4-7 sync on barrier 1 (count 384), warps 8-11
// arrive on it; `split` = the consumers' bar.sync at two instructions (templates), `same` = at one.
//   nvcc -arch=sm_90a -lineinfo -o /tmp/nb 2026-12-07-synccheck-named-barrier.cu
//   /tmp/nb; compute-sanitizer --tool synccheck /tmp/nb split; compute-sanitizer --tool synccheck /tmp/nb same
// H100 80GB HBM3, CUDA 13.0, 2026-12-07 (one run, both kernels in one process; the argument came after):
//   without the tool: "split (two bar.sync instructions): no error, sums 1280 1280, producer count 4" and the
//   same line for `same` -- the pattern synchronises correctly;
//   under synccheck: "Barrier error detected. Divergent thread(s) in block ... by thread (224,0,0) ...
//   consumer_t<(int)1> ... :16", "ERROR SUMMARY: 128 errors" -- every thread of the second instruction's
//   warps, the SSD scan's signature exactly; the tool then aborts the kernel (`same` could not run after it in
//   that process: sticky error; hence the argument).
#include <cstdio>

__device__ __forceinline__ void bar_sync(int id, int n) { asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(n) : "memory"); }
__device__ __forceinline__ void bar_arrive(int id, int n) { asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(n) : "memory"); }

__device__ __forceinline__ int volatile_read(const int* p) { return *static_cast<const volatile int*>(p); }

template <int G>
__device__ __noinline__ void consumer_t(int* out, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    bar_sync(1, 384);
    atomicAdd(out + G, volatile_read(out + 2));
    bar_arrive(2, 384);
  }
}


__device__ __noinline__ void consumer_same(int* out, int g, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    bar_sync(1, 384);
    atomicAdd(out + g, volatile_read(out + 2));
    bar_arrive(2, 384);
  }
}

// The producer arrives on barrier 1 and then waits on barrier 2 (which the consumers arrive on after their sync),
// so it never runs a phase ahead (an arrive-only loop would let its next arrivals count in the current phase).
__device__ void producer(int* out, int rounds) {
  for (int r = 0; r < rounds; ++r) {
    if (threadIdx.x == 256) atomicAdd(out + 2, 1);
    __threadfence_block();
    bar_arrive(1, 384);
    bar_sync(2, 384);
  }
}

__global__ void split(int* out, int rounds) {
  const int warp = threadIdx.x / 32;
  if (warp < 4) consumer_t<0>(out, rounds);
  else if (warp < 8) consumer_t<1>(out, rounds);
  else producer(out, rounds);
}
__global__ void same(int* out, int rounds) {
  const int warp = threadIdx.x / 32;
  if (warp < 8) consumer_same(out, warp / 4, rounds);
  else producer(out, rounds);
}

int main(int argc, char** argv) {
  const bool run_split = argc < 2 || (argv[1][0] == 's' && argv[1][1] == 'p');
  const bool run_same = argc < 2 || (argv[1][0] == 's' && argv[1][1] == 'a');
  int* d;
  cudaMalloc(&d, 3 * sizeof(int));
  for (int k = 0; k < 2; ++k) {
    if (!(k == 0 ? run_split : run_same)) continue;
    cudaMemset(d, 0, 3 * sizeof(int));
    if (k == 0) split<<<1, 384>>>(d, 4); else same<<<1, 384>>>(d, 4);
    const cudaError_t e = cudaDeviceSynchronize();
    int h[3];
    cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost);
    std::printf("%s: %s, sums %d %d, producer count %d\n", k == 0 ? "split (two bar.sync instructions)" : "same (one bar.sync instruction)",
                cudaGetErrorString(e), h[0], h[1], h[2]);
  }
  cudaFree(d);
  return 0;
}
