#!/usr/bin/env python3
"""Trainable batched PyTorch twin of the engine's ML-Mamba (models_reference.MLMambaModel: same math, same
published tensor names and config.json keys), plus its tokenizer and chat prompt as the engine builds them.

    python3 baselines/torch/train/mlmamba_torch.py --selftest    # twin == models_reference, float64, both scans

Model: DINOv2-like + SigLIP-like ViTs (patch tokens of block feature_block), concat -> Linear + GELU -> Mamba-2
scan connector layers (bidirectional: row, row_rev; cross: + col, col_rev; in_proj / norm / out_proj shared,
conv1d / dt_bias / A_log / D per order, outputs averaged) -> LayerNorm -> projector MLP -> [image rows][text]
into a Mamba-2 LM (pre-norm RMSNorm blocks, f32 residual stream, tied head over the padded vocabulary).
The SSD is computed in its quadratic masked form, exact for short sequences:
    y_t = sum_{s<=t} exp(cum_t - cum_s) dt_s (C_t . B_s) x_s + D x_t,   cum_t = sum_{r<=t} dt_r A
with dt and its cumulative sums in float32 (or float64) even under bf16 autocast.

Tokenizer: the tiny InternLM2 SentencePiece model (assets/tokenizers/tiny-internlm2) with ML-Mamba's chat
tokens added (<|endoftext|>, <|user|>, <|assistant|>, ids 3009-3011) and no BOS (GPT-NeoX, ML-Mamba's
tokenizer, adds none), written next to each exported checkpoint by write_tokenizer(). Prompt: the engine's
ChatFormat::MlMamba (engine/text/chat_template.cpp), "<|user|>\\n{q}<|endoftext|>\\n<|assistant|>\\n", the
image's embeddings before all text.
"""
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hovle_torch as H  # noqa: E402  (safetensors I/O and the SentencePiece tokenizer with added tokens)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "baselines", "torch"))
TOK_SRC = os.path.join(ROOT, "assets", "tokenizers", "tiny-internlm2")
CHAT_TOKENS = {"<|endoftext|>": 3009, "<|user|>": 3010, "<|assistant|>": 3011}
IMAGENET = (torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1), torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1))
SIGLIP = (torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1), torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1))
SUFFIX = ["", "_b"] + [f"_o{i}" for i in range(2, 8)]  # scan order o's parameter suffix (weight_specs.cpp)


# ------------------------------------------------------------------ config

def make_config(scan="bidirectional", d=128, n_layer=6, vocab=3072, image=128, patch=16, vit_width=128, vit_heads=2,
                vit_mlp=512, vit_depth=3, connector_layers=2, proj_hidden=512, d_state=64, headdim=64):
    """config.json of a tiny ML-Mamba, with the keys model_config_to_json writes (engine/model/model_config.cpp).
    ViT blocks 0..feature_block (= depth - 2, as released) run; headdim / d_state 64 and ViT head dim 64 are
    sizes the GPU kernels take."""
    ssm = {"layer": "Mamba2", "d_state": d_state, "d_conv": 4, "expand": 2, "headdim": headdim, "ngroups": 1,
           "chunk_size": 256}

    def vit(cls, reg, ls):
        return {"image_size": image, "patch_size": patch, "hidden_size": vit_width, "depth": vit_depth,
                "num_heads": vit_heads, "mlp_dim": vit_mlp, "reg_tokens": reg, "class_token": cls, "layerscale": ls,
                "layer_norm_eps": 1e-6, "feature_block": vit_depth - 2}
    return {"model_type": "ml-mamba",
            "vision": {"dino": vit(True, 4, True), "siglip": vit(False, 0, False)},
            "connector": {"num_layers": connector_layers, "scan": scan, "layer_norm_eps": 1e-5, "ssm_cfg": dict(ssm)},
            "projector": {"hidden_size": proj_hidden},
            "llm": {"d_model": d, "d_intermediate": 0, "n_layer": n_layer, "vocab_size": vocab, "ssm_cfg": dict(ssm),
                    "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": True, "residual_in_fp32": True,
                    "fused_add_norm": True, "pad_vocab_size_multiple": 16, "tie_embeddings": True}}


