#!/usr/bin/env python3
"""Trains the tiny ML-Mamba of issue 10 on the synthetic shapes data (data.py, scenes rendered by train.py's
`render`) and exports engine checkpoint directories, one per connector scan:

  tiny-ml-mamba-bsm   scan "bidirectional" (row, row_rev: the released BSM connector)
  tiny-ml-mamba-csm   scan "cross"         (row, row_rev, col, col_rev: CSM)

Model (mlmamba_torch.make_config): DINOv2-like + SigLIP-like ViTs (128 px, patch 16 -> 8x8 = 64 image tokens,
width 128, 2 heads, 2 blocks run), Linear + GELU to 128, 2 Mamba-2 scan connector layers, projector MLP, Mamba-2 LM
(6 layers, width 128, 4 heads of 64, d_state 64, tied head over 3072 ids). Cross-entropy on the answer tokens
only (logits computed only there), AdamW, warmup then cosine over each variant's wall-clock budget, bf16 autocast
on CUDA.

    python3 baselines/torch/train/train_mlmamba.py --out OUT --scenes 16000 --budget-s 240 --batch 256

OUT/log.jsonl records steps, losses and held-out accuracy (assets/eval/shapes); OUT/models/<name>/ holds
config.json, model.safetensors (bf16) and the tokenizer (tokenizer.model + tokenizer_config.json +
added_tokens.json).
"""
import argparse
import multiprocessing as mp
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import mlmamba_torch as M  # noqa: E402
from train import GraphStep, Logger, adamw, capture, lr_at, render, set_lr, token_rows, IMAGE  # noqa: E402  (scene rendering: PIL bicubic resize to IMAGE x IMAGE)

ROOT = M.ROOT
NAMES = {"bidirectional": "tiny-ml-mamba-bsm", "cross": "tiny-ml-mamba-csm"}


def build_train(n_scenes, tok, procs):
    t0 = time.time()
    seeds = list(range(data.TRAIN_SEED0, data.TRAIN_SEED0 + n_scenes))
    if procs > 1:
        with mp.Pool(procs) as pool:
            out = pool.map(render, seeds, chunksize=64)
    else:
        out = [render(s) for s in seeds]
    u8 = torch.from_numpy(np.stack([o[0] for o in out]))  # [scenes, S, S, 3]
    seqs = token_rows(out, lambda q: M.prompt_ids(tok, q), lambda a: M.answer_ids(tok, a))  # rows filled in numpy
    T = max(len(p) + len(a) for _, p, a in seqs)
    A = max(len(a) for _, _, a in seqs)
    ids = np.zeros((len(seqs), T), dtype=np.int64)
    pos = np.zeros((len(seqs), A), dtype=np.int64)       # text position whose logits predict answer token j
    lab = np.full((len(seqs), A), -100, dtype=np.int64)
    img = np.zeros(len(seqs), dtype=np.int64)
    for j, (i, p, a) in enumerate(seqs):
        ids[j, :len(p)] = p
        ids[j, len(p):len(p) + len(a)] = a
        pos[j, :len(a)] = np.arange(len(p) - 1, len(p) + len(a) - 1)
        lab[j, :len(a)] = a
        img[j] = i
    ids, pos, lab, img = (torch.from_numpy(x) for x in (ids, pos, lab, img))
    print(f"data: {n_scenes} scenes, {len(seqs)} questions, text length <= {T}, answers <= {A} tokens, "
          f"{time.time() - t0:.1f} s", flush=True)
    return {"ids": ids, "pos": pos, "lab": lab, "img": img, "u8": u8}


def accuracy(model, ev, tok, dev):
    ans = M.greedy(model, ev, tok, dev)
    texts = [tok.decode(a).strip() for a in ans]
    return sum(t == it["answer"] for t, it in zip(texts, ev)) / len(ev)


