#!/usr/bin/env python3
"""PyTorch reference of the four models, written from the math in docs/models.md (not from the authors'
code), used to make the golden outputs the engine is tested against.

    python3 baselines/torch/models_reference.py --model DIR --out DIR/golden.safetensors [--steps 4]

DIR holds config.json + model.safetensors as `mambascope init` writes them (f32 weights). The script builds
deterministic inputs (token ids, and an image tensor for the image path), runs a full-sequence forward in
float64 on the CPU, then greedy-decodes --steps tokens with caches (recurrent Mamba state / KV cache), and
writes everything to the output safetensors:
  input_ids [T] i64, pixel_values (HoVLE family: [tiles, 3, S, S]; ML-Mamba: dino [3,S,S] + siglip [3,S,S]),
  image_positions [n] i64 (HoVLE family) , logits_prefill [T_total, V] f32, greedy_ids [steps] i64,
  logits_steps [steps, V] f32 (the logits that chose each greedy token, from the cached decode path), and
  logits_full [steps, V] f32 (the same from full re-forwards: the two must agree).
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

DT = torch.float64


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def layer_norm(x, w, b, eps):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def softplus(x):
    return F.softplus(x)


# ---------------------------------------------------------------- Mamba-2 (state-spaces) and the SSD core

def ssd_scan(x, dt, A, B, C, D, h_of_x, h_of_b, h_of_c, state=None):
    """Sequential SSD recurrence (the specification).
    x [L, Hx, P], dt [L, H] (already softplus'd), A [H], B [L, Gb, N], C [L, Gc, N], D [H] or None.
    Head h reads x[:, h_of_x(h)], B[:, h_of_b(h)], C[:, h_of_c(h)]. Returns y [L, H, P], final state [H, P, N]."""
    L, H = dt.shape
    P = x.shape[-1]
    N = B.shape[-1]
    if state is None:
        state = torch.zeros(H, P, N, dtype=DT)
    state = state.clone()
    y = torch.zeros(L, H, P, dtype=DT)
    for t in range(L):
        for h in range(H):
            xh, bh, ch = x[t, h_of_x(h)], B[t, h_of_b(h)], C[t, h_of_c(h)]
            state[h] = torch.exp(dt[t, h] * A[h]) * state[h] + dt[t, h] * torch.outer(xh, bh)
            y[t, h] = state[h] @ ch + (D[h] * xh if D is not None else 0)
    return y, state


def causal_conv(x, w, b, conv_state):
    """Depthwise causal conv over time. x [L, C], w [C, K], conv_state [K-1, C] (previous inputs, oldest
    first). Returns pre-activation output [L, C] and the new conv_state."""
    K = w.shape[1]
    full = torch.cat([conv_state, x], 0)  # [K-1+L, C]
    out = torch.stack([(full[t:t + K] * w.t()).sum(0) for t in range(x.shape[0])]) + b
    return out, full[-(K - 1):].clone() if K > 1 else full[:0]


class Mamba2Mixer:
    """state-spaces Mamba2 (rmsnorm=True, norm_before_gate=False); `dirs` parameter suffixes for the scan
    connector (BiMamba2: "", "_b")."""

    def __init__(self, W, p, cfg, d_model, suffix=""):
        self.W, self.p, self.s = W, p, suffix
        self.d_inner = cfg["expand"] * d_model
        self.P = cfg["headdim"]
        self.H = self.d_inner // self.P
        self.G = cfg["ngroups"]
        self.N = cfg["d_state"]
        self.K = cfg["d_conv"]
        self.eps = 1e-5

    def w(self, n):
        return self.W[self.p + n]

    def core(self, zxbcdt, cache):
        """Up to and including the gated RMSNorm. zxbcdt [L, in_proj]; cache dict conv/ssm (updated)."""
        s, di, G, N, H, P = self.s, self.d_inner, self.G, self.N, self.H, self.P
        z = zxbcdt[:, :di]
        xBC = zxbcdt[:, di:2 * di + 2 * G * N]
        dt = zxbcdt[:, 2 * di + 2 * G * N:]
        cw = self.w("conv1d" + s + ".weight")[:, 0, :]
        pre, cache["conv"] = causal_conv(xBC, cw, self.w("conv1d" + s + ".bias"), cache["conv"])
        xBC = F.silu(pre)
        x = xBC[:, :di].reshape(-1, H, P)
        B = xBC[:, di:di + G * N].reshape(-1, G, N)
        C = xBC[:, di + G * N:].reshape(-1, G, N)
        dt = softplus(dt + self.w("dt_bias" + s))
        A = -torch.exp(self.w("A_log" + s))
        hpg = H // G
        y, cache["ssm"] = ssd_scan(x, dt, A, B, C, self.w("D" + s), lambda h: h, lambda h: h // hpg,
                                   lambda h: h // hpg, cache["ssm"])
        y = y.reshape(-1, di) * F.silu(z)
        gs = di // G
        y = torch.cat([rms(y[:, g * gs:(g + 1) * gs], 1.0, self.eps) for g in range(G)], -1)
        return y * self.w("norm.weight")

    def new_cache(self):
        conv_dim = self.d_inner + 2 * self.G * self.N
        return {"conv": torch.zeros(self.K - 1, conv_dim, dtype=DT), "ssm": None}

    def forward(self, u, cache):
        return self.core(u @ self.w("in_proj.weight").t(), cache) @ self.w("out_proj.weight").t()


# ---------------------------------------------------------------- HoVLE family

def rope_tables(positions, head_dim, theta):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=DT) / head_dim))
    f = torch.outer(positions.to(DT), inv)
    emb = torch.cat([f, f], -1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def rope_base(part, total_len):
    base = part["rope_theta"]
    sc = part.get("rope_scaling")
    if sc and sc.get("type") == "dynamic" and total_len > part["max_position_embeddings"]:
        f, mp, d = sc["factor"], part["max_position_embeddings"], part["hidden_size"] // part["num_attention_heads"]
        base = base * ((f * total_len / mp) - (f - 1)) ** (d / (d - 2))
    return base


class AttentionLayer:
    def __init__(self, W, p, part):
        self.W, self.p, self.part = W, p, part
        self.nq, self.nkv = part["num_attention_heads"], part["num_key_value_heads"]
        self.hd = part["hidden_size"] // self.nq

    def forward(self, u, cache, pos0):
        L = u.shape[0]
        nq, nkv, hd = self.nq, self.nkv, self.hd
        gs = 2 + nq // nkv  # InternLM2 packs [q x (nq/nkv), k, v] per kv group
        qkv = (u @ self.W[self.p + "attention.wqkv.weight"].t()).reshape(L, nkv, gs, hd)
        q = qkv[:, :, :gs - 2].reshape(L, nq, hd)
        k = qkv[:, :, gs - 2]
        v = qkv[:, :, gs - 1]
        total = pos0 + L
        cos, sin = rope_tables(torch.arange(pos0, total), hd, rope_base(self.part, total))
        q = q * cos[:, None] + rotate_half(q) * sin[:, None]
        k = k * cos[:, None] + rotate_half(k) * sin[:, None]
        cache["k"] = torch.cat([cache["k"], k], 0)
        cache["v"] = torch.cat([cache["v"], v], 0)
        K, V = cache["k"], cache["v"]
        rep = nq // nkv
        K = K.repeat_interleave(rep, 1)
        V = V.repeat_interleave(rep, 1)
        s = torch.einsum("lhd,mhd->hlm", q, K) / math.sqrt(hd)
        mask = torch.arange(K.shape[0])[None, :] > (torch.arange(L)[:, None] + pos0)
        s = s.masked_fill(mask[None], float("-inf"))
        o = torch.einsum("hlm,mhd->lhd", torch.softmax(s, -1), V).reshape(L, nq * hd)
        return o @ self.W[self.p + "attention.wo.weight"].t()

    def new_cache(self):
        return {"k": torch.zeros(0, self.nkv, self.hd, dtype=DT), "v": torch.zeros(0, self.nkv, self.hd, dtype=DT)}


class SeededMambaLayer:
    """mmMamba's Mamba-2 seeded from attention (docs/models.md 4.1)."""

    def __init__(self, W, p, part, d_conv):
        self.W, self.p = W, p
        self.nq, self.nkv = part["num_attention_heads"], part["num_key_value_heads"]
        self.hd = part["hidden_size"] // self.nq
        self.K = d_conv

    def w(self, n):
        return self.W[self.p + "attention." + n]

    def forward(self, u, cache, pos0):
        nq, nkv, hd = self.nq, self.nkv, self.hd
        proj = u @ self.w("wvkqgdt.weight").t()
        cd = (2 * nkv + nq) * hd
        pre, cache["conv"] = causal_conv(proj[:, :cd], self.w("conv1d.weight")[:, 0, :], self.w("conv1d.bias"), cache["conv"])
        vkq = F.silu(pre)
        v = vkq[:, :nkv * hd].reshape(-1, nkv, hd)
        k = vkq[:, nkv * hd:2 * nkv * hd].reshape(-1, nkv, hd)
        q = vkq[:, 2 * nkv * hd:].reshape(-1, nq, hd)
        g = proj[:, cd:cd + nq * hd].reshape(-1, nq, hd)
        dt = softplus(proj[:, cd + nq * hd:] + self.w("dt_bias"))
        A = -torch.exp(self.w("A_log_bias"))
        rep = nq // nkv
        y, cache["ssm"] = ssd_scan(v, dt, A, k, q, None, lambda h: h // rep, lambda h: h // rep, lambda h: h, cache["ssm"])
        y = rms(y, self.w("g_norm_swish_gate.weight"), 1e-5) * F.silu(g)
        return y.reshape(-1, nq * hd) @ self.w("o_proj.weight").t()

    def new_cache(self):
        return {"conv": torch.zeros(self.K - 1, (2 * self.nkv + self.nq) * self.hd, dtype=DT), "ssm": None}


def pixel_shuffle_tokens(v, grid):
    """v [grid*grid, C] -> [(grid/2)^2, 4C]: patch (r, c) channel ch -> token (r//2)*(grid/2) + c//2,
    channel (r%2)*2C + (c%2)*C + ch (docs/models.md 3.1)."""
    C = v.shape[1]
    g2 = grid // 2
    out = torch.zeros(g2 * g2, 4 * C, dtype=DT)
    for r in range(grid):
        for c in range(grid):
            t = (r // 2) * g2 + c // 2
            off = (r % 2) * 2 * C + (c % 2) * C
            out[t, off:off + C] = v[r * grid + c]
    return out


class HovleModel:
    def __init__(self, W, cfg):
        self.W, self.cfg = W, cfg
        e, l = cfg["embedding_config"], cfg["llm_config"]
        self.layers = []
        for part, prefix, n in ((e, "embedding_model.encoder.", e["num_hidden_layers"]),
                                (l, "language_model.model.layers.", l["num_hidden_layers"])):
            for i in range(n):
                p = f"{prefix}{i}."
                kind = part["layers_block_type"][i]
                layer = AttentionLayer(W, p, part) if kind == "mha" else SeededMambaLayer(W, p, part, 2)
                self.layers.append((p, part, layer))
        self.img_id = e["img_context_token_id"]

    def embed_image(self, tiles):
        W, e = self.W, self.cfg["embedding_config"]
        ps = e["patch_size"]
        out = []
        for t in tiles:
            f = F.conv2d(t[None], W["embedding_model.vision_embeddings.patch_embedding.weight"],
                         W["embedding_model.vision_embeddings.patch_embedding.bias"], stride=ps)[0]
            grid = f.shape[-1]
            v = f.flatten(1).t() + W["embedding_model.vision_embeddings.position_embedding"][0, 1:]
            v = pixel_shuffle_tokens(v, grid)
            v = F.gelu(v @ W["embedding_model.pixel_shuffle_proj.0.weight"].t() + W["embedding_model.pixel_shuffle_proj.0.bias"])
            v = v @ W["embedding_model.pixel_shuffle_proj.2.weight"].t() + W["embedding_model.pixel_shuffle_proj.2.bias"]
            out.append(v)
        return torch.cat(out, 0)

    def embed(self, ids, tiles):
        h = self.W["embedding_model.llm_text_embeddings.weight"][ids]
        if tiles is not None:
            pos = (ids == self.img_id).nonzero()[:, 0]
            h[pos] = self.embed_image(tiles)
        return h

    def new_caches(self):
        return [layer.new_cache() for _, _, layer in self.layers]

    def run(self, h, caches, pos0):
        for (p, part, layer), cache in zip(self.layers, caches):
            eps = part["rms_norm_eps"]
            x = h + layer.forward(rms(h, self.W[p + "attention_norm.weight"], eps), cache, pos0)
            m = rms(x, self.W[p + "ffn_norm.weight"], eps)
            h = x + (F.silu(m @ self.W[p + "feed_forward.w1.weight"].t()) * (m @ self.W[p + "feed_forward.w3.weight"].t())) \
                @ self.W[p + "feed_forward.w2.weight"].t()
        h = rms(h, self.W["language_model.model.norm.weight"], self.cfg["llm_config"]["rms_norm_eps"])
        return h @ self.W["language_model.output.weight"].t()

    def token_embed(self, tok):
        return self.W["embedding_model.llm_text_embeddings.weight"][tok][None]


# ---------------------------------------------------------------- ML-Mamba

def vit_features(W, p, v, img):
    ps = v["patch_size"]
    x = F.conv2d(img[None], W[p + "patch_embed.proj.weight"], W[p + "patch_embed.proj.bias"], stride=ps)[0].flatten(1).t()
    x = x + W[p + "pos_embed"][0]  # position embeddings on patch tokens only (no_embed_class)
    prefix = []
    if v["class_token"]:
        prefix.append(W[p + "cls_token"][0])
    if v["reg_tokens"]:
        prefix.append(W[p + "reg_token"][0])
    n_prefix = sum(t.shape[0] for t in prefix)
    x = torch.cat(prefix + [x], 0)
    D, nh = v["hidden_size"], v["num_heads"]
    hd = D // nh
    for i in range(v["feature_block"] + 1):
        b = f"{p}blocks.{i}."
        y = layer_norm(x, W[b + "norm1.weight"], W[b + "norm1.bias"], v["layer_norm_eps"])
        qkv = (y @ W[b + "attn.qkv.weight"].t() + W[b + "attn.qkv.bias"]).reshape(-1, 3, nh, hd)
        q, k, vv = qkv[:, 0], qkv[:, 1], qkv[:, 2]
        a = torch.softmax(torch.einsum("lhd,mhd->hlm", q, k) / math.sqrt(hd), -1)
        o = torch.einsum("hlm,mhd->lhd", a, vv).reshape(-1, D) @ W[b + "attn.proj.weight"].t() + W[b + "attn.proj.bias"]
        x = x + (o * W[b + "ls1.gamma"] if v["layerscale"] else o)
        y = layer_norm(x, W[b + "norm2.weight"], W[b + "norm2.bias"], v["layer_norm_eps"])
        m = F.gelu(y @ W[b + "mlp.fc1.weight"].t() + W[b + "mlp.fc1.bias"]) @ W[b + "mlp.fc2.weight"].t() + W[b + "mlp.fc2.bias"]
        x = x + (m * W[b + "ls2.gamma"] if v["layerscale"] else m)
    return x[n_prefix:]


def scan_perms(name, rows, cols):
    idx = torch.arange(rows * cols)
    col = idx.reshape(rows, cols).t().flatten()
    table = {"row": idx, "row_rev": idx.flip(0), "col": col, "col_rev": col.flip(0)}
    sets = {"bidirectional": ["row", "row_rev"], "cross": ["row", "row_rev", "col", "col_rev"]}
    return [table[n] for n in sets.get(name, name.split(","))]


class MLMambaModel:
    def __init__(self, W, cfg):
        self.W, self.cfg = W, cfg
        llm = cfg["llm"]
        self.d = llm["d_model"]
        self.lm_layers = [Mamba2Mixer(W, f"llm_backbone.backbone.layers.{i}.mixer.", llm["ssm_cfg"], self.d)
                          for i in range(llm["n_layer"])]

    def image_embeds(self, dino_img, siglip_img):
        W, cfg = self.W, self.cfg
        fd = vit_features(W, "vision_backbone.dino_featurizer.", cfg["vision"]["dino"], dino_img)
        fs = vit_features(W, "vision_backbone.siglip_featurizer.", cfg["vision"]["siglip"], siglip_img)
        x = F.gelu(torch.cat([fd, fs], -1) @ W["mlp.0.weight"].t() + W["mlp.0.bias"])
        con = cfg["connector"]
        v = cfg["vision"]["dino"]
        grid = v["image_size"] // v["patch_size"]
        perms = scan_perms(con["scan"], grid, grid)
        sfx = ["", "_b"] + [f"_o{i}" for i in range(2, 8)]
        for l in range(con["num_layers"]):
            p = f"bidirectional_mamba.layers.{l}."
            zx = x @ W[p + "mixer.in_proj.weight"].t()
            acc = 0
            for o, perm in enumerate(perms):
                mixer = Mamba2Mixer(W, p + "mixer.", con["ssm_cfg"], self.d, sfx[o])
                y = mixer.core(zx[perm], mixer.new_cache())
                out = torch.empty_like(y)
                out[perm] = y  # scatter back to patch order
                acc = acc + out
            x = x + (acc / len(perms)) @ W[p + "mixer.out_proj.weight"].t()
            y = layer_norm(x, W[p + "norm.weight"], W[p + "norm.bias"], con["layer_norm_eps"])
            x = x + (F.silu(y @ W[p + "mlp.w1.weight"].t() + W[p + "mlp.w1.bias"]) * (y @ W[p + "mlp.w2.weight"].t() + W[p + "mlp.w2.bias"])) \
                @ W[p + "mlp.w3.weight"].t() + W[p + "mlp.w3.bias"]
        x = layer_norm(x, W["bidirectional_mamba.norm_f.weight"], W["bidirectional_mamba.norm_f.bias"], con["layer_norm_eps"])
        x = F.gelu(x @ W["projector.projector.0.weight"].t() + W["projector.projector.0.bias"])
        x = F.gelu(x @ W["projector.projector.2.weight"].t() + W["projector.projector.2.bias"])
        return x @ W["projector.projector.4.weight"].t() + W["projector.projector.4.bias"]

    def embed(self, ids, images):
        e = self.W["llm_backbone.backbone.embedding.weight"][ids]
        return e if images is None else torch.cat([self.image_embeds(*images), e], 0)

    def new_caches(self):
        return [{"mixer": m.new_cache(), "residual": None} for m in self.lm_layers]

    def run(self, h, caches, pos0):
        # Block: r = h + r (fp32 residual stream; first block r = h), h = mixer(rmsnorm(r)).
        W = self.W
        r = None
        for i, (m, c) in enumerate(zip(self.lm_layers, caches)):
            r = h if r is None else h + r
            h = m.forward(rms(r, W[f"llm_backbone.backbone.layers.{i}.norm.weight"], 1e-5), c["mixer"])
        h = rms(h + r, W["llm_backbone.backbone.norm_f.weight"], 1e-5)
        return h @ W["llm_backbone.backbone.embedding.weight"].t()  # tied head, padded vocab

    def token_embed(self, tok):
        return self.W["llm_backbone.backbone.embedding.weight"][tok][None]


# ---------------------------------------------------------------- inputs, goldens

def make_inputs(cfg, ml):
    g = torch.Generator().manual_seed(1234)
    if ml:
        v = cfg["vision"]["dino"]
        S = v["image_size"]
        vocab = cfg["llm"]["vocab_size"]
        ids = torch.randint(0, vocab, (12,), generator=g)
        imgs = (torch.rand(3, S, S, generator=g) * 2 - 1, torch.rand(3, S, S, generator=g) * 2 - 1)
        return ids, imgs, None
    e = cfg["embedding_config"]
    S = e["image_size"]
    vocab = cfg["llm_config"]["vocab_size"]
    n_img = (S // e["patch_size"]) ** 2 // 4
    ids = torch.randint(0, vocab - 16, (12,), generator=g)
    ids = torch.cat([ids[:3], torch.full((n_img,), e["img_context_token_id"]), ids[3:]])
    tiles = torch.rand(1, 3, S, S, generator=g) * 2 - 1
    return ids, tiles, (ids == e["img_context_token_id"]).nonzero()[:, 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=4)
    a = ap.parse_args()
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    W = {k: v.to(DT) for k, v in load_file(os.path.join(a.model, "model.safetensors")).items()}
    ml = cfg.get("model_type") == "ml-mamba"
    model = MLMambaModel(W, cfg) if ml else HovleModel(W, cfg)
    ids, image, img_pos = make_inputs(cfg, ml)
    with torch.no_grad():
        h = model.embed(ids, image)
        caches = model.new_caches()
        logits = model.run(h, caches, 0)
        n = h.shape[0]
        greedy, step_logits, full_logits = [], [], []
        seq = h
        last = logits[-1]
        for s in range(a.steps):
            tok = int(torch.argmax(last))
            greedy.append(tok)
            e = model.token_embed(tok)
            last = model.run(e, caches, n + s)[-1]
            step_logits.append(last)
            seq = torch.cat([seq, e], 0)
            full_logits.append(model.run(seq, model.new_caches(), 0)[-1])
    out = {"input_ids": ids.to(torch.int64), "logits_prefill": logits.float(),
           "greedy_ids": torch.tensor(greedy, dtype=torch.int64),
           "logits_steps": torch.stack(step_logits).float(), "logits_full": torch.stack(full_logits).float()}
    if ml:
        out["pixel_values_dino"] = image[0].float().contiguous()
        out["pixel_values_siglip"] = image[1].float().contiguous()
    else:
        out["pixel_values"] = image.float().contiguous()
        out["image_positions"] = img_pos.to(torch.int64)
    err = (torch.stack(step_logits) - torch.stack(full_logits)).abs().max().item()
    print(f"{a.model}: prefill {n} tokens, {a.steps} greedy steps {greedy}; cached vs full max |diff| {err:.2e}")
    assert err < 1e-8, "the cached decode path disagrees with full re-forwards"
    save_file(out, a.out)


if __name__ == "__main__":
    main()
