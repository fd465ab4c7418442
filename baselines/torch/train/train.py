#!/usr/bin/env python3
"""Trains the tiny demo models of issue 10 on the synthetic shapes data (data.py) and exports them as engine
checkpoint directories (config.json + model.safetensors in bf16 + the tiny InternLM2 tokenizer):

  tiny-transformer      teacher: HoVLE-like decoder-only VLM, pattern "AAAAAA" (2 embedding + 4 LLM layers)
  tiny-mmmamba-linear   student: every layer a seeded Mamba-2 ("MMMMMM")
  tiny-mmmamba-hybrid   student: the engine's hybrid pattern, attention every 4th layer ("AMMMAM")

Students follow mmMamba's recipe at small scale: each Mamba-2 layer seeded from the teacher's attention of the
same layer (Q->C, K->B, V->x, O->o_proj; conv identity on the current token; dt_bias / A_log_bias as
Mamba-2 initialises them), then stage 1 layer-wise hidden-state alignment (only the new layers train, MSE to
the teacher's layer outputs), stage 2 end-to-end distillation (KL to the teacher's answer distributions, all
parameters), stage 3 fine-tuning (cross-entropy on the answers).

    python3 baselines/torch/train/train.py --out OUT --teacher-s 110 --stage-s 15,30,25

Each phase runs for a wall-clock budget (seconds), so one GPU call of known length trains everything; the
log (OUT/log.jsonl) records steps, losses and held-out accuracy, and OUT/models/<name>/ the checkpoints.
"""
import argparse
import json
import math
import multiprocessing as mp
import os
import shutil
import sys
import time

import numpy as np
from PIL import Image
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import hovle_torch as H  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TOK_DIR = os.path.join(ROOT, "assets", "tokenizers", "tiny-internlm2")
# The tiny models' own system message (config.json "system_message"): HoVLE's default is 139 tokens of the tiny
# tokenizer, three quarters of every training sequence; this one is 9.
SYSTEM = "Answer the question about the image."
IMAGE, PATCH = 128, 16  # one 128x128 tile, 8x8 patches of 16 px -> 16 image tokens after the pixel shuffle
N_IMG = (IMAGE // PATCH // 2) ** 2


def image_tokens(cfg):
    e = cfg["embedding_config"]
    return (e["image_size"] // e["patch_size"] // 2) ** 2


def render(seed):
    scene, im, qa = data.sample(seed)
    px = np.asarray(im.convert("RGB").resize((IMAGE, IMAGE), Image.BICUBIC), dtype=np.uint8)
    return px, qa


def token_rows(out, prompt, answer):
    """(scene index, prompt(question), answer(answer)) for every question of the rendered scenes `out`
    (render's (pixels, [(question, answer)])): 600 000+ questions, each distinct one tokenized once."""
    prompts, answers, rows = {}, {}, []
    for i, (_, qa) in enumerate(out):
        for q, a in qa:
            if q not in prompts:
                prompts[q] = prompt(q)
            if a not in answers:
                answers[a] = answer(a)
            rows.append((i, prompts[q], answers[a]))
    return rows


def build_train(n_scenes, tok, procs):
    t0 = time.time()
    seeds = list(range(data.TRAIN_SEED0, data.TRAIN_SEED0 + n_scenes))
    with mp.Pool(procs) as pool:
        out = pool.map(render, seeds, chunksize=64)
    imgs = np.stack([o[0] for o in out])
    # the rows are filled in numpy (per-row torch.tensor calls were most of the 55 s this took before)
    seqs = token_rows(out, lambda q: H.prompt_ids(tok, q, N_IMG, SYSTEM), lambda a: H.answer_ids(tok, a))
    at = seqs[0][1][1]
    assert all(p[1] == at for _, p, _ in seqs), "the image starts at the same position in every prompt"
    T = max(len(p[0]) + len(a) for _, p, a in seqs)
    ids = np.zeros((len(seqs), T), dtype=np.int64)
    labels = np.full((len(seqs), T), -100, dtype=np.int64)
    img = np.zeros(len(seqs), dtype=np.int64)
    length = np.zeros(len(seqs), dtype=np.int64)
    for j, (i, (p, _), r) in enumerate(seqs):
        n = len(p) + len(r)
        ids[j, :len(p)] = p
        ids[j, len(p):n] = r
        labels[j, len(p) - 1:n - 1] = r  # position t predicts token t+1
        img[j] = i
        length[j] = n
    ids, labels, img, length = (torch.from_numpy(x) for x in (ids, labels, img, length))
    pix = torch.from_numpy(imgs).permute(0, 3, 1, 2).contiguous()  # uint8: normalised per batch on the device
    print(f"data: {n_scenes} scenes, {len(seqs)} questions, max length {T}, {time.time() - t0:.1f} s", flush=True)
    return {"ids": ids, "labels": labels, "img": img, "pix": pix, "len": length, "image_at": at}


def load_eval(path, tok, limit=None, size=IMAGE, n_img=N_IMG, system=SYSTEM):
    from PIL import Image
    rows = [json.loads(l) for l in open(os.path.join(path, "items.jsonl"))][:limit]
    items = []
    for r in rows:
        ids, at = H.prompt_ids(tok, r["question"], n_img, system)
        items.append({**r, "ids": ids, "image_at": at,
                      "pix": H.pixels_of(Image.open(os.path.join(path, r["image"])), size)})
    return items


@torch.no_grad()
def greedy_batch(model, items, tok, dev, max_new=12):
    """Greedy answers for items, batched by prompt length (no padding: RoPE positions start at 0)."""
    stop = {tok.added["<|im_end|>"], tok.added["<|im_start|>"], tok.added["</s>"]}
    by_len = {}
    for k, it in enumerate(items):
        by_len.setdefault(len(it["ids"]), []).append(k)
    answers = [None] * len(items)
    model.eval()
    for _, ks in by_len.items():
        ids = torch.tensor([items[k]["ids"] for k in ks], device=dev)
        pix = torch.stack([items[k]["pix"] for k in ks]).to(dev, next(model.parameters()).dtype)
        at = items[ks[0]]["image_at"]
        outs = H.greedy_rows(lambda x: model(x, pix, at)[:, -1].argmax(-1), ids, stop, max_new)
        for j, k in enumerate(ks):
            answers[k] = outs[j]
    model.train()
    return answers


def accuracy(model, items, tok, dev):
    ans = greedy_batch(model, items, tok, dev)
    texts = [tok.decode(a).strip() for a in ans]
    return sum(t == it["answer"] for t, it in zip(texts, items)) / len(items), texts


class Logger:
    def __init__(self, path):
        self.f = open(path, "a")

    def __call__(self, **kw):
        self.f.write(json.dumps(kw) + "\n")
        self.f.flush()
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in kw.items()), flush=True)


