#!/usr/bin/env python3
"""Preprocessing goldens for engine/image: what PIL, torchvision and timm make of the sample images under each
encoder's pipeline, written to assets/golden/image/image_goldens.safetensors (the C++ tests read it with
SafetensorsFile). Run on a machine with Pillow, numpy, torch, torchvision, timm and safetensors:

    python3 baselines/torch/image_goldens.py [--images assets/images] [--out assets/golden/image]

Contents (u8 unless noted; "sub" tensors keep every 7th (ML-Mamba) or 14th (HoVLE) pixel from offset 3):
  resize.K.src / resize.K.out        synthetic sources and Image.resize(size, BICUBIC) outputs, K = 0..
  decode.NAME.sub, decode.NAME.checks (i64 [2, 3]: per-channel sum and position-weighted sum of all pixels)
                                     Image.open(file).convert("RGB")
  mlmamba.NAME.resized_sub           the 384×384 bicubic resize; mlmamba.scene.resized in full
  mlmamba.NAME.dino_sub / .siglip_sub (f32)  prismatic's resize-naive transforms built from timm's configs
  hovle.NAME.grid (i32 [cols, rows]), hovle.NAME.tiles_sub (u8), hovle.NAME.pixels_sub (f32)
                                     the model cards' load_image(max_num=6): tiles + thumbnail, ImageNet norm
  hovle.ratio_table (i32 [N, 5]: width, height, max_num, cols, rows)  the tile grid for a sweep of sizes
  patchify.weight (f32 [8, 588]), patchify.conv (f32 [729, 8])  a random patch-embedding conv applied to
                                     mlmamba.circles' DINO tensor (patches @ weight^T must equal it)
"""
import argparse
import glob
import json
import os

import numpy as np
from PIL import Image

SUB_ML = (3, 7)    # offset, stride
SUB_HOVLE = (3, 14)
HOVLE_MAX_NUM = 6


def checks(u8):
    """Per-channel sum and position-weighted sum (weights 1..97 by flat pixel index) of an HxWx3 image."""
    flat = u8.reshape(-1, 3).astype(np.int64)
    w = (np.arange(flat.shape[0], dtype=np.int64) % 97 + 1)[:, None]
    return np.stack([flat.sum(0), (flat * w).sum(0)])


def sub_hw(a, off_stride, chw=False):
    o, s = off_stride
    return np.ascontiguousarray(a[:, o::s, o::s] if chw else a[o::s, o::s])


# --- HoVLE / mmMamba dynamic tiling, as their model cards define it -------------------------------------------------
def closest_grid(aspect, grids, width, height, tile):
    best_diff, best = float("inf"), (1, 1)
    area = width * height
    for g in grids:
        diff = abs(aspect - g[0] / g[1])
        if diff < best_diff:
            best_diff, best = diff, g
        elif diff == best_diff and area > 0.5 * tile * tile * g[0] * g[1]:
            best = g
    return best


def tile_grid(width, height, max_num, min_num=1, tile=448):
    grids = set((i, j) for n in range(min_num, max_num + 1) for i in range(1, n + 1) for j in range(1, n + 1)
                if min_num <= i * j <= max_num)
    grids = sorted(grids, key=lambda g: g[0] * g[1])
    return closest_grid(width / height, grids, width, height, tile)


