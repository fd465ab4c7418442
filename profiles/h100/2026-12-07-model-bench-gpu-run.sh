#!/usr/bin/env bash
# The model-level numbers after scan versions 7-12 (docs/benchmarks.md's table predates them): one call on main.
#  1. build;
#  2. mambascope bench, all four models at 1k, 16k, 101k (103,424 tokens), 32 decode steps, 2 prefill repeats,
#     with the ceilings of the same run -> $OUT/bench.json;
#  3. with the time left: every GPU test ("[gpu],[sass]"), the CUPTI timeline of mmMamba-linear's 101k prefill and 4 decode steps (summary only),
#     and the decode-step op bench (goal 10 us).
# LIMIT = the seconds the call may use (the run's timeout_s less ~15). Carry .deps.
set -u
CALL_T0=$(date +%s); el() { echo $(( $(date +%s) - CALL_T0 )); }
LIMIT=${LIMIT:-585}
B=/root/build-bench; mkdir -p $OUT/logs
export MAMBASCOPE_GIT_SHA=${MAMBASCOPE_GIT_SHA:-$(cat .carry/sha 2>/dev/null || echo unknown)}
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > $OUT/logs/cmake.log 2>&1
t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > $OUT/logs/build.log 2>&1 || { tail -30 $OUT/logs/build.log; exit 1; }
echo "build $(( $(date +%s) - t0 ))s"
M=$B/app/mambascope; T=$B/tests/mambascope_tests
t0=$(date +%s)
timeout $(( LIMIT - $(el) - 30 )) $M bench --lengths ${LENGTHS:-1k,16k,101k} --decode 32 --repeats 2 --out $OUT/bench.json > $OUT/logs/bench.log 2>&1
echo "bench rc $? ($(( $(date +%s) - t0 ))s)"; grep -E "^\|" $OUT/logs/bench.log | head -20
left=$(( LIMIT - $(el) - 5 )); [ $left -gt 150 ] && left=150
if [ $left -gt 20 ]; then
  t0=$(date +%s); timeout $left $T "[gpu],[sass]" > $OUT/logs/test-gpu.log 2>&1; echo "gpu tests rc $? ($(( $(date +%s) - t0 ))s)"
  grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/logs/test-gpu.log | head -12
fi
if [ $(( LIMIT - $(el) )) -gt 60 ]; then
  timeout 45 $M profile --model mmmamba-linear --length 101k --decode 4 --out /tmp/prof > $OUT/logs/profile.log 2>&1; echo "profile rc $?"
  head -40 $OUT/logs/profile.log
fi
[ $(( LIMIT - $(el) )) -gt 20 ] && timeout 15 $M bench-op mamba2_decode_step --dims mamba2-2.7b --len 1 2>&1 | grep -E "^\| mamba2|rror"
echo "elapsed $(el)s"
tar czf $OUT/logs.tgz -C $OUT logs && rm -rf $OUT/logs
