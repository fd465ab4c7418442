#!/usr/bin/env python3
"""Training curves from train.py's log.jsonl as a PNG (PIL only: the GPU host and Debian both have it).

    python3 baselines/torch/train/plot_curves.py docs/training/log-h100.jsonl docs/images/training-curves.png

Left: training loss against wall-clock seconds of the run (phases one after another: teacher cross-entropy,
each student's stage 1 MSE, stage 2 KL, stage 3 cross-entropy; log scale). Right: held-out accuracy
(greedy, exact match, 300 items) at each evaluation.
"""
import json
import math
import sys

from PIL import Image, ImageDraw

COLORS = {"teacher": (40, 80, 200), "linear": (200, 60, 40), "hybrid": (40, 150, 70)}


def main():
    rows = [json.loads(l) for l in open(sys.argv[1])]
    t0, offset, last_phase, pts, accs = 0.0, 0.0, None, [], []
    for r in rows:
        if "t" not in r or r["phase"] == "all":
            continue
        if r["phase"] != last_phase:
            offset, last_phase = t0, r["phase"]
        t = offset + r["t"]
        t0 = max(t0, t)
        who = r["phase"].split("-")[0]
        if "loss" in r:
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
    for i, (who, c) in enumerate(COLORS.items()):
        d.rectangle([m + 10 + 150 * i, Hh - 25, m + 24 + 150 * i, Hh - 11], fill=c)
        d.text((m + 30 + 150 * i, Hh - 25), who if who != "teacher" else "teacher (transformer)", fill=(0, 0, 0))
    im.save(sys.argv[2])


if __name__ == "__main__":
    main()