def padded_vocab(cfg):
    l = cfg["llm"]
    m = l["pad_vocab_size_multiple"]
    return (l["vocab_size"] + m - 1) // m * m


def reference():
    """baselines/torch/models_reference.py (it imports the safetensors package only to read/write files: a
    stand-in is enough where the package is missing)."""
    try:
        import safetensors.torch  # noqa: F401
    except ImportError:
        import types
        st = types.ModuleType("safetensors")
        st.torch = types.ModuleType("safetensors.torch")
        st.torch.load_file = st.torch.save_file = None
        sys.modules["safetensors"], sys.modules["safetensors.torch"] = st, st.torch
    import models_reference
    return models_reference


def scan_orders(cfg):
    """The connector's scan orders (models_reference.scan_perms: one definition)."""
    g = cfg["vision"]["dino"]["image_size"] // cfg["vision"]["dino"]["patch_size"]
    return reference().scan_perms(cfg["connector"]["scan"], g, g)


# ------------------------------------------------------------------ tokenizer, prompt, pixels

def write_tokenizer(dst):
    """tiny-internlm2's SentencePiece model + ML-Mamba's chat tokens as added tokens, no BOS."""
    os.makedirs(dst, exist_ok=True)
    shutil.copy(os.path.join(TOK_SRC, "tokenizer.model"), dst)
    cfg = json.load(open(os.path.join(TOK_SRC, "tokenizer_config.json")))
    cfg["mambascope_note"] = ("tiny-internlm2 with ML-Mamba's chat tokens (<|endoftext|>, <|user|>, <|assistant|>) "
                              "and no BOS, for the tiny ML-Mamba; made by baselines/torch/train/mlmamba_torch.py")
    cfg["add_bos_token"] = False
    for tok, i in CHAT_TOKENS.items():
        cfg["added_tokens_decoder"][str(i)] = {"content": tok, "lstrip": False, "normalized": False, "rstrip": False,
                                               "single_word": False, "special": True}
    json.dump(cfg, open(os.path.join(dst, "tokenizer_config.json"), "w"), indent=1, ensure_ascii=False)
    shutil.copy(os.path.join(TOK_SRC, "added_tokens.json"), dst)


class Tokenizer(H.Tokenizer):
    def __init__(self, dirname):
        super().__init__(dirname)
        cfg = json.load(open(os.path.join(dirname, "tokenizer_config.json")))
        self.add_bos = cfg.get("add_bos_token", True)
        self.eot = self.added["<|endoftext|>"]


def py_strip(s):
    return s.strip()  # the engine's python_strip is str.strip()


def prompt_ids(tok, question):
    """Text ids of build_chat_prompt(ChatFormat::MlMamba, one turn): the image's rows come before them."""
    text = "<|user|>\n" + py_strip(question.replace("<image>", "")) + "<|endoftext|>\n<|assistant|>\n"
    return tok.encode(text, bos=tok.add_bos)


def answer_ids(tok, answer):
    return tok.encode(answer) + [tok.eot]


def engine_checksum(text_ids, n_img):
    """eval.cpp prompt_checksum of the engine's ChatPrompt::ids ([-1] * n_img + text ids), with C++'s %."""
    s = 0
    for i, t in enumerate([-1] * n_img + list(text_ids)):
        s = int(math.fmod(s + t * (i + 1), 2147483647))
    return s


def resize(image, size):
    from PIL import Image
    return np.asarray(image.convert("RGB").resize((size, size), Image.BICUBIC), dtype=np.uint8)