def batches(D, bs, dev, gen, fixed=False):
    """Shuffled batches, cut to the batch's longest sequence (padding past it changes nothing: causal); with
    `fixed`, every batch has the data's full length (a CUDA graph replays one shape) and the permutation lives on
    the device, so fetching a batch never waits for the GPU."""
    n = D["ids"].shape[0]
    mean, std = H.MEAN.to(dev), H.STD.to(dev)
    while True:
        perm = torch.randperm(n, generator=gen)
        if fixed:
            perm = perm.to(dev)
        for i in range(0, n - bs + 1, bs):
            idx = perm[i:i + bs]
            T = D["ids"].shape[1] if fixed else int(D["len_cpu"][idx].max())
            idx = idx.to(dev)
            pix = (D["pix"][D["img"][idx]].float() / 255.0 - mean) / std
            yield D["ids"][idx, :T], D["labels"][idx, :T], pix


def adamw(groups, lr, dev, graph):
    """AdamW (β 0.9/0.98, weight decay 0.01 unless a group sets its own) as every phase trains; for a CUDA graph
    capturable, its learning rate a device tensor that set_lr fills."""
    return torch.optim.AdamW(groups, lr=torch.tensor(lr, device=dev) if graph else lr, betas=(0.9, 0.98),
                             weight_decay=0.01, capturable=graph, foreach=True if graph else None)


def lr_at(lr, step, warmup, frac):
    """Linear warm-up over `warmup` steps, then cosine to 10% of `lr` over the budget (`frac` of it spent)."""
    return lr * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))


def set_lr(opt, lr):
    for g in opt.param_groups:
        if torch.is_tensor(g["lr"]):
            g["lr"].fill_(lr)  # a captured graph reads the tensor
        else:
            g["lr"] = lr


def capture(name, log, make):
    """`make()`'s GraphStep, or None when capturing fails (logged): the caller then trains eagerly rather than
    lose the GPU call."""
    t0 = time.time()
    try:
        runner = make()
        torch.cuda.synchronize()
        log(phase=name, step=0, t=round(time.time() - t0, 1), graph_captured=True)
        return runner
    except Exception as e:
        log(phase=name, step=0, t=round(time.time() - t0, 1), graph_captured=False, error=repr(e)[:300])
        return None


