#!/usr/bin/env bash
# For branch ssd-v13 (2026-12-08): version 13 = one consumer code path (78 KB of SASS instead of 106). One call:
#  1. build the tree; GPU tests of the Hopper kernels, synccheck (version 11 drew 128 reports from the tool's model
#     of named barriers reached at two bar.sync instructions; one code path leaves one) and memcheck on the scan;
#  2. same-call A/B at 103,424 tokens (2.7b dims), interleaved rounds: version 11 (main's kernel), version 13 (the
#     tree), and "overlap" (version 13 + the high tile's C S_prev^T issued before the low tile's stores), one bench
#     each per round; the overlap variant's GPU tests;
#  3. the tree's JSON benches (1K..103K, 2048-wide) and, with the time left, ncu's stall breakdown.
# Before the call: .carry/var13 holds v11.cu, overlap.cu and sha (the device copy has no .git); carry .deps and .carry.
set -u
CALL_T0=$(date +%s); el() { echo $(( $(date +%s) - CALL_T0 )); }
LIMIT=${LIMIT:-585}; at() { echo $(( LIMIT * $1 / 585 )); }
B=/root/build-v13; mkdir -p $OUT/logs
K=kernels/ssd_chunk_scan_sm90.cu; V=.carry/var13
[ -f $V/v11.cu ] && [ -f $V/overlap.cu ] || { echo "variants missing in $V"; exit 1; }
cp $K $V/tree.cu
export MAMBASCOPE_GIT_SHA=$(cat $V/sha)
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /tmp/cmake.log 2>&1
t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > $OUT/logs/build.log 2>&1 || { tail -30 $OUT/logs/build.log; exit 1; }
echo "build $(( $(date +%s) - t0 ))s"
M=$B/app/mambascope; T=$B/tests/mambascope_tests; S=/usr/local/cuda-13.0/bin/compute-sanitizer
tests() {  # $1 name, $2 filter
  local t0=$(date +%s); timeout 150 $T "$2" > $OUT/logs/test-$1.log 2>&1; echo "$1 tests rc $? ($(( $(date +%s) - t0 ))s)"
  grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/logs/test-$1.log | head -10
  grep "wgmma vs mma.sync" $OUT/logs/test-$1.log | awk '{print "  worst wgmma vs mma.sync y", $(NF-2), "state", $NF}' | sort -k6 -g | tail -1
}
san() {  # $1 name, $2 tool, $3 test
  timeout 40 $S --tool $2 $T "$3" > $OUT/logs/san-$1-$2.log 2>&1; echo "$1 $2 rc $?: $(grep -E 'ERROR SUMMARY' $OUT/logs/san-$1-$2.log | tail -1)"
}
SSD_TINY="the CUDA SSD scan matches the CPU reference at tiny dims"
tests tree "[gpu][mamba2],[sass],[gpu][attention],[kernels]"
san tree synccheck "$SSD_TINY"; san tree memcheck "$SSD_TINY"
bench() { timeout 30 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 101k --param kernel=wgmma 2>&1 | grep "^| ssd\|rror" | awk -v v=$1 '{print v, $0}'; }
cur=tree
for round in 1 2 3 4; do
  for v in v11 tree overlap; do
    [ $(el) -gt $(at 400) ] && { echo "out of time before round $round $v"; break 2; }
    if [ $v != $cur ]; then
      cp $V/$v.cu $K
      cmake --build $B -j16 --target mambascope > $OUT/logs/build-$v.log 2>&1 || { echo "$v build failed"; tail -5 $OUT/logs/build-$v.log; continue; }
      cur=$v
    fi
    bench $v
  done
  if [ $round = 1 ]; then
    cp $V/overlap.cu $K; cmake --build $B -j16 --target mambascope_tests > $OUT/logs/build-ovt.log 2>&1 && tests overlap "[gpu][mamba2][ssd]"
    cur=none
  fi
done
cp $V/tree.cu $K; cmake --build $B -j16 --target mambascope > /dev/null 2>&1
[ $(el) -lt $(at 470) ] && timeout 40 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=wgmma --json $OUT/ssd-v13-wgmma.json 2>&1 | grep "^| ssd\|rror"
[ $(el) -lt $(at 490) ] && timeout 15 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma --json $OUT/ssd-v13-d2048-wgmma.json 2>&1 | grep "^| ssd\|rror"
left=$(( LIMIT - $(el) )); [ $left -gt 120 ] && left=120
if [ $left -gt 50 ]; then
  t0=$(date +%s); timeout $left ncu --clock-control none -k regex:ssd_chunk_scan_sm90 --launch-skip 1 --launch-count 1 --set full -f -o /tmp/ncu-ssd \
    $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 101k --reps 1 --warmup 1 --no-ceilings --param kernel=wgmma > $OUT/logs/ncu-run.log 2>&1; echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
  ncu -i /tmp/ncu-ssd.ncu-rep --page details > $OUT/logs/ncu-details.txt 2>&1
  grep -E "Duration|Warp Cycles Per Issued|Eligible Warps|No Eligible|Issue Slots" $OUT/logs/ncu-details.txt | head -10
  grep -iE "stall|No Instruction" $OUT/logs/ncu-details.txt | head -20
fi
echo "elapsed $(el)s"
tar czf $OUT/logs.tgz -C $OUT logs && rm -rf $OUT/logs
