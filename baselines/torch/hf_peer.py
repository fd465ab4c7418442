#!/usr/bin/env python3
"""HF transformers peer for the transformer baseline: writes a mambascope profile (docs/profile-format.md).

LlamaForCausalLM at the transformer baseline's dims (HoVLE-2.6B's decoder as `mambascope bench` runs it: 32
attention layers, hidden 2048, 16 query / 8 kv heads of 128, SwiGLU 8192, vocab 92553, RMSNorm 1e-5, RoPE
theta 1e6), attn_implementation="sdpa", bf16, random weights, batch 1. Per length L: one prefill of L random
tokens (use_cache, logits of the last token only; CUDA events, median of --repeats), then --decode greedy
steps with HF's KV cache, each timed on the host clock from token in to token out (the eager PyTorch loop of
the mmMamba paper's protocol), median of the steady-state steps, after one unrecorded warm-up forward and
step at 512 tokens; peak memory = torch.cuda.max_memory_allocated
over the length's run. Rows carry "engine": "hf-transformers" and "protocol": "paper".

  hf_peer.py --lengths 1024,4096,16384,103424 --decode 16 --out profiles/h100/<date>-hf-transformers.json
"""
import argparse
import datetime
import json
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", default="1024,4096,16384,32768,65536,103424")
    ap.add_argument("--decode", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--layers", type=int, default=32)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    import torch
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(vocab_size=92553, hidden_size=2048, intermediate_size=8192, num_hidden_layers=a.layers,
                      num_attention_heads=16, num_key_value_heads=8, head_dim=128, rms_norm_eps=1e-5,
                      rope_theta=1e6, max_position_embeddings=131072 * 4, tie_word_embeddings=False,
                      attn_implementation="sdpa")
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = LlamaForCausalLM(cfg)
    model.eval()
    torch.set_default_dtype(torch.float32)
    params = sum(p.numel() for p in model.parameters())
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    dev = torch.cuda.get_device_properties(0)
    with torch.inference_mode():  # warm-up: cuBLAS handles, SDPA dispatch, allocator
        o = model(torch.randint(0, cfg.vocab_size, (1, 512), device="cuda"), use_cache=True, logits_to_keep=1)
        model(o.logits[:, -1:].argmax(-1), past_key_values=o.past_key_values, use_cache=True)
        del o
    torch.cuda.synchronize()
    rows = []
    for L in [int(x) for x in a.lengths.split(",")]:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        ids = torch.randint(0, cfg.vocab_size, (1, L), device="cuda")
        row = {"model": "transformer", "length": L, "engine": "hf-transformers", "protocol": "paper"}
        try:
            with torch.inference_mode():
                pre = []
                for _ in range(max(1, a.repeats)):
                    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    e0.record()
                    out = model(ids, use_cache=True, logits_to_keep=1)
                    e1.record()
                    e1.synchronize()
                    pre.append(e0.elapsed_time(e1))
                pkv = out.past_key_values
                tok = out.logits[:, -1:].argmax(-1)
                del out
                steps = []
                for _ in range(a.decode):
                    t0 = time.perf_counter()
                    o = model(tok, past_key_values=pkv, use_cache=True)
                    pkv = o.past_key_values
                    tok = o.logits[:, -1:].argmax(-1)
                    tok.item()  # token out on the host
                    steps.append((time.perf_counter() - t0) * 1e3)
                    del o
                steady = steps[2:] if len(steps) > 4 else steps
            row["prefill_ms"] = statistics.median(pre)
            row["prefill_rel_spread"] = (statistics.pstdev(pre) / statistics.mean(pre)) if len(pre) > 1 else 0.0
            row["decode_ms_per_token"] = statistics.median(steady)
            row["decode_rel_spread"] = statistics.pstdev(steady) / statistics.mean(steady)
            row["peak_bytes"] = int(torch.cuda.max_memory_allocated())
            row["note"] = "HF eager loop (prefill of L tokens in one forward, then DynamicCache decode); peak = max_memory_allocated"
            del pkv
        except torch.OutOfMemoryError:
            row["oom_predicted"] = int(torch.cuda.max_memory_allocated())
            row["note"] = "torch.OutOfMemoryError (oom_predicted = bytes allocated when it failed)"
        rows.append(row)
        print(json.dumps(row), flush=True)
    prof = {
        "schema": "mambascope.profile", "schema_version": 1, "kind": "peer",
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"gpu": dev.name, "sms": dev.multi_processor_count, "memory_bytes": dev.total_memory,
                    "sm_clock_mhz": 0, "mem_clock_mhz": 0, "driver": 0, "cuda_runtime": 0},
        "build": {"version": "transformers " + transformers.__version__, "git_sha": "",
                  "build_type": "torch " + torch.__version__, "cuda_arch": f"sm_{dev.major}{dev.minor}"},
        "ceilings": {"copy_GBps": 0, "gemm_bf16_TFLOPs": 0},
        "protocol_description": (
            f"hf-transformers peer (baselines/torch/hf_peer.py): LlamaForCausalLM with the transformer baseline's dims "
            f"({a.layers} layers, hidden 2048, 16/8 heads of 128, SwiGLU 8192, vocab 92553), SDPA attention, bf16, random "
            f"weights, batch 1; prefill of L random tokens in one forward (CUDA events, median of {a.repeats}); {a.decode} "
            f"greedy decode steps with HF's DynamicCache, each timed on the host clock token in -> token out (median of the "
            f"steady-state steps); peak = torch.cuda.max_memory_allocated over the length's run."),
        "models": [{"name": "transformer", "family": "transformer", "layer_pattern": "A" * a.layers, "params": params,
                    "weight_bytes": weight_bytes}],
        "rows": rows, "kernels": [],
    }
    with open(a.out, "w") as f:
        json.dump(prof, f, indent=2)
        f.write("\n")
    print("wrote", a.out)


if __name__ == "__main__":
    sys.exit(main())