class GraphStep:
    """A whole training step (forward, backward, gradient clipping, AdamW) captured once in a CUDA graph and
    replayed for every batch. The tiny models' eager steps are bound by host time, not GPU work: a teacher step
    is ~8 500 dispatcher ops (torch profiler), 40-90 ms on the H100 host at any batch or sequence length.
    `loss_fn` must not sync with the host (no boolean-mask indexing): see the *_graph losses. The optimizer must
    be capturable with a tensor learning rate. Warm-up: three eager steps on a side stream (real updates).
    With `skip_nonfinite`, a step whose gradient norm is not finite leaves the parameters and the optimizer's
    moments as they were (selected on the device: the graph cannot branch); `skipped` counts those steps."""

    def __init__(self, loss_fn, params, opt, example, skip_nonfinite=False):
        self.static = [t.clone() for t in example]
        self.loss_fn, self.params, self.opt = loss_fn, params, opt
        self.skip_nonfinite = skip_nonfinite
        self.skipped = torch.zeros((), dtype=torch.int64, device=params[0].device)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                opt.zero_grad(set_to_none=True)
                self._step()
        torch.cuda.current_stream().wait_stream(side)
        opt.zero_grad(set_to_none=True)  # gradients are then allocated in the graph's pool, at fixed addresses
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.loss = self._step()

    def _step(self):
        dev = self.params[0].device.type  # (cuda; the CPU only in the test of the skip logic)
        with torch.autocast(device_type=dev, dtype=torch.bfloat16, cache_enabled=False, enabled=dev == "cuda"):
            loss = self.loss_fn(*self.static)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(self.params, 1.0, foreach=True)
        if not (self.skip_nonfinite and self.opt.state):  # (the first warm-up step creates the moments)
            self.opt.step()
            return loss.detach()
        ok = torch.isfinite(norm)
        state = [v for p in self.params for v in self.opt.state[p].values() if torch.is_tensor(v)]
        kept = [t.clone() for t in self.params + state]
        self.opt.step()
        with torch.no_grad():
            for t, old in zip(self.params + state, kept):
                t.copy_(torch.where(ok, t, old))
            self.skipped += (~ok).long()
        return loss.detach()

    def __call__(self, *batch):
        for dst, src in zip(self.static, batch):
            dst.copy_(src)
        self.graph.replay()
        return self.loss


def run_phase(name, model, params, loss_fn, D, budget_s, lr, log, ev, bs, dev, eval_every_s=None, graph_loss=None):
    """Trains `params` with AdamW (warmup, cosine to 10% over the wall-clock budget); evaluates at the end.
    With `graph_loss` (a host-sync-free twin of `loss_fn`) on CUDA, the step runs as a replayed CUDA graph."""
    graph = graph_loss is not None and dev.type == "cuda"
    opt = adamw(params, lr, dev, graph)
    gen = torch.Generator().manual_seed(sum(name.encode()))
    it = batches(D, bs, dev, gen, fixed=graph)
    t0 = time.time()
    step, last_log, last_eval = 0, t0, t0
    runner = capture(name, log, lambda: GraphStep(graph_loss, params, opt, next(it))) if graph else None
    if graph and runner is None:
        graph, opt, it = False, adamw(params, lr, dev, False), batches(D, bs, dev, gen)
    while True:
        frac = (time.time() - t0) / budget_s
        if frac >= 1:
            break
        set_lr(opt, lr_at(lr, step, 100, frac))
        if graph:
            loss = runner(*next(it))
        else:
            ids, labels, pix = next(it)
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
                loss = loss_fn(ids, labels, pix)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        step += 1
        now = time.time()  # no per-step .item(): the host runs ahead of the GPU between log lines
        if now - last_log > 2 or step == 1:
            log(phase=name, step=step, t=round(now - t0, 1), loss=float(loss.item()))
            last_log = now
        if eval_every_s and now - last_eval > eval_every_s:
            acc, _ = accuracy(model, ev, D["tok"], dev)
            log(phase=name, step=step, t=round(now - t0, 1), eval_acc=acc)
            last_eval = time.time()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    wall = time.time() - t0
    acc, _ = accuracy(model, ev, D["tok"], dev)
    log(phase=name, step=step, t=round(wall, 1), eval_acc=acc, steps_per_s=round(step / wall, 2), graph=graph,
        final=True)
    return acc


