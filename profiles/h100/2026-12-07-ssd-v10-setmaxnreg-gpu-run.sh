#!/usr/bin/env bash
# variants of the SSD kernel in one call: v8 (main) baseline, v10, v10regs, v8regs (tests + benches each), v8 again.
# The kernels were copied into the git-ignored .carry/var/ before the call:
#   v8.cu      = git show 2165b17:kernels/ssd_chunk_scan_sm90.cu
#   v8regs.cu  = git show 63bc1c4:kernels/ssd_chunk_scan_sm90.cu   (setmaxnreg 176/152, one x^T fragment buffer)
#   v10.cu     = git show e7c346b:kernels/ssd_chunk_scan_sm90.cu   (branch ssd-persistent-wip)
#   v10regs.cu = e7c346b with 63bc1c4's change applied (the three conflicts: both sides kept)
# and .carry/sha = the commit the tree was at (recorded in the bench JSON). Run: bash <this script> with $OUT set.
set -u
B=/root/build-main; mkdir -p $OUT
export MAMBASCOPE_GIT_SHA=$(cat .carry/sha)
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /tmp/cmake.log 2>&1
t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
echo "build $(( $(date +%s) - t0 ))s"
M=$B/app/mambascope
bench() { # $1 tag
  timeout 40 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,32k,101k --param kernel=wgmma --json $OUT/ssd-$1-27b.json 2>&1 | grep "^| ssd\|rror"
  timeout 15 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma --json $OUT/ssd-$1-d2048.json 2>&1 | grep "^| ssd\|rror"
}
echo "== v8"; bench v8a
for v in v10 v10regs v8regs; do
  echo "== $v"; cp .carry/var/$v.cu kernels/ssd_chunk_scan_sm90.cu
  t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > /tmp/b-$v.log 2>&1 || { tail -20 /tmp/b-$v.log; continue; }
  echo "rebuild $(( $(date +%s) - t0 ))s"
  bench $v
  t0=$(date +%s); timeout 90 $B/tests/mambascope_tests "[gpu][mamba2],[sass]" > $OUT/test-$v.log 2>&1; echo "tests rc $? ($(( $(date +%s) - t0 ))s)"; grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/test-$v.log | head -8
  grep "wgmma vs mma.sync" $OUT/test-$v.log | awk '{print $(NF-2), $NF}' | sort -g | tail -1
done
echo "== v8 again"; cp .carry/var/v8.cu kernels/ssd_chunk_scan_sm90.cu; cmake --build $B -j16 --target mambascope > /tmp/b2.log 2>&1; bench v8b
