#!/usr/bin/env bash
# The GPU call behind profiles/h100/2026-11-23-ssd-v7-*.json (SSD wgmma kernel version 7, git 8e08282), run from
# the repository root on the lent H100 (`run` with carry [".deps"]; set MAMBASCOPE_GIT_SHA so the JSON names the
# commit): build, every GPU test, racecheck + memcheck on the SSD tests, both SSD kernels benched in the same run,
# and an ncu summary of the wgmma kernel at 32K tokens. About 3 minutes.
set -u
B=/root/build-main
cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DMAMBASCOPE_CUDA=ON -DCMAKE_PREFIX_PATH=$PWD/.deps/usr > /dev/null 2>&1
cmake --build $B -j16 --target mambascope mambascope_tests > /tmp/build.log 2>&1 || { tail -30 /tmp/build.log; exit 1; }
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 200 $B/tests/mambascope_tests "[gpu]" > /tmp/gpu.log 2>&1; echo "gpu tests rc $?"; grep -E "FAILED|test cases" /tmp/gpu.log | tail -5
grep "wgmma: rel_l2" /tmp/gpu.log | sort -k15 -g | tail -1; grep "vs mma" /tmp/gpu.log | sort -k10 -g | tail -1
CS=$(ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
timeout 200 $CS --tool racecheck $B/tests/mambascope_tests "the CUDA SSD scan matches the CPU reference at tiny dims" > /tmp/race.log 2>&1
echo "racecheck rc $?"; grep -E "RACECHECK SUMMARY|test cases" /tmp/race.log | tail -2
timeout 150 $CS --tool memcheck $B/tests/mambascope_tests "[gpu][ssd]" > /tmp/mem.log 2>&1
echo "memcheck rc $?"; grep -E "ERROR SUMMARY|test cases" /tmp/mem.log | tail -2
for kern in wgmma mma; do
  timeout 90 $B/app/mambascope bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=$kern --json $OUT/ssd-$kern.json 2>&1 | grep "^| ssd"
  timeout 60 $B/app/mambascope bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=$kern --json $OUT/ssd-d2048-$kern.json 2>&1 | grep "^| ssd"
done
timeout 120 ncu --clock-control none -k regex:ssd_chunk_scan_sm90 --launch-skip 1 --launch-count 1 --section SpeedOfLight \
  --section Occupancy --section WarpStateStats --section SchedulerStats --section LaunchStats \
  --metrics "regex:^smsp__average_warps_issue_stalled_.*_per_issue_active\.ratio$" \
  $B/app/mambascope bench-op ssd_chunk_scan --len 32k --reps 1 --warmup 1 --no-ceilings --param kernel=wgmma > /tmp/ncu.txt 2>&1
grep -E "Duration|DRAM Throughput|L2 Cache Throughput|Warp Cycles Per Issued|Eligible Warps|Registers Per|No Eligible" /tmp/ncu.txt | head -12
grep -E "issue_stalled" /tmp/ncu.txt | awk '$NF+0 > 0.2' | sort -k3 -g -r | head -10
