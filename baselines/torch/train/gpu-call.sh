#!/usr/bin/env bash
# The GPU call that trains the tiny models (issue 10), as run through the device tool:
#   bash baselines/torch/train/gpu-call.sh hovle|mlmamba [FUZZ_SPEC ...]
# hovle:   teacher + mmMamba-linear + mmMamba-hybrid (train.py, CUDA-graph steps, an eager-vs-graph check first)
# mlmamba: ML-Mamba BSM and CSM (train_mlmamba.py, CUDA-graph steps)
# FUZZ_SPECs (target:workers:runs, scripts/fuzz-carried) start on the host's spare CPU cores once the training
# data is built, so they do not slow the data build. Results are packed into $OUT as at most 8 files (the
# device tool's limit): <what>-models.tgz.* (15 MiB pieces), <what>-logs.tgz, fuzz.tgz.
# Budgets (seconds) come from the environment: TEACHER_S, STAGE_S, ML_S, SCENES, TRAIN_TIMEOUT.
set -uo pipefail
what=$1
shift
root=$(cd "$(dirname "$0")/../../.." && pwd)
W=${WORK:-/tmp/o}
mkdir -p "$W" "$OUT"
nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv >"$W/gpu-before.txt" 2>&1
case $what in
  hovle)
    cmd=("${PYTHON:-python3}" "$root/baselines/torch/train/train.py" --out "$W/$what" --scenes "${SCENES:-80000}"
         --teacher-s "${TEACHER_S:-220}" --stage-s "${STAGE_S:-15,70,45}" --batch 256 --procs 12 --cuda-graph
         --graph-check 30) ;;
  mlmamba)
    cmd=("${PYTHON:-python3}" "$root/baselines/torch/train/train_mlmamba.py" --out "$W/$what" --scenes "${SCENES:-40000}"
         --budget-s "${ML_S:-200}" --batch 256 --lr 1e-3 --procs 12 --cuda-graph) ;;
  *) echo "usage: $0 hovle|mlmamba [target:workers:runs ...]" >&2; exit 2 ;;
esac
echo "${cmd[*]}" >"$W/command.txt"
timeout "${TRAIN_TIMEOUT:-540}" "${cmd[@]}" >"$W/train.log" 2>&1 &
train=$!
fuzz=
if [ $# -gt 0 ]; then
  for _ in $(seq 300); do
    grep -q '^data:' "$W/train.log" 2>/dev/null && break
    kill -0 $train 2>/dev/null || break
    sleep 1
  done
  "$root/scripts/fuzz-carried" "$W/fuzz" "${FUZZ_S:-480}" "$@" >"$W/fuzz.log" 2>&1 &
  fuzz=$!
fi
wait $train
echo "training exit $?" >>"$W/train.log"
[ -n "$fuzz" ] && wait $fuzz
cd "$W"
tar czf "$OUT/$what-logs.tgz" train.log command.txt gpu-before.txt $what/log.jsonl 2>/dev/null
[ -d "$what/models" ] && tar czf - "$what/models" | split -b 15m - "$OUT/$what-models.tgz."
[ -n "$fuzz" ] && tar czf "$OUT/fuzz.tgz" --exclude=corpus fuzz fuzz.log
tail -n 30 train.log
[ -f fuzz/summary.txt ] && cat fuzz/summary.txt
exit 0