def normalize(u8):
    """uint8 [..., S, S, 3] (numpy or tensor) -> f32 [..., 2, 3, S, S]: the DINOv2 view (ImageNet mean/std) and
    the SigLIP view (0.5/0.5), computed as the engine's preprocess_mlmamba does (f32 (p/255 - mean) / std)."""
    t = torch.as_tensor(u8)
    t = t.movedim(-1, -3).float() / 255.0
    dev = t.device
    return torch.stack([(t - IMAGENET[0].to(dev)) / IMAGENET[1].to(dev), (t - SIGLIP[0].to(dev)) / SIGLIP[1].to(dev)], -4)


# ------------------------------------------------------------------ model

def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def ssd_quadratic(x, dt, A, Bm, Cm, D):
    """x [B,L,H,P], dt [B,L,H] (softplus'd, f32+), A [H], Bm/Cm [B,L,G,N], D [H] -> y [B,L,H,P] (zero state)."""
    Bsz, L, Hh, P = x.shape
    G = Bm.shape[2]
    hpg = Hh // G
    cum = torch.cumsum(dt * A, 1).transpose(1, 2)  # [B,H,L]
    diff = cum[..., :, None] - cum[..., None, :]  # [B,H,t,s]
    mask = torch.ones(L, L, dtype=torch.bool, device=x.device).tril()
    Lmat = torch.exp(diff.masked_fill(~mask, float("-inf"))) * dt.transpose(1, 2)[..., None, :]
    cb = torch.einsum("btgn,bsgn->bgts", Cm, Bm).repeat_interleave(hpg, 1)  # [B,H,t,s]
    M = (cb.to(Lmat.dtype) * Lmat).to(x.dtype)
    y = torch.einsum("bhts,bshp->bthp", M, x)
    return y + x * D.to(x.dtype)[:, None]


