#!/usr/bin/env python3
"""torch SDPA peer for `mambascope bench-op attention_prefill|attention_decode --param peer=torch`.

Times torch.nn.functional.scaled_dot_product_attention on the same shapes as our bench (bf16, batch B,
Hq query heads, Hkv kv heads, head dim D) with CUDA events (warm-up, median of reps), once per SDPA backend
(default dispatch, cuDNN, FlashAttention, memory-efficient; the math backend would materialise L x L) and
prints one JSON object per length with every backend's median and the best. bench-op runs it in a
subprocess before allocating its own buffers and stores the best in each row's notes (peer_ms,
peer_TFLOPs, peer_backend), so both sides are measured in one run on one GPU.

  sdpa_peer.py prefill --lens 1024,16384 --heads 16 --kv-heads 8 --head-dim 128 --batch 1 --causal 1
  sdpa_peer.py decode  --lens 103424 --heads 16 --kv-heads 8 --head-dim 128 --batch 1
  sdpa_peer.py table profiles/h100/attention-prefill.json   # ours vs the peer, ratio per length

FLOPs follow the usual convention: 4 B Hq D Lq Lk, halved when causal (Lq = Lk).
"""
import argparse
import json
import statistics
import sys


def time_ms(fn, warmup, reps):
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def backends():
    from torch.nn.attention import SDPBackend
    return [("default", None), ("cudnn", SDPBackend.CUDNN_ATTENTION), ("flash", SDPBackend.FLASH_ATTENTION),
            ("efficient", SDPBackend.EFFICIENT_ATTENTION)]


def run_sdpa(q, k, v, causal, backend, gqa_native):
    import torch.nn.functional as F
    from torch.nn.attention import sdpa_kernel
    group = q.shape[1] // k.shape[1]
    if not gqa_native and group > 1:
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)

    def call():
        if backend is None:
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=gqa_native)
        with sdpa_kernel([backend]):
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=gqa_native)
    call()  # raises if the backend cannot run these inputs
    return call


def measure(mode, L, a):
    import warnings
    import torch
    warnings.filterwarnings("ignore")  # each backend that cannot run a shape explains why at length
    torch.manual_seed(0)
    B, Hq, Hkv, D = a.batch, a.heads, a.kv_heads, a.head_dim
    dev, dt = "cuda", torch.bfloat16
    if mode == "prefill":
        # [B, L, H, D] storage viewed as [B, H, L, D], as a model's projections produce it.
        q = torch.randn(B, L, Hq, D, device=dev, dtype=dt).transpose(1, 2)
        k = torch.randn(B, L, Hkv, D, device=dev, dtype=dt).transpose(1, 2)
        v = torch.randn(B, L, Hkv, D, device=dev, dtype=dt).transpose(1, 2)
        causal = bool(a.causal)
        flops = 4.0 * B * Hq * D * L * L * (0.5 if causal else 1.0)
        nbytes = 2.0 * (2 * B * L * Hq * D + 2 * B * L * Hkv * D)
    else:
        q = torch.randn(B, Hq, 1, D, device=dev, dtype=dt)
        k = torch.randn(B, Hkv, L, D, device=dev, dtype=dt)
        v = torch.randn(B, Hkv, L, D, device=dev, dtype=dt)
        causal = False
        flops = 4.0 * B * Hq * D * L
        nbytes = 2.0 * (2 * B * L * Hkv * D + 2 * B * Hq * D)
    reps = a.reps if L < 32768 else max(5, a.reps // 3)
    row = {"peer": "torch.sdpa", "mode": mode, "L": L, "batch": B, "heads": Hq, "kv_heads": Hkv, "head_dim": D,
           "causal": causal, "torch": torch.__version__, "gpu": torch.cuda.get_device_name(), "backends": {}}
    for name, be in backends():
        for gqa_native in (True, False):
            try:
                fn = run_sdpa(q, k, v, causal, be, gqa_native)
                ms = time_ms(fn, a.warmup, reps)
                row["backends"][name] = {"ms": ms, "gqa": "native" if gqa_native else "repeat_interleave"}
                break
            except Exception as e:  # backend unavailable for these inputs
                row["backends"][name] = {"error": str(e).splitlines()[0][:160] if str(e) else type(e).__name__}
            finally:
                torch.cuda.empty_cache()
    row["summary"] = "; ".join(f"{n} {r['ms']:.4f} ms ({r['gqa']})" if "ms" in r else f"{n} n/a"
                               for n, r in row["backends"].items())
    ok = {n: r for n, r in row["backends"].items() if "ms" in r}
    if ok:
        best = min(ok, key=lambda n: ok[n]["ms"])
        row.update({"best": best, "ms": ok[best]["ms"], "TFLOPs": flops / ok[best]["ms"] / 1e9,
                    "GBps": nbytes / ok[best]["ms"] / 1e6})
        if "default" in ok:
            row["default_ms"] = ok["default"]["ms"]
    del q, k, v
    torch.cuda.empty_cache()
    return row


def table(path):
    rows = json.load(open(path))["rows"]
    print("| op | dims | len | ours ms | ours TFLOP/s | ours GB/s | torch SDPA ms | SDPA backend | SDPA TFLOP/s | ours / SDPA speed |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for r in rows:
        n = r.get("notes", {})
        peer = float(n["peer_ms"]) if "peer_ms" in n else None
        ratio = f"{peer / r['median_ms']:.2f}x" if peer else "-"
        peer_s = f"{peer:.4f}" if peer else "-"
        print(f"| {r['op']} | {r['dims']} | {r['len']} | {r['median_ms']:.4f} | {r['TFLOPs']:.1f} | {r['GBps']:.0f} | "
              f"{peer_s} | {n.get('peer_backend', '-')} | {n.get('peer_TFLOPs', '-')} | {ratio} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["prefill", "decode", "table"])
    p.add_argument("path", nargs="?", help="bench-op JSON (table mode)")
    p.add_argument("--lens", default="1024,4096,16384")
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--head-dim", type=int, default=128)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--causal", type=int, default=1)
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    a = p.parse_args()
    if a.mode == "table":
        table(a.path)
        return
    for L in [int(x) for x in a.lens.split(",") if x]:
        print(json.dumps(measure(a.mode, L, a)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
