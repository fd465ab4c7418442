#!/usr/bin/env python3
"""Synthetic image question answering for the tiny trained models (issue 10).

Deterministic from a seed: each scene is 1 to 5 shapes (circle, square, triangle) in 6 colours and 3 sizes on
a light background, drawn on a canvas whose size and aspect ratio vary like the sample images in
assets/images (which the scenes imitate: `How many circles?` on circles.png is the demo question). Every
scene gets questions from these templates (answers are short, exact-match strings):

    How many circles? / How many shapes? / How many red shapes?     -> "3"
    What colour is the square? / the leftmost circle? / top shape?  -> "red"
    What shape is blue?                                             -> "a triangle"
    Is the red circle left of the blue square? / above?             -> "yes" / "no"
    Which is bigger, the red circle or the blue square?             -> "the red circle"
    Is there a green triangle?                                      -> "yes" / "no"
    What is in the image?                                           -> "2 circles and 1 square"

Scene seeds: training uses seeds from 10**6 upward, the held-out split seeds below 10**6 (disjoint by
construction). `write_eval` writes the held-out split as PNGs + items.jsonl ({image, question, answer}):

    python3 baselines/torch/train/data.py --out assets/eval/shapes --items 300
    python3 baselines/torch/train/data.py --out assets/eval/samples --samples   # assets/images' own questions
"""
import argparse
import json
import os
import random

from PIL import Image, ImageDraw

SHAPES = ["circle", "square", "triangle"]
COLOURS = {"red": (220, 40, 40), "green": (40, 170, 70), "blue": (40, 80, 220), "yellow": (230, 200, 30),
           "purple": (140, 60, 180), "orange": (240, 130, 20)}
SIZES = {"small": 0.09, "medium": 0.13, "large": 0.18}  # radius as a share of the canvas' shorter side
CANVASES = [(336, 252), (256, 256), (300, 200), (200, 300), (400, 300), (320, 240), (240, 240), (360, 240)]
TRAIN_SEED0 = 10 ** 6


def plural(shape, n):
    return shape if n == 1 else shape + "s"


def make_scene(seed):
    """A list of objects {shape, colour, size, x, y, r} (pixel centres) and the canvas size, from `seed`."""
    rng = random.Random(seed)
    w, h = rng.choice(CANVASES)
    n = rng.choices([1, 2, 3, 4, 5], weights=[2, 3, 3, 2, 2])[0]
    same_shape = rng.random() < 0.35  # scenes like circles.png: one shape, several colours
    base_shape = rng.choice(SHAPES)
    objs = []
    tries = 0
    while len(objs) < n and tries < 500:
        tries += 1
        size = rng.choice(list(SIZES))
        r = SIZES[size] * min(w, h)
        x, y = rng.uniform(r + 4, w - r - 4), rng.uniform(r + 4, h - r - 4)
        if any((x - o["x"]) ** 2 + (y - o["y"]) ** 2 < (r + o["r"] + 6) ** 2 for o in objs):
            continue
        objs.append({"shape": base_shape if same_shape else rng.choice(SHAPES), "colour": rng.choice(list(COLOURS)),
                     "size": size, "x": x, "y": y, "r": r})
    bg = rng.choice([(255, 255, 255), (255, 255, 255), (245, 245, 240), (235, 240, 245)])
    return {"w": w, "h": h, "bg": bg, "objects": objs}


def draw_scene(scene):
    im = Image.new("RGB", (scene["w"], scene["h"]), scene["bg"])
    d = ImageDraw.Draw(im)
    for o in scene["objects"]:
        x, y, r, c = o["x"], o["y"], o["r"], COLOURS[o["colour"]]
        if o["shape"] == "circle":
            d.ellipse([x - r, y - r, x + r, y + r], fill=c)
        elif o["shape"] == "square":
            s = r * 0.9
            d.rectangle([x - s, y - s, x + s, y + s], fill=c)
        else:
            d.polygon([(x, y - r), (x - r, y + r * 0.8), (x + r, y + r * 0.8)], fill=c)
    return im


def name(o, objs):
    """The shortest unique description of `o` among `objs` ("the circle", "the red circle"), or None."""
    if sum(p["shape"] == o["shape"] for p in objs) == 1:
        return "the " + o["shape"]
    if sum(p["shape"] == o["shape"] and p["colour"] == o["colour"] for p in objs) == 1:
        return f"the {o['colour']} {o['shape']}"
    return None


