#!/usr/bin/env bash
# final call: the persistent kernel (tree as is): benches with JSON, GPU tests; then version 8 in the same run.
set -u
B=/root/build-main; mkdir -p $OUT
export MAMBASCOPE_GIT_SHA=43cb386bb47f72ea80962802a1f7c75b128c50e8
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /tmp/cmake.log 2>&1
t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
echo "build $(( $(date +%s) - t0 ))s"
M=$B/app/mambascope
timeout 40 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=wgmma --json $OUT/ssd-v9-wgmma.json 2>&1 | grep "^| ssd\|rror"
t0=$(date +%s); timeout 60 $B/tests/mambascope_tests "[gpu][mamba2],[sass]" > $OUT/test.log 2>&1; echo "tests rc $? ($(( $(date +%s) - t0 ))s)"; grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/test.log | head -12
grep "wgmma vs mma.sync" $OUT/test.log | awk '{print $(NF-2), $NF}' | sort -g | tail -1
timeout 15 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma --json $OUT/ssd-v9-d2048-wgmma.json 2>&1 | grep "^| ssd\|rror"
# The call copied the version-8 kernel from a file it carried; from a clone, the same source is:
echo "== v8 same run"; git show 13d2861:kernels/ssd_chunk_scan_sm90.cu > kernels/ssd_chunk_scan_sm90.cu; cmake --build $B -j16 --target mambascope > /tmp/b2.log 2>&1
timeout 15 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 32k,101k --param kernel=wgmma 2>&1 | grep "^| ssd\|rror"
timeout 10 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma 2>&1 | grep "^| ssd\|rror"