class MLMamba(nn.Module):
    def __init__(self, cfg, seed=0):
        super().__init__()
        self.cfg = cfg
        llm, con = cfg["llm"], cfg["connector"]
        self.d = d = llm["d_model"]
        self.V = padded_vocab(cfg)
        perms = scan_orders(cfg)
        self.n_orders = len(perms)
        for o, p in enumerate(perms):
            self.register_buffer(f"perm{o}", p.clone(), persistent=False)
            self.register_buffer(f"inv{o}", torch.argsort(p), persistent=False)
        v = cfg["vision"]["dino"]
        self.grid = v["image_size"] // v["patch_size"]
        self.n_img = self.grid * self.grid
        g = torch.Generator().manual_seed(seed)
        P = {}

        def lin(o, i):
            return (torch.rand(o, i, generator=g) * 2 - 1) / math.sqrt(i)

        for name in ("dino", "siglip"):
            vc = cfg["vision"][name]
            p = f"vision_backbone.{name}_featurizer."
            D, ps, mlp = vc["hidden_size"], vc["patch_size"], vc["mlp_dim"]
            P[p + "patch_embed.proj.weight"] = lin(D, 3 * ps * ps).view(D, 3, ps, ps)
            P[p + "patch_embed.proj.bias"] = torch.zeros(D)
            P[p + "pos_embed"] = torch.randn(1, self.n_img, D, generator=g) * 0.02
            if vc["class_token"]:
                P[p + "cls_token"] = torch.randn(1, 1, D, generator=g) * 0.02
            if vc["reg_tokens"]:
                P[p + "reg_token"] = torch.randn(1, vc["reg_tokens"], D, generator=g) * 0.02
            for i in range(vc["feature_block"] + 1):
                b = f"{p}blocks.{i}."
                for n in ("norm1", "norm2"):
                    P[b + n + ".weight"], P[b + n + ".bias"] = torch.ones(D), torch.zeros(D)
                P[b + "attn.qkv.weight"], P[b + "attn.qkv.bias"] = lin(3 * D, D), torch.zeros(3 * D)
                P[b + "attn.proj.weight"], P[b + "attn.proj.bias"] = lin(D, D), torch.zeros(D)
                P[b + "mlp.fc1.weight"], P[b + "mlp.fc1.bias"] = lin(mlp, D), torch.zeros(mlp)
                P[b + "mlp.fc2.weight"], P[b + "mlp.fc2.bias"] = lin(D, mlp), torch.zeros(D)
                if vc["layerscale"]:
                    P[b + "ls1.gamma"], P[b + "ls2.gamma"] = torch.full((D,), 0.1), torch.full((D,), 0.1)
        vd = cfg["vision"]["dino"]["hidden_size"] + cfg["vision"]["siglip"]["hidden_size"]
        P["mlp.0.weight"], P["mlp.0.bias"] = lin(d, vd), torch.zeros(d)
        for l in range(con["num_layers"]):
            p = f"bidirectional_mamba.layers.{l}."
            P.update(self.fresh_mixer(p + "mixer.", con["ssm_cfg"], g, SUFFIX[:self.n_orders]))
            P[p + "norm.weight"], P[p + "norm.bias"] = torch.ones(d), torch.zeros(d)
            for w in ("w1", "w2", "w3"):
                P[p + f"mlp.{w}.weight"], P[p + f"mlp.{w}.bias"] = lin(d, d), torch.zeros(d)
        P["bidirectional_mamba.norm_f.weight"], P["bidirectional_mamba.norm_f.bias"] = torch.ones(d), torch.zeros(d)
        ph = cfg["projector"]["hidden_size"]
        P["projector.projector.0.weight"], P["projector.projector.0.bias"] = lin(ph, d), torch.zeros(ph)
        P["projector.projector.2.weight"], P["projector.projector.2.bias"] = lin(d, ph), torch.zeros(d)
        P["projector.projector.4.weight"], P["projector.projector.4.bias"] = lin(d, d), torch.zeros(d)
        lm = "llm_backbone.backbone."
        P[lm + "embedding.weight"] = torch.randn(self.V, d, generator=g) * 0.02
        for i in range(llm["n_layer"]):
            P[lm + f"layers.{i}.norm.weight"] = torch.ones(d)
            P.update(self.fresh_mixer(lm + f"layers.{i}.mixer.", llm["ssm_cfg"], g, [""], out_scale=1 / math.sqrt(2 * llm["n_layer"])))
        P[lm + "norm_f.weight"] = torch.ones(d)
        self.P = nn.ParameterDict({k.replace(".", "|"): nn.Parameter(v) for k, v in P.items()})

    def fresh_mixer(self, p, s, g, suffixes, out_scale=1.0):
        """Mamba-2's initialisation (state-spaces Mamba2.__init__): dt in [1e-3, 0.1] log-uniform through an
        inverse softplus, A in [1, 16], D = 1, conv uniform in +-1/sqrt(d_conv)."""
        d = self.d
        di, N, G, K = s["expand"] * d, s["d_state"], s["ngroups"], s["d_conv"]
        Hh = di // s["headdim"]
        cd = di + 2 * G * N
        out = {p + "in_proj.weight": (torch.rand(2 * di + 2 * G * N + Hh, d, generator=g) * 2 - 1) / math.sqrt(d),
               p + "norm.weight": torch.ones(di),
               p + "out_proj.weight": (torch.rand(d, di, generator=g) * 2 - 1) / math.sqrt(di) * out_scale}
        for sfx in suffixes:
            dt = torch.exp(torch.rand(Hh, generator=g) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3)).clamp(min=1e-4)
            out[p + "conv1d" + sfx + ".weight"] = (torch.rand(cd, 1, K, generator=g) * 2 - 1) / math.sqrt(K)
            out[p + "conv1d" + sfx + ".bias"] = torch.zeros(cd)
            out[p + "dt_bias" + sfx] = dt + torch.log(-torch.expm1(-dt))
            out[p + "A_log" + sfx] = torch.log(torch.rand(Hh, generator=g) * 15 + 1)
            out[p + "D" + sfx] = torch.ones(Hh)
        return out

    def W(self, name):
        return self.P[name.replace(".", "|")]

    def tensors(self):
        return {k.replace("|", "."): v for k, v in self.P.items()}

    def load(self, tensors):
        for k, v in tensors.items():
            if k.replace(".", "|") in self.P:
                self.P[k.replace(".", "|")].data.copy_(v)

    # -- vision
    def vit(self, name, pix):  # pix [B, 3, S, S] -> [B, g*g, D]
        vc, W = self.cfg["vision"][name], self.W
        p = f"vision_backbone.{name}_featurizer."
        x = F.conv2d(pix, W(p + "patch_embed.proj.weight"), W(p + "patch_embed.proj.bias"), stride=vc["patch_size"])
        x = x.flatten(2).transpose(1, 2) + W(p + "pos_embed")
        B = x.shape[0]
        prefix = []
        if vc["class_token"]:
            prefix.append(W(p + "cls_token").expand(B, -1, -1))
        if vc["reg_tokens"]:
            prefix.append(W(p + "reg_token").expand(B, -1, -1))
        npre = sum(t.shape[1] for t in prefix)
        x = torch.cat([t.to(x.dtype) for t in prefix] + [x], 1)
        D, nh, eps = vc["hidden_size"], vc["num_heads"], vc["layer_norm_eps"]
        hd = D // nh
        T = x.shape[1]
        for i in range(vc["feature_block"] + 1):
            b = f"{p}blocks.{i}."
            y = F.layer_norm(x, (D,), W(b + "norm1.weight"), W(b + "norm1.bias"), eps)
            qkv = F.linear(y, W(b + "attn.qkv.weight"), W(b + "attn.qkv.bias")).view(B, T, 3, nh, hd).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            if hasattr(F, "scaled_dot_product_attention"):
                o = F.scaled_dot_product_attention(q, k, v)
            else:
                o = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), -1) @ v
            o = F.linear(o.transpose(1, 2).reshape(B, T, D), W(b + "attn.proj.weight"), W(b + "attn.proj.bias"))
            x = x + (o * W(b + "ls1.gamma") if vc["layerscale"] else o)
            y = F.layer_norm(x, (D,), W(b + "norm2.weight"), W(b + "norm2.bias"), eps)
            m = F.linear(F.gelu(F.linear(y, W(b + "mlp.fc1.weight"), W(b + "mlp.fc1.bias"))), W(b + "mlp.fc2.weight"), W(b + "mlp.fc2.bias"))
            x = x + (m * W(b + "ls2.gamma") if vc["layerscale"] else m)
        return x[:, npre:]

    # -- Mamba-2 mixer
    def mixer_core(self, p, s, zxbcdt, sfx=""):
        """Up to and including the gated RMSNorm: zxbcdt [B, L, in_proj] -> [B, L, d_inner]."""
        W = self.W
        di, N, G, K, Pd = s["expand"] * self.d, s["d_state"], s["ngroups"], s["d_conv"], s["headdim"]
        Hh = di // Pd
        B, L, _ = zxbcdt.shape
        z = zxbcdt[..., :di]
        xBC = zxbcdt[..., di:2 * di + 2 * G * N]
        dt = zxbcdt[..., 2 * di + 2 * G * N:]
        cd = xBC.shape[-1]
        pre = F.conv1d(F.pad(xBC.transpose(1, 2), (K - 1, 0)), W(p + "conv1d" + sfx + ".weight"),
                       W(p + "conv1d" + sfx + ".bias"), groups=cd)
        xBC = F.silu(pre).transpose(1, 2)
        x = xBC[..., :di].reshape(B, L, Hh, Pd)
        Bm = xBC[..., di:di + G * N].reshape(B, L, G, N)
        Cm = xBC[..., di + G * N:].reshape(B, L, G, N)
        ft = torch.promote_types(dt.dtype, torch.float32)  # dt and its sums in f32 even under bf16 autocast
        dt = F.softplus(dt.to(ft) + W(p + "dt_bias" + sfx).to(ft))
        A = -torch.exp(W(p + "A_log" + sfx).to(ft))
        y = ssd_quadratic(x, dt, A, Bm, Cm, W(p + "D" + sfx)).reshape(B, L, di)
        y = y * F.silu(z)
        y = rms(y.view(B, L, G, di // G), 1.0, 1e-5).view(B, L, di)
        return y * W(p + "norm.weight")

    def image_embeds(self, pix):  # pix [B, 2, 3, S, S] (DINOv2 view, SigLIP view) -> [B, g*g, d]
        W, con = self.W, self.cfg["connector"]
        f = torch.cat([self.vit("dino", pix[:, 0]), self.vit("siglip", pix[:, 1])], -1)
        x = F.gelu(F.linear(f, W("mlp.0.weight"), W("mlp.0.bias")))
        d, eps = self.d, con["layer_norm_eps"]
        for l in range(con["num_layers"]):
            p = f"bidirectional_mamba.layers.{l}."
            zx = F.linear(x, W(p + "mixer.in_proj.weight"))
            acc = 0
            for o in range(self.n_orders):
                y = self.mixer_core(p + "mixer.", con["ssm_cfg"], zx[:, getattr(self, f"perm{o}")], SUFFIX[o])
                acc = acc + y[:, getattr(self, f"inv{o}")]  # back to patch order
            x = x + F.linear(acc / self.n_orders, W(p + "mixer.out_proj.weight"))
            y = F.layer_norm(x, (d,), W(p + "norm.weight"), W(p + "norm.bias"), eps)
            h = F.silu(F.linear(y, W(p + "mlp.w1.weight"), W(p + "mlp.w1.bias"))) * F.linear(y, W(p + "mlp.w2.weight"), W(p + "mlp.w2.bias"))
            x = x + F.linear(h, W(p + "mlp.w3.weight"), W(p + "mlp.w3.bias"))
        x = F.layer_norm(x, (d,), W("bidirectional_mamba.norm_f.weight"), W("bidirectional_mamba.norm_f.bias"), eps)
        x = F.gelu(F.linear(x, W("projector.projector.0.weight"), W("projector.projector.0.bias")))
        x = F.gelu(F.linear(x, W("projector.projector.2.weight"), W("projector.projector.2.bias")))
        return F.linear(x, W("projector.projector.4.weight"), W("projector.projector.4.bias"))

    # -- LM
    def hidden(self, ids, pix=None, img=None):
        """Final-normed hidden states [B, n_img + T, d] of [image rows][text ids]; `img` precomputed embeds."""
        W, llm = self.W, self.cfg["llm"]
        h = F.embedding(ids, W("llm_backbone.backbone.embedding.weight"))
        if img is None and pix is not None:
            img = self.image_embeds(pix)
        if img is not None:
            h = torch.cat([img.to(h.dtype), h], 1)
        r = None
        for i in range(llm["n_layer"]):
            r = h.to(torch.promote_types(h.dtype, torch.float32)) if r is None else r + h  # f32 residual stream
            p = f"llm_backbone.backbone.layers.{i}."
            u = rms(r, W(p + "norm.weight"))
            h = F.linear(self.mixer_core(p + "mixer.", llm["ssm_cfg"], F.linear(u, W(p + "mixer.in_proj.weight"))),
                         W(p + "mixer.out_proj.weight"))
        return rms(r + h, W("llm_backbone.backbone.norm_f.weight"))

    def head(self, h):
        return F.linear(h, self.W("llm_backbone.backbone.embedding.weight"))

    def forward(self, ids, pix=None, img=None):
        return self.head(self.hidden(ids, pix, img))


# ------------------------------------------------------------------ greedy decoding (full re-forwards)

@torch.no_grad()
def greedy(model, items, tok, dev, dtype=None, max_new=12):
    """Greedy answers for items ({"ids": text ids, "u8": uint8 [S, S, 3]}), batched by prompt length (no
    padding). Stops at <|endoftext|> (the engine's stop id for ChatFormat::MlMamba), which is not returned."""
    dtype = dtype or next(model.parameters()).dtype
    by_len = {}
    for k, it in enumerate(items):
        by_len.setdefault(len(it["ids"]), []).append(k)
    answers = [None] * len(items)
    was = model.training
    model.eval()
    for _, ks in sorted(by_len.items()):
        for c in range(0, len(ks), 128):
            kc = ks[c:c + 128]
            ids = torch.tensor([items[k]["ids"] for k in kc], device=dev)
            pix = normalize(np.stack([items[k]["u8"] for k in kc])).to(dev, dtype)
            img = model.image_embeds(pix)
            outs = H.greedy_rows(lambda x: model(x, img=img)[:, -1].argmax(-1), ids, {tok.eot}, max_new)
            for j, k in enumerate(kc):
                answers[k] = outs[j]
    model.train(was)
    return answers


def load_eval(path, tok, size, limit=None):
    from PIL import Image
    rows = [json.loads(l) for l in open(os.path.join(path, "items.jsonl"))][:limit]
    return [{**r, "ids": prompt_ids(tok, r["question"]), "u8": resize(Image.open(os.path.join(path, r["image"])), size)}
            for r in rows]


def export(model, d, tok_dir=None):
    os.makedirs(d, exist_ok=True)
    json.dump(model.cfg, open(os.path.join(d, "config.json"), "w"), indent=2)
    H.save_safetensors(model.tensors(), os.path.join(d, "model.safetensors"))
    write_tokenizer(d)


def from_dir(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    m = MLMamba(cfg)
    m.load(H.load_safetensors(os.path.join(d, "model.safetensors")))
    return m


# ------------------------------------------------------------------ self-test against models_reference

def selftest():
    R = reference()
    torch.manual_seed(0)
    worst = 0.0
    for scan in ("bidirectional", "cross"):
        # small dims keep the reference's sequential loops quick; structure as the trained config
        cfg = make_config(scan, d=32, n_layer=2, vocab=100, image=16, patch=4, vit_width=32, vit_heads=2, vit_mlp=48,
                          d_state=8, headdim=16, proj_hidden=40)
        m = MLMamba(cfg, seed=3).double()
        with torch.no_grad():  # make every tensor matter (zeros / ones would hide a swapped bias or norm)
            for k, p in m.P.items():
                if k.endswith(("bias", "norm|weight", "norm1|weight", "norm2|weight", "gamma", "norm_f|weight")) or "|D" in k:
                    p.add_(torch.randn_like(p) * 0.3)
        W = {k: v.detach().clone() for k, v in m.tensors().items()}
        ref = R.MLMambaModel(W, cfg)
        g = torch.Generator().manual_seed(7)
        S = cfg["vision"]["dino"]["image_size"]
        ids = torch.randint(0, 100, (2, 9), generator=g)
        pix = torch.rand(2, 2, 3, S, S, generator=g, dtype=torch.float64) * 2 - 1
        with torch.no_grad():
            got = m(ids, pix)
            for b in range(2):
                want = ref.run(ref.embed(ids[b], (pix[b, 0], pix[b, 1])), ref.new_caches(), 0)
                err = (got[b] - want).abs().max().item() / want.abs().max().item()
                worst = max(worst, err)
                print(f"{scan}: item {b}: {want.shape[0]} positions x {want.shape[1]} logits, max |twin - reference| / max|ref| = {err:.2e}")
    assert worst < 1e-9, f"the batched twin disagrees with models_reference ({worst:.2e})"
    # the exported tokenizer: prompt ids through SentencePiece + added tokens
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        write_tokenizer(d)
        tok = Tokenizer(d)
        ids = prompt_ids(tok, "How many circles?")
        assert ids[0] == CHAT_TOKENS["<|user|>"] and tok.eot in ids and CHAT_TOKENS["<|assistant|>"] in ids, ids
        print("prompt ids of 'How many circles?':", ids)
    print("selftest ok")


if __name__ == "__main__":
    if "--selftest" in sys.argv:
        selftest()
    else:
        print(__doc__)