def train_variant(scan, D, ev, tok, a, dev, log):
    name = NAMES[scan]
    cfg = M.make_config(scan, n_layer=a.layers)
    model = M.MLMamba(cfg, seed=0).to(dev)
    n_par = sum(p.numel() for p in model.parameters())
    log(phase=name, step=0, t=0.0, params=n_par, scan=scan)
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    graph = a.cuda_graph and dev.type == "cuda"
    opt = adamw(groups, a.lr, dev, graph)
    gen = torch.Generator().manual_seed(sum(name.encode()))
    n = D["ids"].shape[0]
    d = model.d
    n_img = model.n_img

    def loss_fn(ids, pos, lab, pix):
        h = model.hidden(ids, pix)[:, n_img:]
        sel = torch.gather(h, 1, pos[..., None].expand(-1, -1, d))  # only the answer positions
        return F.cross_entropy(model.head(sel).flatten(0, 1).float(), lab.flatten(), ignore_index=-100)

    def next_batch():
        nonlocal perm, at
        if at + a.batch > n:
            perm, at = torch.randperm(n, generator=gen).to(dev if graph else "cpu"), 0
        idx = perm[at:at + a.batch].to(dev)
        at += a.batch
        return D["ids"][idx], D["pos"][idx], D["lab"][idx], M.normalize(D["u8"][D["img"][idx]])

    t0 = time.time()
    step, since, last_log, last_eval, skipped = 0, 0, t0, t0, 0
    loss_sum = torch.zeros((), device=dev)
    perm, at = None, n
    runner = capture(name, log, lambda: GraphStep(loss_fn, params, opt, next_batch(), skip_nonfinite=True)) if graph else None
    if graph and runner is None:
        graph, opt, perm, at = False, adamw(groups, a.lr, dev, False), None, n
    while True:
        frac = (time.time() - t0) / a.budget_s
        if frac >= 1:
            break
        lr_now = lr_at(a.lr, step, a.warmup, frac)
        set_lr(opt, lr_now)
        if graph:
            loss = runner(*next_batch())  # a non-finite step is skipped on the device (runner.skipped)
        else:
            ids, pos, lab, pix = next_batch()
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
                loss = loss_fn(ids, pos, lab, pix)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(params, 1.0)
            # A non-finite loss or gradient (the BSM run of 2026-11-23 hit NaN after ~400 steps at lr 2e-3 and
            # AdamW carried it into every weight): skip that update instead of poisoning the moments. One host sync.
            if not bool(torch.isfinite(gnorm)):
                skipped += 1
                continue
            opt.step()
        step += 1
        since += 1
        loss_sum += loss.detach() if not graph else torch.nan_to_num(loss, nan=0.0)
        now = time.time()
        if now - last_log > a.log_every_s or step == 1:  # the only host syncs: one per log line (mean loss since the last)
            log(phase=name, step=step, t=round(now - t0, 1), loss=float(loss_sum.item() / since), lr=lr_now)
            loss_sum.zero_()
            since, last_log = 0, now
        if a.eval_every_s and now - last_eval > a.eval_every_s:
            log(phase=name, step=step, t=round(now - t0, 1), eval_acc=accuracy(model, ev, tok, dev))
            last_eval = time.time()
    if runner is not None:
        skipped = int(runner.skipped)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    wall = time.time() - t0
    acc = accuracy(model, ev, tok, dev)
    log(phase=name, step=step, t=round(wall, 1), eval_acc=acc, steps_per_s=round(step / wall, 3), skipped_nonfinite=skipped,
        graph=graph, final=True)
    out = os.path.join(a.out, "models", name)
    M.export(model, out)
    print(f"exported {out}", flush=True)
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--scenes", type=int, default=16000)
    ap.add_argument("--budget-s", type=float, default=240, help="wall-clock seconds of training per variant")
    ap.add_argument("--scans", default="bidirectional,cross")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--layers", type=int, default=6, help="Mamba-2 LM layers")
    ap.add_argument("--eval-limit", type=int, default=None)
    ap.add_argument("--eval-every-s", type=float, default=None, help="held-out accuracy this often (default budget/3)")
    ap.add_argument("--log-every-s", type=float, default=5)
    ap.add_argument("--procs", type=int, default=min(8, os.cpu_count() or 1))
    ap.add_argument("--cuda-graph", action="store_true", help="replay each training step as a CUDA graph (train.GraphStep)")
    a = ap.parse_args()
    if a.eval_every_s is None:
        a.eval_every_s = a.budget_s / 3
    os.makedirs(a.out, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    assert M.make_config()["vision"]["dino"]["image_size"] == IMAGE, "train.render resizes to the model's image size"
    log = Logger(os.path.join(a.out, "log.jsonl"))
    t_all = time.time()
    tok_dir = os.path.join(a.out, "tokenizer-mlmamba")
    M.write_tokenizer(tok_dir)
    tok = M.Tokenizer(tok_dir)
    D = build_train(a.scenes, tok, a.procs)
    for k in D:
        D[k] = D[k].to(dev)
    ev = M.load_eval(os.path.join(ROOT, "assets", "eval", "shapes"), tok, IMAGE, a.eval_limit)
    for scan in a.scans.split(","):
        train_variant(scan, D, ev, tok, a, dev, log)
    log(phase="all-mlmamba", t=round(time.time() - t_all, 1))


if __name__ == "__main__":
    main()