def graph_check(D, at, dev, bs, steps, log):
    """The same teacher trained `steps` steps eagerly and as a replayed CUDA graph, from the same weights on the
    same batches: the losses must agree (bf16 autocast; the graph's first three updates are GraphStep's eager
    warm-up on the first batch, which the eager run repeats). Logs both loss curves' largest relative gap and
    the steps per second of each. Returns the gap."""
    cfg = H.make_config("AAAAAA", image_size=IMAGE, patch=PATCH, system_message=SYSTEM)
    curves, rates = {}, {}
    for mode in ("eager", "graph"):
        model = H.Hovle(cfg, seed=0).to(dev)
        params = list(model.parameters())
        it = batches(D, bs, dev, torch.Generator().manual_seed(123), fixed=True)
        first = next(it)
        graph = mode == "graph"
        opt = adamw(params, 1e-3, dev, graph)
        if graph:
            run = GraphStep(ce_loss_graph(model, at), params, opt, first)
        else:
            f = ce_loss(model, at)

            def run(ids, labels, pix):
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, cache_enabled=False):
                    loss = f(ids, labels, pix)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0, foreach=True)
                opt.step()
                return loss.detach()
            for _ in range(3):
                run(*first)
        batch_list = [next(it) for _ in range(steps)]
        torch.cuda.synchronize()
        t0 = time.time()
        losses = [run(*b).clone() for b in batch_list]
        torch.cuda.synchronize()
        rates[mode] = steps / (time.time() - t0)
        curves[mode] = torch.stack(losses).float().cpu()
    gap = float(((curves["graph"] - curves["eager"]).abs() / curves["eager"].abs()).max())
    log(phase="graph-check", steps=steps, max_rel_gap=gap, eager_steps_per_s=round(rates["eager"], 1),
        graph_steps_per_s=round(rates["graph"], 1), eager_first_last=[round(float(curves["eager"][0]), 4),
        round(float(curves["eager"][-1]), 4)], graph_first_last=[round(float(curves["graph"][0]), 4),
        round(float(curves["graph"][-1]), 4)])
    return gap


def ce_loss(model, image_at):
    def f(ids, labels, pix):
        m = labels != -100
        logits = model(ids, pix, image_at, at=m)
        return F.cross_entropy(logits.float(), labels[m])
    return f


def ce_loss_graph(model, image_at):
    """ce_loss without a host sync: the head over every position, ignore_index for the rest (same value)."""
    def f(ids, labels, pix):
        logits = model(ids, pix, image_at)
        return F.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100)
    return f


def kl_answers(sl, tl, m, tau=1.0):
    """KL(teacher || student) per answer position, summed over them and divided by their count ("batchmean"
    over the selected rows), from full [B, T, V] logits and the answer mask, without indexing by the mask."""
    lt, ls = F.log_softmax(tl.float() / tau, -1), F.log_softmax(sl.float() / tau, -1)
    kl = (lt.exp() * (lt - ls)).sum(-1)
    return (kl * m).sum() / m.sum().clamp(min=1)


def seed_student(teacher, pattern, seed):
    """Student of `pattern`: the teacher's tensors, each 'M' layer seeded from the teacher's attention."""
    cfg = H.make_config(pattern, image_size=IMAGE, patch=PATCH, system_message=SYSTEM)
    st = H.Hovle(cfg, seed=seed)
    t = {k: v.detach().cpu() for k, v in teacher.tensors().items()}
    st.load({k: v for k, v in t.items() if "attention.wqkv" not in k and "attention.wo" not in k})
    g = torch.Generator().manual_seed(seed)
    nq, nkv, hd = st.nq, st.nkv, st.hd
    gs = 2 + nq // nkv
    for i, kind in enumerate(pattern):
        p = H.layer_prefix(cfg, i)
        if kind == "A":
            st.load({p + "attention.wqkv.weight": t[p + "attention.wqkv.weight"], p + "attention.wo.weight": t[p + "attention.wo.weight"]})
            continue
        w = t[p + "attention.wqkv.weight"].view(nkv, gs, hd, -1)
        q = w[:, :gs - 2].reshape(nq * hd, -1)
        k, v = w[:, gs - 2].reshape(nkv * hd, -1), w[:, gs - 1].reshape(nkv * hd, -1)
        st.load(st.fresh_mamba(p, g, (q, k, v, t[p + "attention.wo.weight"])))
    return st


