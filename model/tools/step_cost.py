"""What one DiT training step costs (forward, backward, AdamW), per temporal patch and attention, at the
pack's width and a 16:9 window, on random batches (a step's cost does not depend on the values).

  /usr/bin/python3 model/tools/step_cost.py [--patch-t 8 4 2] [--attn joint factorised] [--bf16] [--threads 1]

Prints one JSON line per configuration: the best and median seconds per step over --steps timed steps
(after one untimed), clips per second at that batch, forward GFLOP per sample (nets.dit_flops) and
the ratio to the first configuration. Run it on an otherwise idle machine: beside a training run both
slow down.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from studio_model.nets import DiTConfig, VideoModel, dit_flops  # noqa: E402
from train import MAX_TOKENS, WORDS, cpu_name, dit_loss, make_mask  # noqa: E402


def step_seconds(cfg, batch, steps, bf16):
    torch.manual_seed(0)
    model = VideoModel(cfg).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    rng = np.random.default_rng(0)
    gen = torch.Generator().manual_seed(0)
    lat = torch.randn(batch, cfg.channels, 16, 18, 32)
    tok = torch.randint(2, len(WORDS), (batch, MAX_TOKENS))
    masks = torch.from_numpy(np.stack([make_mask(rng, 16) for _ in range(batch)]))
    objects = (torch.rand(batch, 1, 16, 18, 32) < 0.05).float()
    times = []
    for i in range(steps + 1):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = dit_loss(model, lat, tok, masks, objects, rng, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:  # the first step allocates and warms the kernels
            times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--patch-t", type=int, nargs="+", default=[8, 4])
    ap.add_argument("--attn", nargs="+", default=["joint", "factorised"], choices=["joint", "factorised"])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bf16", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    base = None
    for attn in a.attn:
        for pt in a.patch_t:
            cfg = DiTConfig(vocab=len(WORDS), max_tokens=MAX_TOKENS, patch_t=pt, attn=attn)
            best, med = step_seconds(cfg, a.batch, a.steps, a.bf16)
            base = base or med
            flops, tokens = dit_flops(cfg)
            print(json.dumps({"attn": attn, "patch_t": pt, "tokens": tokens,
                              "gflop_fwd": round(flops / 1e9, 2), "batch": a.batch, "bf16": a.bf16,
                              "threads": a.threads, "step_s_best": round(best, 3), "step_s_median": round(med, 3),
                              "clips_per_s": round(a.batch / med, 1), "vs_first": round(med / base, 2),
                              "cpu": cpu_name(), "cores": os.cpu_count()}),
                  flush=True)


if __name__ == "__main__":
    main()
