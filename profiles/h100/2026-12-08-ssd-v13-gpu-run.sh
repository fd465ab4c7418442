#!/usr/bin/env bash
# For branch ssd-v13 (2026-12-08): version 13 = one consumer code path (78 KB of SASS instead of 106). One call:
#  1. build the tree; GPU tests of the Hopper kernels, synccheck (version 11 drew 128 reports from the tool's model
#     of named barriers reached at two bar.sync instructions; one code path leaves one) and memcheck on the scan;
#  2. same-call A/B at 103,424 tokens (2.7b dims), interleaved rounds: version 11 (main's kernel), version 13 (the
#     tree), and "overlap" (version 13 + the high tile's C S_prev^T issued before the low tile's stores), one bench
#     each per round; the overlap variant's GPU tests;
#  3. the tree's JSON benches (1K..103K, 2048-wide) and, with the time left, ncu's stall breakdown.
# Before the call: .carry/var13 holds v11.cu, overlap.cu and sha (the device copy has no .git); carry .deps and .carry.
# Second call: the tree is the overlap variant (copied over the kernel before the script), VARIANTS="v11 overlap v11ov ov2"
# (v11ov = version 11 + the overlap; ov2 = overlap + the next head's low-tile C S_prev^T issued before the high tile's
# stores), TESTED="v11ov ov2"; the fastest by median over the rounds gets the JSON benches and ncu.
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
bench() { timeout 30 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 101k --param kernel=wgmma 2>&1 | grep "^| ssd\|rror" | awk -v v=$1 '{print v, $0}' | tee -a $OUT/logs/ab.txt; }
VARIANTS=${VARIANTS:-v11 tree overlap}; TESTED=${TESTED-overlap}
cur=tree
for round in 1 2 3 4; do
  for v in $VARIANTS; do
    [ $(el) -gt $(at ${AB_UNTIL:-400}) ] && { echo "out of time before round $round $v"; break 2; }
    if [ $v != $cur ]; then
      cp $V/$v.cu $K
      cmake --build $B -j16 --target mambascope > $OUT/logs/build-$v.log 2>&1 || { echo "$v build failed"; tail -5 $OUT/logs/build-$v.log; continue; }
      cur=$v
    fi
    bench $v
  done
  if [ $round = 1 ]; then
    for v in $TESTED; do
      cp $V/$v.cu $K; cmake --build $B -j16 --target mambascope_tests > $OUT/logs/build-$v-t.log 2>&1 && tests $v "[gpu][mamba2][ssd]"
    done
    cur=none
  fi
done
# the fastest variant by median over the rounds goes on for the JSON benches and ncu
BEST=$(awk -F'|' '{gsub(/ /,"",$1); print $1, $5+0}' $OUT/logs/ab.txt | sort -k1,1 -k2g | awk '{a[$1]=a[$1]" "$2} END {for (v in a) {n=split(a[v],x," "); print x[int((n+1)/2)], v}}' | sort -g | head -1 | awk '{print $2}')
echo "fastest by median: $BEST"; [ -n "$BEST" ] && cp $V/$BEST.cu $V/tree.cu
cp $V/tree.cu $K; cmake --build $B -j16 --target mambascope > /dev/null 2>&1
[ $(el) -lt $(at ${JSON_AT:-470}) ] && timeout 40 $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 1k,16k,32k,101k --param kernel=wgmma --json $OUT/ssd-v13-wgmma.json 2>&1 | grep "^| ssd\|rror"
[ $(el) -lt $(at ${JSON_AT2:-490}) ] && timeout 15 $M bench-op ssd_chunk_scan --dims d2048-h32p64n128g1 --len 101k --param kernel=wgmma --json $OUT/ssd-v13-d2048-wgmma.json 2>&1 | grep "^| ssd\|rror"
left=$(( LIMIT - $(el) )); [ $left -gt 120 ] && left=120; [ "${MODELS:-0}" = 1 ] && left=${NCU_S:-0}
if [ $left -gt 30 ]; then
  t0=$(date +%s); timeout $left ncu --clock-control none -k regex:ssd_chunk_scan_sm90 --launch-skip 1 --launch-count 1 --set full -f -o /tmp/ncu-ssd \
    $M bench-op ssd_chunk_scan --dims mamba2-2.7b --len 101k --reps 1 --warmup 1 --no-ceilings --param kernel=wgmma > $OUT/logs/ncu-run.log 2>&1; echo "ncu rc $? ($(( $(date +%s) - t0 ))s)"
  ncu -i /tmp/ncu-ssd.ncu-rep --page details > $OUT/logs/ncu-details.txt 2>&1
  ncu -i /tmp/ncu-ssd.ncu-rep --page source --csv --print-source sass > $OUT/logs/ncu-source.csv 2>&1
  grep -E "Duration|Warp Cycles Per Issued|Eligible Warps|No Eligible|Issue Slots" $OUT/logs/ncu-details.txt | head -10
  ncu -i /tmp/ncu-ssd.ncu-rep --page raw --csv 2>/dev/null | python3 -c "
import csv,sys
r=list(csv.reader(sys.stdin)); h,v=r[0],r[2]
m={a:b for a,b in zip(h,v) if 'average_warp_latency_issue_stalled' in a and a.endswith('.ratio')}
t=sum(float(x.replace(',','')) for x in m.values() if x.replace(',','').replace('.','').isdigit())
for a,b in sorted(m.items(), key=lambda x: -float(x[1].replace(',','')) if x[1].replace(',','').replace('.','').isdigit() else 0)[:12]: print(a.split('stalled_')[1].split('.')[0], b, '%.1f%%' % (100*float(b.replace(',',''))/t) if t else '')
" 2>&1 | head -14
fi
# Third call (MODELS=1): the model-level bench with the fastest variant built in (docs/benchmarks.md's numbers
# predate scan versions 7-13), the decode-step op bench and every GPU test, in the time left.
if [ "${MODELS:-0}" = 1 ]; then
  echo "model bench with: $BEST" | tee $OUT/best.txt
  left=$(( LIMIT - $(el) - 45 ))
  if [ $left -gt 60 ]; then
    t0=$(date +%s); timeout $left $M bench --lengths ${LENGTHS:-1k,16k,101k} --decode 32 --repeats 2 --out $OUT/bench.json > $OUT/logs/bench.log 2>&1
    echo "bench rc $? ($(( $(date +%s) - t0 ))s)"; grep -E "^\|" $OUT/logs/bench.log | head -24
  fi
  [ $(( LIMIT - $(el) )) -gt 20 ] && timeout 15 $M bench-op mamba2_decode_step --dims mamba2-2.7b --len 1 2>&1 | grep -E "^\| mamba2|rror"
  left=$(( LIMIT - $(el) - 3 ))
  if [ $left -gt 30 ]; then
    cmake --build $B -j16 --target mambascope_tests > /dev/null 2>&1
    t0=$(date +%s); timeout $(( LIMIT - $(el) - 3 )) $T "[gpu],[sass]" > $OUT/logs/test-gpu.log 2>&1; echo "all gpu tests rc $? ($(( $(date +%s) - t0 ))s)"
    grep -E "FAILED|test cases|assertions|All tests" -A3 $OUT/logs/test-gpu.log | head -12
  fi
fi
echo "elapsed $(el)s"
tar czf $OUT/logs.tgz -C $OUT logs && rm -rf $OUT/logs