def caption(objs):
    parts = [f"{k} {plural(s, k)}" for s in SHAPES for k in [sum(o["shape"] == s for o in objs)] if k]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def questions(scene, rng):
    """All (question, answer) pairs the templates give for the scene (some sampled), deterministic in `rng`."""
    objs = scene["objects"]
    qa = []
    for s in SHAPES:
        qa.append((f"How many {plural(s, 2)}?", str(sum(o["shape"] == s for o in objs))))
    qa.append(("How many shapes?", str(len(objs))))
    c = rng.choice(list(COLOURS))
    qa.append((f"How many {c} shapes?", str(sum(o["colour"] == c for o in objs))))
    for o in objs:
        n = name(o, objs)
        if n and n.count(" ") == 1:
            qa.append((f"What colour is {n}?", o["colour"]))
        if sum(p["colour"] == o["colour"] for p in objs) == 1:
            qa.append((f"What shape is {o['colour']}?", "a " + o["shape"]))
    for s in SHAPES + ["shape"]:
        group = [o for o in objs if s == "shape" or o["shape"] == s]
        if len(group) < 2:
            continue
        for word, key, sign in (("leftmost", "x", 1), ("rightmost", "x", -1), ("top", "y", 1), ("bottom", "y", -1)):
            vals = sorted(group, key=lambda o: sign * o[key])
            if abs(vals[0][key] - vals[1][key]) > 0.15 * scene["w" if key == "x" else "h"]:
                qa.append((f"What colour is the {word} {s}?", vals[0]["colour"]))
    named = [(o, name(o, objs)) for o in objs if name(o, objs)]
    if len(named) >= 2:
        (a, na), (b, nb) = rng.sample(named, 2)
        if abs(a["x"] - b["x"]) > 0.1 * scene["w"]:
            qa.append((f"Is {na} left of {nb}?", "yes" if a["x"] < b["x"] else "no"))
        if abs(a["y"] - b["y"]) > 0.1 * scene["h"]:
            qa.append((f"Is {na} above {nb}?", "yes" if a["y"] < b["y"] else "no"))
        if a["size"] != b["size"]:
            qa.append((f"Which is bigger, {na} or {nb}?", na if a["r"] > b["r"] else nb))
    s, c = rng.choice(SHAPES), rng.choice(list(COLOURS))
    if rng.random() < 0.5 and objs:  # ask about a present object half of the time
        s, c = objs[0]["shape"], objs[0]["colour"]
    qa.append((f"Is there a {c} {s}?", "yes" if any(o["shape"] == s and o["colour"] == c for o in objs) else "no"))
    qa.append(("What is in the image?", caption(objs)))
    return qa


def sample(seed):
    """(scene, image, [(question, answer)]) of scene `seed`."""
    scene = make_scene(seed)
    return scene, draw_scene(scene), questions(scene, random.Random(seed * 7919 + 1))


def write_eval(out, items, seed0=0):
    """Held-out items: one question per scene, cycling over the templates' kinds so every kind is covered."""
    os.makedirs(out, exist_ok=True)
    rows = []
    seed = seed0
    while len(rows) < items:
        scene, im, qa = sample(seed)
        rng = random.Random(seed)
        # favour counting (the demo's question) in a third of the items
        counting = [p for p in qa if p[0].startswith("How many") and not p[0].startswith("How many shapes")]
        q, a = rng.choice(counting) if len(rows) % 3 == 0 else rng.choice(qa)
        fn = f"{len(rows):04d}.png"
        im.save(os.path.join(out, fn), optimize=True)
        rows.append({"image": fn, "question": q, "answer": a})
        seed += 1
    with open(os.path.join(out, "items.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return rows


def write_samples(out, images="assets/images"):
    """The sample images' own questions (assets/images/manifest.json) as an eval set referring to them."""
    os.makedirs(out, exist_ok=True)
    man = json.load(open(os.path.join(images, "manifest.json")))
    rel = os.path.relpath(images, out)
    rows = [{"image": os.path.join(rel, im["file"]), "question": q["q"], "answer": q["a"]}
            for im in man["images"] for q in im.get("questions", [])]
    with open(os.path.join(out, "items.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--items", type=int, default=300)
    ap.add_argument("--samples", action="store_true", help="write the sample images' questions instead")
    a = ap.parse_args()
    rows = write_samples(a.out) if a.samples else write_eval(a.out, a.items)
    print(f"wrote {len(rows)} items to {a.out}")


if __name__ == "__main__":
    main()
