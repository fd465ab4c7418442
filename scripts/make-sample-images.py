#!/usr/bin/env python3
"""Draws the sample images of assets/images/ (made for mambascope, same licence as the project) and their
manifest.json: what each image shows and the questions the tiny demo models are asked about it.

Every format and colour mode the loader handles appears once: PNG (RGB, L, LA, RGBA, P), JPEG, BMP, GIF.
Deterministic: the same Pillow version writes the same bytes.

    python3 scripts/make-sample-images.py [--out assets/images]
"""
import argparse
import json
import os

from PIL import Image, ImageDraw

COLORS = {
    "red": (220, 40, 40), "green": (40, 170, 70), "blue": (40, 80, 220), "yellow": (240, 200, 30),
    "orange": (245, 130, 30), "purple": (140, 60, 180), "teal": (20, 150, 150), "black": (20, 20, 20),
    "white": (255, 255, 255), "gray": (200, 200, 200),
}


def circle(d, cx, cy, r, fill):
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)


def square(d, cx, cy, half, fill):
    d.rectangle((cx - half, cy - half, cx + half, cy + half), fill=fill)


def triangle(d, cx, cy, r, fill):
    d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fill)


def make(out):
    entries = []

    def add(name, img, shows, questions, **save_args):
        img.save(os.path.join(out, name), **save_args)
        entries.append({"file": name, "mode": img.mode, "size": list(img.size), "shows": shows,
                        "questions": [{"q": q, "a": a} for q, a in questions]})

    im = Image.new("RGB", (336, 252), COLORS["white"])
    d = ImageDraw.Draw(im)
    for (cx, cy, c) in [(70, 80, "red"), (180, 160, "green"), (270, 70, "blue")]:
        circle(d, cx, cy, 40, COLORS[c])
    add("circles.png", im, {"circle": 3, "colors": ["red", "green", "blue"]},
        [("How many circles?", "3"), ("What colour is the leftmost circle?", "red")])

    im = Image.new("RGB", (400, 300), COLORS["gray"])
    d = ImageDraw.Draw(im)
    square(d, 90, 90, 50, COLORS["red"])
    triangle(d, 300, 100, 60, COLORS["blue"])
    circle(d, 110, 220, 45, COLORS["yellow"])
    circle(d, 290, 230, 45, COLORS["yellow"])
    add("shapes.jpg", im, {"square": 1, "triangle": 1, "circle": 2},
        [("How many circles?", "2"), ("What shape is blue?", "a triangle")], quality=92)

    im = Image.new("RGB", (128, 128), COLORS["white"])
    d = ImageDraw.Draw(im)
    for (cx, cy, c) in [(32, 32, "orange"), (96, 32, "purple"), (32, 96, "teal"), (96, 96, "black")]:
        square(d, cx, cy, 22, COLORS[c])
    add("squares.bmp", im, {"square": 4, "colors": ["orange", "purple", "teal", "black"]},
        [("How many squares?", "4")])

    im = Image.new("RGB", (200, 120), COLORS["white"])
    d = ImageDraw.Draw(im)
    for k, c in enumerate(["red", "yellow", "green", "blue", "purple"]):
        d.rectangle((k * 40, 0, k * 40 + 39, 119), fill=COLORS[c])
    add("stripes.gif", im.convert("P", palette=Image.ADAPTIVE, colors=8), {"stripe": 5},
        [("How many stripes?", "5")])

    im = Image.new("L", (160, 240))
    im.putdata([int(40 + 150 * y / 239) for y in range(240) for _ in range(160)])
    d = ImageDraw.Draw(im)
    circle(d, 80, 70, 35, 255)
    circle(d, 80, 170, 35, 255)
    add("gray-circles.png", im, {"circle": 2}, [("How many circles?", "2")])

    im = Image.new("LA", (128, 128), (0, 0))
    d = ImageDraw.Draw(im)
    circle(d, 64, 64, 50, (230, 255))
    circle(d, 64, 64, 30, (0, 0))
    add("la-ring.png", im, {"ring": 1}, [("How many rings?", "1")])

    im = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    triangle(d, 80, 100, 60, COLORS["green"] + (255,))
    triangle(d, 220, 100, 60, COLORS["red"] + (255,))
    circle(d, 150, 40, 25, COLORS["blue"] + (128,))
    add("rgba-triangles.png", im, {"triangle": 2, "circle": 1}, [("How many triangles?", "2")])

    im = Image.new("P", (180, 120), 0)
    im.putpalette([255, 255, 255, 220, 40, 40, 40, 80, 220, 20, 20, 20] + [0] * (256 * 3 - 12))
    d = ImageDraw.Draw(im)
    circle(d, 50, 60, 35, 1)
    circle(d, 130, 60, 35, 2)
    add("palette.png", im, {"circle": 2, "colors": ["red", "blue"]}, [("How many circles?", "2")])

    im = Image.new("RGB", (960, 720), (235, 240, 250))
    d = ImageDraw.Draw(im)
    for (cx, cy, c) in [(120, 120, "red"), (420, 150, "green"), (760, 110, "blue"), (250, 480, "yellow"),
                        (640, 560, "purple")]:
        circle(d, cx, cy, 70, COLORS[c])
    for (cx, cy, c) in [(880, 400, "orange"), (480, 360, "teal"), (100, 640, "black")]:
        square(d, cx, cy, 50, COLORS[c])
    add("scene.png", im, {"circle": 5, "square": 3},
        [("How many circles?", "5"), ("How many squares?", "3")])

    im = Image.new("RGB", (300, 900), COLORS["white"])
    d = ImageDraw.Draw(im)
    for k, c in enumerate(["blue", "red", "green"]):
        circle(d, 150, 150 + 300 * k, 100, COLORS[c])
    add("tall.png", im, {"circle": 3, "colors_top_to_bottom": ["blue", "red", "green"]},
        [("How many circles?", "3"), ("What colour is the top circle?", "blue")])

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"made_by": "python3 scripts/make-sample-images.py", "images": entries}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "assets", "images"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    make(args.out)
    print("wrote", sorted(os.listdir(args.out)))