def export(model, out_dir, name, log_extra=None):
    d = os.path.join(out_dir, "models", name)
    os.makedirs(d, exist_ok=True)
    json.dump(model.cfg, open(os.path.join(d, "config.json"), "w"), indent=2)
    H.save_safetensors(model.tensors(), os.path.join(d, "model.safetensors"))
    for f in ("tokenizer.model", "tokenizer_config.json", "added_tokens.json"):
        shutil.copy(os.path.join(TOK_DIR, f), d)
    print(f"exported {d}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--scenes", type=int, default=20000)
    ap.add_argument("--teacher-s", type=float, default=110)
    ap.add_argument("--stage-s", default="15,30,25", help="seconds of stages 1,2,3 per student")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--eval-limit", type=int, default=None)
    ap.add_argument("--students", default="linear,hybrid")
    ap.add_argument("--procs", type=int, default=min(16, os.cpu_count() or 1))
    ap.add_argument("--cuda-graph", action="store_true",
                    help="replay each training step as a CUDA graph (the tiny models' eager steps are host-bound)")
    ap.add_argument("--graph-check", type=int, default=0, metavar="STEPS",
                    help="first train a teacher STEPS steps eagerly and as a CUDA graph and log the loss gap")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    log = Logger(os.path.join(a.out, "log.jsonl"))
    t_all = time.time()
    tok = H.Tokenizer(TOK_DIR)
    D = build_train(a.scenes, tok, a.procs)
    D["len_cpu"] = D["len"]
    for k in ("ids", "labels", "img", "pix"):
        D[k] = D[k].to(dev)
    D["tok"] = tok
    ev = load_eval(os.path.join(ROOT, "assets", "eval", "shapes"), tok, a.eval_limit)
    at = D["image_at"]
    if a.graph_check and dev.type == "cuda":
        graph_check(D, at, dev, a.batch, a.graph_check, log)

    teacher = H.Hovle(H.make_config("AAAAAA", image_size=IMAGE, patch=PATCH, system_message=SYSTEM), seed=0).to(dev)
    run_phase("teacher", teacher, list(teacher.parameters()), ce_loss(teacher, at), D, a.teacher_s, 2e-3, log, ev,
              a.batch, dev, eval_every_s=a.teacher_s / 4, graph_loss=ce_loss_graph(teacher, at) if a.cuda_graph else None)
    export(teacher, a.out, "tiny-transformer")
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)

    s1, s2, s3 = (float(x) for x in a.stage_s.split(","))
    for kind in a.students.split(","):
        pattern = {"linear": "MMMMMM", "hybrid": "AMMMAM"}[kind]
        name = f"tiny-mmmamba-{kind}"
        st = seed_student(teacher, pattern, seed=1).to(dev)
        acc0, _ = accuracy(st, ev, tok, dev)
        log(phase=f"{kind}-seeded", step=0, t=0.0, eval_acc=acc0)
        m_layers = [i for i, c in enumerate(pattern) if c == "M"]
        mix_params = [v for k, v in st.P.items() if any(k.startswith(H.layer_prefix(st.cfg, i).replace(".", "|") + "attention")
                                                         for i in m_layers)]

        def align(ids, labels, pix):
            with torch.no_grad():
                _, hs = teacher(ids, pix, at, hidden=True, head=False)
            loss = 0
            for i in m_layers:  # each new layer maps the teacher's input of layer i to its output
                loss = loss + F.mse_loss(st.block(i, hs[i]).float(), hs[i + 1].float())
            return loss / len(m_layers)
        mix_ids = {id(v) for v in mix_params}
        for v in st.parameters():  # stage 1 trains the new layers only: no gradients for the rest
            v.requires_grad_(id(v) in mix_ids)
        run_phase(f"{kind}-stage1-align", st, mix_params, align, D, s1, 2e-3, log, ev, a.batch, dev,
                  graph_loss=align if a.cuda_graph else None)
        for v in st.parameters():
            v.requires_grad_(True)

        def distill(ids, labels, pix, tau=1.0):
            m = labels != -100
            with torch.no_grad():
                tl = teacher(ids, pix, at, at=m)
            sl = st(ids, pix, at, at=m)
            return F.kl_div(F.log_softmax(sl.float() / tau, -1), F.log_softmax(tl.float() / tau, -1),
                            log_target=True, reduction="batchmean")

        def distill_graph(ids, labels, pix):
            with torch.no_grad():
                tl = teacher(ids, pix, at)
            return kl_answers(st(ids, pix, at), tl, labels != -100)
        g = a.cuda_graph
        run_phase(f"{kind}-stage2-distill", st, list(st.parameters()), distill, D, s2, 1e-3, log, ev, a.batch, dev,
                  graph_loss=distill_graph if g else None)
        run_phase(f"{kind}-stage3-finetune", st, list(st.parameters()), ce_loss(st, at), D, s3, 5e-4, log, ev, a.batch, dev,
                  graph_loss=ce_loss_graph(st, at) if g else None)
        export(st, a.out, name)
    log(phase="all", t=round(time.time() - t_all, 1))


if __name__ == "__main__":
    main()
