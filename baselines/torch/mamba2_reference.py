#!/usr/bin/env python3
"""Reference Mamba-2 layer (state-spaces/mamba `Mamba2`, rmsnorm=True, norm_before_gate=False) in plain torch,
written from the math, for mambascope's golden tests. mamba_ssm is not needed.

  python3 baselines/torch/mamba2_reference.py --out assets/golden/mamba2 [--make-inputs]

With --make-inputs it first writes <out>/inputs.safetensors: random weights of a tiny layer under the
reference's names (in_proj.weight, conv1d.weight [conv_dim, 1, d_conv], conv1d.bias, dt_bias, A_log, D,
norm.weight, out_proj.weight; bf16 values) and the input sequence `u`. It then reads that file and writes
<out>/outputs.safetensors (f32), all computed in float64 on the CPU:
  out_prefill [L, d_model]            forward over u[:L] from zero states
  conv_state [d_conv, conv_dim]       the last d_conv raw xBC inputs after the prefill (time-major, newest last)
  ssm_state [nheads, headdim, d_state]
  out_decode [steps, d_model]         Mamba2.step over u[L:] from those states
  conv_state_decode, ssm_state_decode the states after the decode steps
The SSD is evaluated as the sequential recurrence and checked against an independent chunked evaluation.
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

CONFIG = dict(d_model=64, expand=2, headdim=64, d_state=64, ngroups=2, d_conv=4, chunk_size=256, norm_eps=1e-5)
PREFILL, STEPS, SEED = 300, 4, 20261123


def dims(c):
    d_inner = c["expand"] * c["d_model"]
    nheads = d_inner // c["headdim"]
    conv_dim = d_inner + 2 * c["ngroups"] * c["d_state"]
    return d_inner, nheads, conv_dim, 2 * d_inner + 2 * c["ngroups"] * c["d_state"] + nheads


def make_inputs(path):
    c = CONFIG
    d_inner, H, conv_dim, in_dim = dims(c)
    g = torch.Generator().manual_seed(SEED)

    def uni(shape, lo, hi):
        return (torch.rand(shape, generator=g, dtype=torch.float64) * (hi - lo) + lo).to(torch.bfloat16)

    si, so = 1 / math.sqrt(c["d_model"]), 1 / math.sqrt(d_inner)
    dt = torch.exp(torch.rand(H, generator=g, dtype=torch.float64) * (math.log(0.1) - math.log(0.001)) + math.log(0.001))
    t = {
        "in_proj.weight": uni((in_dim, c["d_model"]), -si, si),
        "conv1d.weight": uni((conv_dim, 1, c["d_conv"]), -0.5, 0.5),
        "conv1d.bias": uni((conv_dim,), -0.1, 0.1),
        "dt_bias": (dt + torch.log(-torch.expm1(-dt))).to(torch.bfloat16),  # inverse softplus, as the reference inits
        "A_log": torch.log(uni((H,), 1.0, 16.0).double()).to(torch.bfloat16),
        "D": uni((H,), 0.5, 1.5),
        "norm.weight": uni((d_inner,), 0.8, 1.2),
        "out_proj.weight": uni((c["d_model"], d_inner), -so, so),
        "u": uni((PREFILL + STEPS, c["d_model"]), -2.0, 2.0),
    }
    save_file({k: v.contiguous() for k, v in t.items()}, path, metadata={"config": json.dumps(CONFIG), "prefill": str(PREFILL)})


def rmsnorm_gated(y, z, w, group, eps):
    v = y * F.silu(z)
    vg = v.reshape(*v.shape[:-1], -1, group)
    vg = vg * torch.rsqrt(vg.square().mean(-1, keepdim=True) + eps)
    return vg.reshape(v.shape) * w


def ssd_sequential(x, dt, A, B, C, D, state):
    """x [L, H, P], dt [L, H], A [H], B, C [L, H, N] (per head), D [H], state [H, P, N] (updated)."""
    ys = []
    for t in range(x.shape[0]):
        decay = torch.exp(dt[t] * A)  # [H]
        state.mul_(decay[:, None, None]).add_(dt[t][:, None, None] * x[t][:, :, None] * B[t][:, None, :])
        ys.append(torch.einsum("hpn,hn->hp", state, C[t]) + D[:, None] * x[t])
    return torch.stack(ys)


def ssd_chunked(x, dt, A, B, C, D, state, Q):
    """The same function in the chunked (SSD) form: intra-chunk quadratic part plus states passed across chunks."""
    L = x.shape[0]
    ys = []
    for c0 in range(0, L, Q):
        xs, dts, Bs, Cs = x[c0:c0 + Q], dt[c0:c0 + Q], B[c0:c0 + Q], C[c0:c0 + Q]
        cs = torch.cumsum(dts * A, 0)  # [q, H]
        seg = cs[:, None, :] - cs[None, :, :]  # [t, s, H]
        q = xs.shape[0]
        mask = torch.tril(torch.ones(q, q, dtype=torch.bool))[:, :, None]
        Lm = torch.where(mask, torch.exp(torch.where(mask, seg, torch.zeros_like(seg))), torch.zeros_like(seg))
        cb = torch.einsum("thn,shn->tsh", Cs, Bs)
        y = torch.einsum("tsh,sh,shp->thp", cb * Lm, dts, xs)
        y = y + torch.exp(cs)[:, :, None] * torch.einsum("thn,hpn->thp", Cs, state) + D[None, :, None] * xs
        w = torch.exp(cs[-1][None, :] - cs) * dts  # [q, H]
        state.mul_(torch.exp(cs[-1])[:, None, None]).add_(torch.einsum("sh,shp,shn->hpn", w, xs, Bs))
        ys.append(y)
    return torch.cat(ys)


class Layer:
    def __init__(self, w):
        c = CONFIG
        self.d_inner, self.H, self.conv_dim, _ = dims(c)
        self.P, self.N, self.G, self.K = c["headdim"], c["d_state"], c["ngroups"], c["d_conv"]
        self.w = {k: v.double() for k, v in w.items()}
        self.A = -torch.exp(self.w["A_log"])

    def split(self, zxbcdt):
        di, cd = self.d_inner, self.conv_dim
        return zxbcdt[..., :di], zxbcdt[..., di:di + cd], zxbcdt[..., di + cd:]

    def heads(self, xbc):
        di, GN = self.d_inner, self.G * self.N
        x = xbc[..., :di].reshape(*xbc.shape[:-1], self.H, self.P)
        rep = self.H // self.G  # head h uses group h // rep
        B = xbc[..., di:di + GN].reshape(*xbc.shape[:-1], self.G, self.N).repeat_interleave(rep, dim=-2)
        C = xbc[..., di + GN:].reshape(*xbc.shape[:-1], self.G, self.N).repeat_interleave(rep, dim=-2)
        return x, B, C

    def finish(self, y, z):
        y = rmsnorm_gated(y.reshape(*y.shape[:-2], -1), z, self.w["norm.weight"], self.d_inner // self.G, CONFIG["norm_eps"])
        return y @ self.w["out_proj.weight"].T

    def forward(self, u):
        L = u.shape[0]
        z, xbc_raw, dt = self.split(u @ self.w["in_proj.weight"].T)
        conv = F.conv1d(xbc_raw.T[None], self.w["conv1d.weight"], self.w["conv1d.bias"], padding=self.K - 1, groups=self.conv_dim)
        xbc = F.silu(conv[0, :, :L].T)
        conv_state = F.pad(xbc_raw.T, (self.K - L, 0)) if L < self.K else xbc_raw.T[:, -self.K:]
        dt = F.softplus(dt + self.w["dt_bias"])
        x, B, C = self.heads(xbc)
        state = torch.zeros(self.H, self.P, self.N, dtype=torch.float64)
        y = ssd_sequential(x, dt, self.A, B, C, self.w["D"], state)
        state2 = torch.zeros_like(state)
        y2 = ssd_chunked(x, dt, self.A, B, C, self.w["D"], state2, 64)
        assert torch.allclose(y, y2, rtol=1e-9, atol=1e-9) and torch.allclose(state, state2, rtol=1e-9, atol=1e-9)
        return self.finish(y, z), conv_state.T.contiguous(), state

    def step(self, u, conv_state, state):
        """u [d_model]; conv_state [conv_dim, K] (reference layout); state [H, P, N]; both updated."""
        z, xbc_raw, dt = self.split(u @ self.w["in_proj.weight"].T)
        conv_state.copy_(torch.roll(conv_state, shifts=-1, dims=-1))
        conv_state[:, -1] = xbc_raw
        xbc = F.silu((conv_state * self.w["conv1d.weight"][:, 0, :]).sum(-1) + self.w["conv1d.bias"])
        dt = F.softplus(dt + self.w["dt_bias"])
        x, B, C = self.heads(xbc)
        y = ssd_sequential(x[None], dt[None], self.A, B[None], C[None], self.w["D"], state)[0]
        return self.finish(y, z)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--make-inputs", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    inputs = os.path.join(a.out, "inputs.safetensors")
    if a.make_inputs:
        make_inputs(inputs)
    t = load_file(inputs)
    u = t.pop("u").double()
    layer = Layer(t)
    out, conv_state, state = layer.forward(u[:PREFILL])
    res = {"out_prefill": out, "conv_state": conv_state, "ssm_state": state.clone()}
    cs = conv_state.T.clone()  # [conv_dim, K], the reference's view of its conv_state
    res["out_decode"] = torch.stack([layer.step(u[PREFILL + i], cs, state) for i in range(STEPS)])
    res["conv_state_decode"] = cs.T.contiguous()
    res["ssm_state_decode"] = state
    save_file({k: v.float().contiguous() for k, v in res.items()}, os.path.join(a.out, "outputs.safetensors"),
              metadata={"config": json.dumps(CONFIG), "prefill": str(PREFILL), "steps": str(STEPS), "torch": torch.__version__})
    print("wrote", inputs, "and outputs.safetensors;", {k: tuple(v.shape) for k, v in res.items()})


if __name__ == "__main__":
    main()
