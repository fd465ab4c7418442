#!/usr/bin/env bash
# TMA version (tree as is: git 6e08e75): GPU tests, sanitizers on the tiny case, benches; then v8regs, v8, TMA again.
# Before the call: .carry/var/v8s.cu and v8regss.cu = the kernels of 2165b17 and 63bc1c4 with
#   namespace mambascope::kernels { bool ssd_chunk_scan_sm90_supported(const SsdScanArgs&) { return true; } }
# appended (the dispatcher of 6e08e75 calls it); .carry/sha = the tree's commit.
set -u
B=/root/build-main; mkdir -p $OUT/logs
export MAMBASCOPE_GIT_SHA=$(cat .carry/sha)
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /tmp/cmake.log 2>&1
t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > $OUT/logs/build.log 2>&1 || { tail -30 $OUT/logs/build.log; exit 1; }
echo "build $(( $(date +%s) - t0 ))s"
M=$B/app/mambascope; T=$B/tests/mambascope_tests
cp kernels/ssd_chunk_scan_sm90.cu /tmp/tma.cu
bench() { # $1 tag [$2 json]
  local j27= jd=; if [ -n "${2:-}" ]; then j27="--json $OUT/ssd-$1-27b.json"; jd="--json $OUT/ssd-$1-d2048.json"; fi
  timeout 40 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=wgmma $j27 2>&1 | grep "^| ssd\|rror"
  timeout 15 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma $jd 2>&1 | grep "^| ssd\|rror"
}
echo "== tma"; bench tma json
t0=$(date +%s); timeout 150 $T "[gpu][mamba2],[sass],[gpu][attention]" > $OUT/logs/test-tma.log 2>&1; echo "tests rc $? ($(( $(date +%s) - t0 ))s)"; grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/logs/test-tma.log | head -12
grep "wgmma vs mma.sync" $OUT/logs/test-tma.log | awk '{print $(NF-2), $NF}' | sort -g | tail -1
S=/usr/local/cuda-13.0/bin/compute-sanitizer
for tool in memcheck racecheck synccheck; do
  timeout 60 $S --tool $tool $T "the CUDA SSD scan matches the CPU reference at tiny dims" > $OUT/logs/san-$tool.log 2>&1; echo "$tool rc $?: $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|hazard' $OUT/logs/san-$tool.log | tail -1)"
done
for v in v8regss v8s; do
  echo "== $v"; cp .carry/var/$v.cu kernels/ssd_chunk_scan_sm90.cu
  cmake --build $B -j16 --target mambascope > $OUT/logs/b-$v.log 2>&1 || { tail -20 $OUT/logs/b-$v.log; continue; }
  bench $v
done
echo "== tma again"; cp /tmp/tma.cu kernels/ssd_chunk_scan_sm90.cu; cmake --build $B -j16 --target mambascope > $OUT/logs/b-tma2.log 2>&1; bench tma2
tar czf $OUT/logs.tgz -C $OUT logs && rm -rf $OUT/logs
