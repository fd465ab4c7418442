#!/usr/bin/env bash
# Prepared for branch ssd-mbar-wait-fix (9eace0b; could not start: no device time left). Final state, short: GPU tests, synccheck (SSD + attention), benches (JSON), memcheck.
set -u
B=/root/build-main; mkdir -p $OUT/logs
export MAMBASCOPE_GIT_SHA=$(cat .carry/sha)
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv,noheader
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /tmp/cmake.log 2>&1
t0=$(date +%s); cmake --build $B -j16 --target mambascope mambascope_tests > $OUT/logs/build.log 2>&1 || { tail -30 $OUT/logs/build.log; exit 1; }
echo "build $(( $(date +%s) - t0 ))s"
M=$B/app/mambascope; T=$B/tests/mambascope_tests
t0=$(date +%s); timeout 100 $T "[gpu][mamba2],[sass],[gpu][attention]" > $OUT/logs/test.log 2>&1; echo "tests rc $? ($(( $(date +%s) - t0 ))s)"; grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/logs/test.log | head -12
grep "wgmma vs mma.sync" $OUT/logs/test.log | awk '{print $(NF-2), $NF}' | sort -g | tail -1
S=/usr/local/cuda-13.0/bin/compute-sanitizer
timeout 40 $S --tool synccheck $T "the CUDA SSD scan matches the CPU reference at tiny dims" > $OUT/logs/san-ssd-synccheck.log 2>&1; echo "ssd synccheck rc $?: $(grep -E 'ERROR SUMMARY' $OUT/logs/san-ssd-synccheck.log | tail -1)"
timeout 30 $S --tool synccheck $T "gpu prefill attention matches the cpu reference at tiny shapes" > $OUT/logs/san-attn-synccheck.log 2>&1; echo "attention synccheck rc $?: $(grep -E 'ERROR SUMMARY' $OUT/logs/san-attn-synccheck.log | tail -1)"
timeout 30 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=wgmma --json $OUT/ssd-tma-wgmma.json 2>&1 | grep "^| ssd\|rror"
timeout 12 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma --json $OUT/ssd-tma-d2048-wgmma.json 2>&1 | grep "^| ssd\|rror"
tar czf $OUT/logs.tgz -C $OUT logs
timeout 30 $S --tool memcheck $T "the CUDA SSD scan matches the CPU reference at tiny dims" > $OUT/logs/san-ssd-memcheck.log 2>&1; echo "ssd memcheck rc $?: $(grep -E 'ERROR SUMMARY' $OUT/logs/san-ssd-memcheck.log | tail -1)"
tar czf $OUT/logs.tgz -C $OUT logs && rm -rf $OUT/logs
