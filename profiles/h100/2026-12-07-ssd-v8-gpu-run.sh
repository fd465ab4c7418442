#!/usr/bin/env bash
# The GPU call behind profiles/h100/2026-12-07-ssd-v8-*.json (SSD wgmma kernel version 8: version 7 plus an L2
# prefetch of x two heads ahead), run from the repository root on the lent H100 (`run` with carry [".deps"];
# MAMBASCOPE_GIT_SHA names the commit in the JSON): build, every GPU test and the SASS check, both SSD kernels
# benched in the same run. (No sanitizers: the change is one prefetch instruction, which cannot fault or race.)
set -u
B=/root/build-main
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /dev/null 2>&1
cmake --build $B -j16 --target mambascope mambascope_tests > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 150 $B/tests/mambascope_tests "[gpu],[sass]" > /tmp/gpu.log 2>&1; echo "gpu tests rc $?"; grep -E "FAILED|test cases" /tmp/gpu.log | tail -5
grep "wgmma: rel_l2" /tmp/gpu.log | sort -k15 -g | tail -1; grep "vs mma" /tmp/gpu.log | sort -k10 -g | tail -1
[ -n "${OUT:-}" ] && cp /tmp/gpu.log $OUT/gpu-tests.log
timeout 60 $B/app/mambascope bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=wgmma --json $OUT/ssd-wgmma.json 2>&1 | grep "^| ssd"
timeout 40 $B/app/mambascope bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma --json $OUT/ssd-d2048-wgmma.json 2>&1 | grep "^| ssd"
timeout 40 $B/app/mambascope bench-op ssd_chunk_scan --dims mamba2-2.7b --len 101k --param kernel=mma 2>&1 | grep "^| ssd"
