#!/usr/bin/env bash
# The H100 call behind version 6 in mamba2-notes.md: build, all GPU tests, both SSD kernels, the decode step.
# Run from the repository root on the GPU host with OUT set (the device tool sets it).
B=/root/build-main
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /dev/null 2>&1
cmake --build $B -j16 --target mambascope mambascope_tests > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 200 $B/tests/mambascope_tests "[gpu]" > $OUT/gpu.log 2>&1; echo "gpu tests rc $?"
grep -E "vs mma|FAILED|test cases|N 128 wgmma" $OUT/gpu.log | tail -20
for kern in wgmma mma; do
  timeout 90 $B/app/mambascope bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=$kern --json $OUT/ssd-$kern.json 2>&1 | grep "^| ssd"
  timeout 60 $B/app/mambascope bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=$kern 2>&1 | grep "^| ssd"
done
for g in 1 0; do timeout 60 $B/app/mambascope bench-op mamba2_decode_step --dims mamba2-2.7b --param graph=$g 2>&1 | grep "^| mamba2"; done
for g in 1 0; do timeout 60 $B/app/mambascope bench-op mamba2_decode_step --dims mamba2-2.7b --param graph=$g 2>&1 | grep "^| mamba2"; done
