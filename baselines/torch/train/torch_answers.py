#!/usr/bin/env python3
"""PyTorch's greedy answers for an eval set, from an exported model directory (the same bf16 weights the
engine loads), computed in float64: what `mambascope eval` compares our engine with, token for token.

    python3 baselines/torch/train/torch_answers.py --model assets/models/tiny-mmmamba-linear --data assets/eval/shapes

writes DATA/torch/<model name>.jsonl: {"answer", "ids", "prompt_checksum"} per item, in items.jsonl order.
Either family: the HoVLE family (hovle_torch.py) or ML-Mamba ("model_type": "ml-mamba", mlmamba_torch.py, whose
prompt checksum counts the image rows as the engine's ChatPrompt::ids holds them, -1 each).
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hovle_torch as H  # noqa: E402
from train import greedy_batch, image_tokens, load_eval  # noqa: E402


def checksum(ids):
    return sum(t * (i + 1) for i, t in enumerate(ids)) % 2147483647


def mlmamba_answers(model_dir, data_dir, dev, limit=None):
    import mlmamba_torch as M
    tok = M.Tokenizer(model_dir)
    net = M.from_dir(model_dir).double().to(dev)
    items = M.load_eval(data_dir, tok, net.cfg["vision"]["dino"]["image_size"], limit)
    out = M.greedy(net, items, tok, dev, dtype=torch.float64, max_new=16)
    return tok, items, [{"answer": tok.decode(a).strip(), "ids": a, "prompt_checksum": M.engine_checksum(it["ids"], net.n_img)}
                        for a, it in zip(out, items)]


def answers(model_dir, data_dir, dev, limit=None):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    if cfg.get("model_type") == "ml-mamba":
        tok, items, rows = mlmamba_answers(model_dir, data_dir, dev, limit)
    else:
        tok = H.Tokenizer(model_dir)
        net = H.Hovle(cfg)
        net.load(H.load_safetensors(os.path.join(model_dir, "model.safetensors")))
        net = net.double().to(dev)
        items = load_eval(data_dir, tok, limit, size=cfg["force_image_size"], n_img=image_tokens(cfg),
                          system=cfg.get("system_message", H.SYSTEM))
        for it in items:
            it["pix"] = it["pix"].double()
        out = greedy_batch(net, items, tok, dev, max_new=16)
        rows = [{"answer": tok.decode(a).strip(), "ids": a, "prompt_checksum": checksum(it["ids"])} for a, it in zip(out, items)]
    os.makedirs(os.path.join(data_dir, "torch"), exist_ok=True)
    name = os.path.basename(os.path.normpath(model_dir))
    with open(os.path.join(data_dir, "torch", name + ".jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    acc = sum(r["answer"] == it["answer"] for r, it in zip(rows, items)) / len(rows)
    print(f"{name}: PyTorch float64 accuracy {acc:.3f} on {len(rows)} items of {data_dir}", flush=True)
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, nargs="+")
    ap.add_argument("--data", required=True)
    ap.add_argument("--limit", type=int, default=None)
    a = ap.parse_args()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for m in a.model:
        answers(m, a.data, dev, a.limit)


if __name__ == "__main__":
    main()