def dynamic_tiles(img, max_num, tile=448):
    cols, rows = tile_grid(img.size[0], img.size[1], max_num, 1, tile)
    resized = img.resize((cols * tile, rows * tile))  # Pillow's default resample for RGB: BICUBIC
    tiles = [resized.crop(((k % cols) * tile, (k // cols) * tile, (k % cols + 1) * tile, (k // cols + 1) * tile))
             for k in range(cols * rows)]
    if len(tiles) != 1:
        tiles.append(img.resize((tile, tile)))
    return (cols, rows), tiles


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", default=os.path.join(root, "assets", "images"))
    ap.add_argument("--out", default=os.path.join(root, "assets", "golden", "image"))
    args = ap.parse_args()

    import torch
    import torchvision
    import torchvision.transforms as T
    from torchvision.transforms import InterpolationMode
    from safetensors.numpy import save_file

    out = {}
    meta = {"pillow": Image.__version__ if hasattr(Image, "__version__") else __import__("PIL").__version__,
            "torch": torch.__version__, "torchvision": torchvision.__version__}

    # 1. The resize kernel alone, on synthetic images: down, up, one axis only, anisotropic.
    rng = np.random.default_rng(20261123)

    def synthetic(w, h):
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), ((x // 5 + y // 7) % 2) * 255], -1)
        noise = rng.integers(-40, 41, size=(h, w, 3))
        return np.clip(base + noise, 0, 255).astype(np.uint8)

    cases = [((64, 48), (17, 13)), ((64, 48), (100, 77)), ((64, 48), (64, 20)), ((64, 48), (31, 48)),
             ((203, 157), (50, 50)), ((203, 157), (130, 100)), ((23, 17), (96, 96)), ((5, 3), (7, 11))]
    for k, ((sw, sh), (tw, th)) in enumerate(cases):
        src = synthetic(sw, sh)
        out[f"resize.{k}.src"] = src
        out[f"resize.{k}.out"] = np.asarray(Image.fromarray(src).resize((tw, th), Image.BICUBIC))

    # 2. Decoding and the encoders' pipelines on the sample images.
    try:
        import timm
        from timm.data import create_transform

        def timm_cfg(name):
            pc = timm.models.get_pretrained_cfg(name)
            pc = pc.to_dict() if hasattr(pc, "to_dict") else dict(pc)
            return {k: pc[k] for k in ("mean", "std", "interpolation", "crop_pct") if k in pc}
        dino_cfg = timm_cfg("vit_large_patch14_reg4_dinov2.lvd142m")
        siglip_cfg = timm_cfg("vit_so400m_patch14_siglip_384")
        meta["timm"] = timm.__version__
    except Exception as e:  # timm missing or renamed: the values prismatic reads from it
        print("timm configs unavailable, using their known values:", repr(e))
        create_transform = None
        dino_cfg = {"mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225), "interpolation": "bicubic", "crop_pct": 1.0}
        siglip_cfg = {"mean": (0.5, 0.5, 0.5), "std": (0.5, 0.5, 0.5), "interpolation": "bicubic", "crop_pct": 1.0}
    meta["dino_cfg"] = json.dumps(dino_cfg)
    meta["siglip_cfg"] = json.dumps(siglip_cfg)
    print("DINOv2 data config:", dino_cfg, "\nSigLIP data config:", siglip_cfg)

    def resize_naive(cfg, size=384):
        """prismatic's DinoSigLIPViTBackbone with image_resize_strategy="resize-naive": timm's eval transform
        with its first step (Resize) replaced by Resize((size, size)) of the same interpolation."""
        if create_transform is not None:
            default = create_transform(input_size=(3, size, size), interpolation=cfg["interpolation"],
                                       mean=cfg["mean"], std=cfg["std"], crop_pct=cfg.get("crop_pct", 1.0),
                                       is_training=False)
            assert isinstance(default.transforms[0], T.Resize), default
            return T.Compose([T.Resize((size, size), interpolation=default.transforms[0].interpolation),
                              *default.transforms[1:]])
        return T.Compose([T.Resize((size, size), interpolation=InterpolationMode.BICUBIC), T.CenterCrop(size),
                          T.ToTensor(), T.Normalize(cfg["mean"], cfg["std"])])

    dino_tf, siglip_tf = resize_naive(dino_cfg), resize_naive(siglip_cfg)
    print("DINOv2 transform:", dino_tf)
    imagenet_mean, imagenet_std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    hovle_tf = T.Compose([T.Lambda(lambda im: im.convert("RGB") if im.mode != "RGB" else im),
                          T.Resize((448, 448), interpolation=InterpolationMode.BICUBIC), T.ToTensor(),
                          T.Normalize(mean=imagenet_mean, std=imagenet_std)])

    def normalize_u8(u8, mean, std):  # ToTensor + Normalize, op by op in f32
        t = torch.from_numpy(np.ascontiguousarray(u8)).permute(2, 0, 1).float().div(255)
        return ((t - torch.tensor(mean, dtype=torch.float32)[:, None, None])
                / torch.tensor(std, dtype=torch.float32)[:, None, None]).numpy()

    names = []
    for path in sorted(glob.glob(os.path.join(args.images, "*"))):
        if path.endswith(".json"):
            continue
        name = os.path.splitext(os.path.basename(path))[0].replace("-", "_")
        names.append(name)
        img = Image.open(path).convert("RGB")
        u8 = np.asarray(img)
        out[f"decode.{name}.sub"] = sub_hw(u8, (0, 4))
        out[f"decode.{name}.checks"] = checks(u8)

        resized = np.asarray(img.resize((384, 384), Image.BICUBIC))
        dino = dino_tf(img).numpy()
        siglip = siglip_tf(img).numpy()
        # The normalized tensors should be the 8-bit resize normalized op by op (the C++ side computes them so).
        for what, got, cfg in (("dino", dino, dino_cfg), ("siglip", siglip, siglip_cfg)):
            err = np.abs(got - normalize_u8(resized, cfg["mean"], cfg["std"])).max()
            if err != 0:
                print(f"NOTE {name} {what}: pipeline differs from resize+normalize by {err}")
        out[f"mlmamba.{name}.resized_sub"] = sub_hw(resized, SUB_ML)
        out[f"mlmamba.{name}.dino_sub"] = sub_hw(dino, SUB_ML, chw=True)
        out[f"mlmamba.{name}.siglip_sub"] = sub_hw(siglip, SUB_ML, chw=True)
        if name == "scene":
            out["mlmamba.scene.resized"] = resized
        if name == "circles":
            torch.manual_seed(0)
            w = torch.randn(8, 3, 14, 14)
            x = torch.from_numpy(dino)[None]
            conv = torch.nn.functional.conv2d(x, w, stride=14).flatten(2).transpose(1, 2)[0]  # [729, 8]
            patches = x.unfold(2, 14, 14).unfold(3, 14, 14).permute(0, 2, 3, 1, 4, 5).reshape(1, 729, 588)[0]
            assert torch.allclose(patches @ w.view(8, -1).T, conv, rtol=1e-4, atol=1e-3), "patch order"
            out["patchify.weight"] = w.view(8, -1).numpy()
            out["patchify.conv"] = conv.contiguous().numpy()

        (cols, rows), tiles = dynamic_tiles(img, HOVLE_MAX_NUM)
        pixels = torch.stack([hovle_tf(t) for t in tiles]).numpy()
        tiles_u8 = np.stack([np.asarray(t) for t in tiles])
        for k in range(len(tiles)):
            err = np.abs(pixels[k] - normalize_u8(tiles_u8[k], imagenet_mean, imagenet_std)).max()
            if err != 0:
                print(f"NOTE {name} tile {k}: pipeline differs from tile+normalize by {err}")
        out[f"hovle.{name}.grid"] = np.array([cols, rows], dtype=np.int32)
        out[f"hovle.{name}.tiles_sub"] = np.ascontiguousarray(tiles_u8[:, 3::14, 3::14])
        out[f"hovle.{name}.pixels_sub"] = np.ascontiguousarray(pixels[:, :, 3::14, 3::14])
        print(f"{name}: {img.size}, HoVLE grid {cols}x{rows} -> {len(tiles)} tiles")

    sizes = [1, 7, 13, 50, 100, 224, 333, 447, 448, 449, 500, 640, 777, 896, 1000, 1344, 1500, 2000, 3000, 4000]
    table = [(w, h, m, *tile_grid(w, h, m)) for m in (1, 4, 6, 12) for w in sizes for h in sizes]
    out["hovle.ratio_table"] = np.array(table, dtype=np.int32)

    os.makedirs(args.out, exist_ok=True)
    meta["images"] = ",".join(names)
    meta["hovle_max_num"] = str(HOVLE_MAX_NUM)
    save_file({k: np.ascontiguousarray(v) for k, v in out.items()}, os.path.join(args.out, "image_goldens.safetensors"),
              metadata=meta)
    print("wrote", len(out), "tensors,", sum(v.nbytes for v in out.values()), "bytes; metadata", meta)


if __name__ == "__main__":
    main()
