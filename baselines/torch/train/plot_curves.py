#!/usr/bin/env python3
"""Training curves from train.py's log.jsonl as a PNG (PIL only: the GPU host and Debian both have it).

    python3 baselines/torch/train/plot_curves.py LOG.jsonl [LOG2.jsonl ...] OUT.png

Left: training loss against wall-clock seconds of the run (phases one after another: teacher cross-entropy,
each student's stage 1 MSE, stage 2 KL, stage 3 cross-entropy; log scale). Right: held-out accuracy
(greedy, exact match, 300 items) at each evaluation.
"""
import json
import math
import sys

from PIL import Image, ImageDraw

COLORS = {"teacher": (40, 80, 200), "linear": (200, 60, 40), "hybrid": (40, 150, 70), "bsm": (150, 60, 170),
          "csm": (220, 140, 20)}
LABELS = {"teacher": "teacher (transformer)", "bsm": "ML-Mamba BSM", "csm": "ML-Mamba CSM"}


def main():
    # several logs (e.g. train.py's and train_mlmamba.py's) are drawn one after the other
    rows = [json.loads(l) for f in sys.argv[1:-1] for l in open(f)]
    t0, offset, last_phase, pts, accs = 0.0, 0.0, None, [], []
    for r in rows:
        if "t" not in r or r["phase"].startswith("all"):
            continue
        if r["phase"] != last_phase:
            offset, last_phase = t0, r["phase"]
        t = offset + r["t"]
        t0 = max(t0, t)
        who = r["phase"].split("-")[-1] if r["phase"].startswith("tiny-ml-mamba-") else r["phase"].split("-")[0]
        if "loss" in r and math.isfinite(r["loss"]) and r["loss"] > 0:
            pts.append((t, r["loss"], who, r["phase"]))
        if "eval_acc" in r:
            accs.append((t, r["eval_acc"], who))
    W, Hh, m = 1100, 420, 60
    im = Image.new("RGB", (W, Hh), "white")
    d = ImageDraw.Draw(im)
    tmax = max(p[0] for p in pts + accs) or 1
    panels = [(m, 520, "training loss (log)"), (600, 1060, "held-out accuracy")]
    for x0, x1, title in panels:
        d.rectangle([x0, 40, x1, Hh - m], outline=(0, 0, 0))
        d.text((x0, 15), title, fill=(0, 0, 0))
        d.text((x1 - 120, Hh - m + 8), f"seconds (0-{tmax:.0f})", fill=(0, 0, 0))
    lo, hi = math.log10(min(p[1] for p in pts)), math.log10(max(p[1] for p in pts))
    X = lambda x0, x1, t: x0 + (x1 - x0) * t / tmax
    prev = {}
    for t, l, who, ph in pts:
        xy = (X(m, 520, t), 40 + (Hh - m - 40) * (hi - math.log10(l)) / (hi - lo + 1e-9))
        if ph in prev:
            d.line([prev[ph], xy], fill=COLORS[who], width=2)
        prev[ph] = xy
    for k in range(0, 11, 2):
        y = Hh - m - (Hh - m - 40) * k / 10
        d.text((575, y - 5), f"{k / 10:.1f}", fill=(0, 0, 0))
    for t, a, who in accs:
        x, y = X(600, 1060, t), Hh - m - (Hh - m - 40) * a
        d.ellipse([x - 4, y - 4, x + 4, y + 4], fill=COLORS[who])
    present = [w for w in COLORS if any(p[2] == w for p in pts + accs)]
    for i, who in enumerate(present):
        d.rectangle([m + 10 + 170 * i, Hh - 25, m + 24 + 170 * i, Hh - 11], fill=COLORS[who])
        d.text((m + 30 + 170 * i, Hh - 25), LABELS.get(who, who), fill=(0, 0, 0))
    im.save(sys.argv[-1])


if __name__ == "__main__":
    main()
