"""Trainable batched PyTorch twin of the engine's HoVLE family (models_reference.HovleModel, same math, same
published tensor names), plus the tokenizer and chat prompt of the family as the engine builds them.

Parameters live in a dict keyed by the engine's tensor names, so export is `save_safetensors(params)`.
The seeded Mamba-2 layer's SSD is computed in its quadratic (masked matrix) form, exact for the short
sequences here: y_t = sum_{s<=t} exp(cumA_t - cumA_s) dt_s (q_t . k_s) v_s.
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SYSTEM = "你是由上海人工智能实验室联合商汤科技开发的书生多模态大模型，英文名叫InternVL, 是一个有用无害的人工智能助手。"
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


# ------------------------------------------------------------------ safetensors without the package

def save_safetensors(tensors, path, dtype=torch.bfloat16):
    header, blobs, off = {}, [], 0
    names = {torch.bfloat16: "BF16", torch.float32: "F32"}
    for k in sorted(tensors):
        t = tensors[k].detach().to("cpu", dtype).contiguous()
        b = t.view(torch.int16).numpy().tobytes() if dtype == torch.bfloat16 else t.numpy().tobytes()
        header[k] = {"dtype": names[dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        raw = np.frombuffer(data[a:b], dtype=np.int16 if v["dtype"] == "BF16" else np.float32).copy()
        t = torch.from_numpy(raw)
        t = t.view(torch.bfloat16).float() if v["dtype"] == "BF16" else t
        out[k] = t.reshape(v["shape"])
    return out


# ------------------------------------------------------------------ tokenizer and chat prompt

class Tokenizer:
    """InternLM2-style: text split at added tokens, each piece encoded by SentencePiece (as engine/text does)."""

    def __init__(self, dirname):
        import sentencepiece as spm
        self.sp = spm.SentencePieceProcessor(model_file=os.path.join(dirname, "tokenizer.model"))
        cfg = json.load(open(os.path.join(dirname, "tokenizer_config.json")))
        self.added = {v["content"]: int(k) for k, v in cfg["added_tokens_decoder"].items()}
        self.added.update(json.load(open(os.path.join(dirname, "added_tokens.json"))))
        self.bos = self.added["<s>"]
        self.cache = {}

    def encode(self, text, bos=False):
        if text not in self.cache:  # the prompts repeat: the system message alone is 139 tokens of CJK
            self.cache[text] = self._encode(text)
        return ([self.bos] if bos else []) + self.cache[text]

    def _encode(self, text):
        out, i, n = [], 0, len(text)
        specials = sorted(self.added, key=len, reverse=True)
        piece = ""
        while i < n:
            m = next((s for s in specials if text.startswith(s, i)), None)
            if m:
                if piece:
                    out += self.sp.encode(piece)
                    piece = ""
                out.append(self.added[m])
                i += len(m)
            else:
                piece += text[i]
                i += 1
        if piece:
            out += self.sp.encode(piece)
        return out

    def decode(self, ids):
        return self.sp.decode([i for i in ids if i < self.sp.get_piece_size()])


def prompt_ids(tok, question, n_image, system=SYSTEM):
    """engine/text build_chat_prompt(InternLM2, one turn, image_embeddings=n_image) with `system` as the system
    message (HoVLE's default unless the checkpoint's config.json sets "system_message"). Returns (ids, image_at)."""
    before = f"<|im_start|>system\n{system}<|im_end|><|im_start|>user\n<img>"
    after = f"</img>\n{question}<|im_end|><|im_start|>assistant\n"
    head = tok.encode(before, bos=True)
    return head + [tok.added["<IMG_CONTEXT>"]] * n_image + tok.encode(after), len(head)


def answer_ids(tok, answer):
    return tok.encode(answer) + [tok.added["<|im_end|>"]]


def pixels_of(image, size):
    """PIL image -> f32 [3, size, size]: bicubic resize + ImageNet normalisation (engine preprocess_hovle, 1 tile)."""
    from PIL import Image
    im = image.convert("RGB").resize((size, size), Image.BICUBIC)
    t = torch.from_numpy(np.asarray(im, dtype=np.uint8).copy()).permute(2, 0, 1).float() / 255.0
    return (t - MEAN) / STD


def greedy_rows(next_ids, ids, stop, max_new):
    """Greedy answers of a batch of equal-length prompts `ids` [B, T]: `next_ids(ids)` gives each row's next
    token; a row ends at a token in `stop` (not kept). Returns one id list per row."""
    outs, done = [[] for _ in range(ids.shape[0])], [False] * ids.shape[0]
    for _ in range(max_new):
        nxt = next_ids(ids)
        for j, t in enumerate(nxt.tolist()):
            if not done[j]:
                if t in stop:
                    done[j] = True
                else:
                    outs[j].append(t)
        if all(done):
            break
        ids = torch.cat([ids, nxt[:, None]], 1)
    return outs


# ------------------------------------------------------------------ config

def make_config(pattern, hidden=128, heads=2, kv_heads=1, inter=512, emb_layers=2, image_size=128, patch=16,
                vocab=3072, img_id=3002, system_message=None):
    def part(layers, pat):
        return {"num_hidden_layers": layers, "hidden_size": hidden, "num_attention_heads": heads,
                "num_key_value_heads": kv_heads, "intermediate_size": inter, "hidden_act": "silu",
                "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 4096, "rope_scaling": None,
                "layers_block_type": ["mamba2" if c == "M" else "mha" for c in pat]}
    e = part(emb_layers, pattern[:emb_layers])
    e.update({"image_size": image_size, "patch_size": patch, "num_channels": 3, "downsample_ratio": 0.5,
              "use_pixel_shuffle_proj": True, "pixel_shuffle_loc": "pre", "llm_vocab_size": vocab,
              "llm_hidden_size": hidden, "img_context_token_id": img_id, "attention_bias": False})
    l = part(len(pattern) - emb_layers, pattern[emb_layers:])
    l.update({"vocab_size": vocab, "bias": False, "tie_word_embeddings": False, "architectures": ["InternLM2ForCausalLM"]})
    mamba = "M" in pattern
    extra = {"system_message": system_message} if system_message is not None else {}
    return {**extra, "architectures": ["mmMambaChatModel" if mamba else "InternVLChatModel"],
            "model_type": "mmMamba_chat" if mamba else "internvl_chat", "template": "internlm2-chat",
            "force_image_size": image_size, "downsample_ratio": 0.5, "dynamic_image_size": True,
            "use_thumbnail": True, "min_dynamic_patch": 1, "max_dynamic_patch": 1,
            "embedding_config": e, "llm_config": l}


def layer_prefix(cfg, i):
    ne = cfg["embedding_config"]["num_hidden_layers"]
    return f"embedding_model.encoder.{i}." if i < ne else f"language_model.model.layers.{i - ne}."


def pattern_of(cfg):
    return "".join("M" if t == "mamba2" else "A" for part in ("embedding_config", "llm_config")
                   for t in cfg[part]["layers_block_type"])


# ------------------------------------------------------------------ model

def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


class Hovle(nn.Module):
    def __init__(self, cfg, seed=0):
        super().__init__()
        self.cfg = cfg
        e, l = cfg["embedding_config"], cfg["llm_config"]
        d, V = l["hidden_size"], l["vocab_size"]
        self.d, self.nq, self.nkv = d, l["num_attention_heads"], l["num_key_value_heads"]
        self.hd = d // self.nq
        self.inter = l["intermediate_size"]
        self.S, self.ps = e["image_size"], e["patch_size"]
        self.g = self.S // self.ps
        self.pattern = pattern_of(cfg)
        g = torch.Generator().manual_seed(seed)
        P = {}

        def lin(o, i):
            return (torch.rand(o, i, generator=g) * 2 - 1) / math.sqrt(i)
        P["embedding_model.vision_embeddings.patch_embedding.weight"] = lin(d, 3 * self.ps * self.ps).view(d, 3, self.ps, self.ps)
        P["embedding_model.vision_embeddings.patch_embedding.bias"] = torch.zeros(d)
        P["embedding_model.vision_embeddings.position_embedding"] = torch.randn(1, self.g * self.g + 1, d, generator=g) * 0.02
        P["embedding_model.vision_embeddings.class_embedding"] = torch.randn(1, 1, d, generator=g) * 0.02
        P["embedding_model.pixel_shuffle_proj.0.weight"] = lin(d, 4 * d)
        P["embedding_model.pixel_shuffle_proj.0.bias"] = torch.zeros(d)
        P["embedding_model.pixel_shuffle_proj.2.weight"] = lin(d, d)
        P["embedding_model.pixel_shuffle_proj.2.bias"] = torch.zeros(d)
        P["embedding_model.llm_text_embeddings.weight"] = torch.randn(V, d, generator=g) * 0.02
        for i, kind in enumerate(self.pattern):
            p = layer_prefix(cfg, i)
            P[p + "attention_norm.weight"] = torch.ones(d)
            P[p + "ffn_norm.weight"] = torch.ones(d)
            P[p + "feed_forward.w1.weight"] = lin(self.inter, d)
            P[p + "feed_forward.w3.weight"] = lin(self.inter, d)
            P[p + "feed_forward.w2.weight"] = lin(d, self.inter) / math.sqrt(2 * len(self.pattern))
            if kind == "A":
                P[p + "attention.wqkv.weight"] = lin((self.nq + 2 * self.nkv) * self.hd, d)
                P[p + "attention.wo.weight"] = lin(d, self.nq * self.hd) / math.sqrt(2 * len(self.pattern))
            else:
                P.update(self.fresh_mamba(p, g))
        P["language_model.model.norm.weight"] = torch.ones(d)
        P["language_model.output.weight"] = lin(V, d)
        self.P = nn.ParameterDict({k.replace(".", "|"): nn.Parameter(v) for k, v in P.items()})

    def fresh_mamba(self, p, g, qkvo=None):
        """A seeded Mamba-2 layer's tensors; q/k/v/o from `qkvo` (the teacher's attention) when given."""
        d, nq, nkv, hd = self.d, self.nq, self.nkv, self.hd
        cd = (2 * nkv + nq) * hd

        def lin(o, i):
            return (torch.rand(o, i, generator=g) * 2 - 1) / math.sqrt(i)
        if qkvo is None:
            q, k, v, o = lin(nq * hd, d), lin(nkv * hd, d), lin(nkv * hd, d), lin(d, nq * hd)
        else:
            q, k, v, o = qkvo
        conv = torch.zeros(cd, 1, 2)
        conv[:, 0, 1] = 1.0  # mimic init: the conv passes the current token through
        dt = torch.exp(torch.rand(nq, generator=g) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3)).clamp(min=1e-4)
        return {p + "attention.wvkqgdt.weight": torch.cat([v, k, q, lin(nq * hd, d), lin(nq, d) * 0.1], 0),
                p + "attention.conv1d.weight": conv, p + "attention.conv1d.bias": torch.zeros(cd),
                p + "attention.dt_bias": dt + torch.log(-torch.expm1(-dt)),
                p + "attention.A_log_bias": torch.log(torch.rand(nq, generator=g) * 15 + 1),
                p + "attention.g_norm_swish_gate.weight": torch.ones(hd),
                p + "attention.o_proj.weight": o}

    def W(self, name):
        return self.P[name.replace(".", "|")]

    def tensors(self):
        out = {k.replace("|", "."): v for k, v in self.P.items()}
        out["language_model.model.tok_embeddings.weight"] = out["embedding_model.llm_text_embeddings.weight"]
        return out

    def load(self, tensors):
        for k, v in tensors.items():
            if k.replace(".", "|") in self.P:
                self.P[k.replace(".", "|")].data.copy_(v)

    # -- pieces
    def embed_image(self, pix):  # [B, 3, S, S] -> [B, (g/2)^2, d]
        W, d, g = self.W, self.d, self.g
        f = F.conv2d(pix, W("embedding_model.vision_embeddings.patch_embedding.weight"),
                     W("embedding_model.vision_embeddings.patch_embedding.bias"), stride=self.ps)
        v = f.flatten(2).transpose(1, 2) + W("embedding_model.vision_embeddings.position_embedding")[:, 1:]
        B = v.shape[0]
        v = v.reshape(B, g // 2, 2, g // 2, 2, d).permute(0, 1, 3, 2, 4, 5).reshape(B, (g // 2) ** 2, 4 * d)
        v = F.gelu(F.linear(v, W("embedding_model.pixel_shuffle_proj.0.weight"), W("embedding_model.pixel_shuffle_proj.0.bias")))
        return F.linear(v, W("embedding_model.pixel_shuffle_proj.2.weight"), W("embedding_model.pixel_shuffle_proj.2.bias"))

    def attention(self, p, u, theta):
        B, T, _ = u.shape
        nq, nkv, hd = self.nq, self.nkv, self.hd
        gs = 2 + nq // nkv
        qkv = F.linear(u, self.W(p + "attention.wqkv.weight")).view(B, T, nkv, gs, hd)
        q = qkv[:, :, :, :gs - 2].reshape(B, T, nq, hd)
        k, v = qkv[:, :, :, gs - 2], qkv[:, :, :, gs - 1]
        inv = 1.0 / (theta ** (torch.arange(0, hd, 2, device=u.device, dtype=torch.float32) / hd))
        f = torch.outer(torch.arange(T, device=u.device, dtype=torch.float32), inv)
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos()[None, :, None], emb.sin()[None, :, None]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = nq // nkv
        q, k, v = q.transpose(1, 2), k.repeat_interleave(rep, 2).transpose(1, 2), v.repeat_interleave(rep, 2).transpose(1, 2)
        if hasattr(F, "scaled_dot_product_attention"):
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            s = q @ k.transpose(-1, -2) / math.sqrt(hd)
            mask = torch.ones(T, T, dtype=torch.bool, device=u.device).triu(1)
            o = torch.softmax(s.masked_fill(mask, float("-inf")), -1) @ v
        return F.linear(o.transpose(1, 2).reshape(B, T, nq * hd), self.W(p + "attention.wo.weight"))

    def mamba(self, p, u):
        B, T, _ = u.shape
        nq, nkv, hd = self.nq, self.nkv, self.hd
        cd = (2 * nkv + nq) * hd
        proj = F.linear(u, self.W(p + "attention.wvkqgdt.weight"))
        x = proj[..., :cd].transpose(1, 2)  # [B, cd, T]
        pre = F.conv1d(F.pad(x, (1, 0)), self.W(p + "attention.conv1d.weight"), self.W(p + "attention.conv1d.bias"), groups=cd)
        vkq = F.silu(pre).transpose(1, 2)
        rep = nq // nkv
        v = vkq[..., :nkv * hd].reshape(B, T, nkv, hd).repeat_interleave(rep, 2).transpose(1, 2)       # [B,H,T,P]
        k = vkq[..., nkv * hd:2 * nkv * hd].reshape(B, T, nkv, hd).repeat_interleave(rep, 2).transpose(1, 2)
        q = vkq[..., 2 * nkv * hd:].reshape(B, T, nq, hd).transpose(1, 2)
        gate = proj[..., cd:cd + nq * hd].reshape(B, T, nq, hd)
        # dt and its cumulative sums in f32 even under bf16 autocast (200 steps of bf16 sums lose the decay)
        ft = torch.promote_types(proj.dtype, torch.float32)
        dt = F.softplus(proj[..., cd + nq * hd:].to(ft) + self.W(p + "attention.dt_bias").to(ft)).transpose(1, 2)  # [B,H,T]
        A = -torch.exp(self.W(p + "attention.A_log_bias").to(ft))
        cum = torch.cumsum(dt * A[None, :, None], -1)  # [B,H,T]
        diff = cum[..., :, None] - cum[..., None, :]  # [t, s]
        mask = torch.ones(T, T, dtype=torch.bool, device=u.device).tril()
        L = torch.exp(diff.masked_fill(~mask, float("-inf"))) * dt[..., None, :]
        y = ((q @ k.transpose(-1, -2)).to(L.dtype) * L).to(v.dtype) @ v  # [B,H,T,P]
        y = rms(y.transpose(1, 2), self.W(p + "attention.g_norm_swish_gate.weight")) * F.silu(gate)
        return F.linear(y.reshape(B, T, nq * hd), self.W(p + "attention.o_proj.weight"))

    def mixer(self, i, u):
        p = layer_prefix(self.cfg, i)
        ne = self.cfg["embedding_config"]["num_hidden_layers"]
        theta = self.cfg["embedding_config" if i < ne else "llm_config"]["rope_theta"]
        return self.attention(p, u, theta) if self.pattern[i] == "A" else self.mamba(p, u)

    def block(self, i, h, mixer_out=None):
        p = layer_prefix(self.cfg, i)
        x = h + (self.mixer(i, rms(h, self.W(p + "attention_norm.weight"))) if mixer_out is None else mixer_out)
        m = rms(x, self.W(p + "ffn_norm.weight"))
        return x + F.linear(F.silu(F.linear(m, self.W(p + "feed_forward.w1.weight"))) * F.linear(m, self.W(p + "feed_forward.w3.weight")),
                            self.W(p + "feed_forward.w2.weight"))

    def embed(self, ids, pix, image_at):
        h = F.embedding(ids, self.W("embedding_model.llm_text_embeddings.weight"))
        if pix is not None:
            img = self.embed_image(pix)
            h = torch.cat([h[:, :image_at], img, h[:, image_at + img.shape[1]:]], 1)
        return h

    def forward(self, ids, pix, image_at, hidden=False, at=None, head=True):
        """Logits [B, T, V]; with `at` (bool [B, T]) only those positions' logits [K, V] (training needs the
        answer positions only: the full [B, T, V] head is most of a step's memory traffic); with `hidden` also
        the residual stream after the embedding and after every layer."""
        h = self.embed(ids, pix, image_at)
        hs = [h]
        for i in range(len(self.pattern)):
            h = self.block(i, h)
            hs.append(h)
        if not head:  # the residual streams only (stage 1 alignment)
            return None, hs
        if at is not None:
            h = h[at]
        logits = F.linear(rms(h, self.W("language_model.model.norm.weight")), self.W("language_model.output.weight"))
        return (logits, hs) if hidden else logits

    @torch.no_grad()
    def generate(self, ids, pix, image_at, stop, max_new=16):
        """Greedy decode with full re-forwards (ids [1, T]); returns the new ids (stop token excluded)."""
        out = []
        for _ in range(max_new):
            nxt = int(self.forward(ids, pix, image_at)[0, -1].argmax())
            if nxt in stop:
                break
            out.append(nxt)
            ids = torch.cat([ids, torch.tensor([[nxt]], device=ids.device)], 1)
        return out
