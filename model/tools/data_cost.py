"""What one training clip costs the data worker: rendering it, and encoding it to latents (in fp32
and under bfloat16 autocast, as `train.py --bf16` does), on one thread, as in the worker.

  /usr/bin/python3 model/tools/data_cost.py [--clips 64] [--ckpt model/checkpoints/world-s.pt]

On 2 cores the worker competes with the training step for CPU, so every millisecond here is taken
from training. Prints one JSON line (ms per clip, and the bf16 latents' rms difference from fp32).
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

from export import load_modules  # noqa: E402
from studio_model import world  # noqa: E402
from studio_model.sampler import to_tensor  # noqa: E402
from train import CANVAS, FRAMES, encode_batch  # noqa: E402


def best_ms(f, reps=3):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=64)
    ap.add_argument("--ckpt", default=os.path.join(HERE, "checkpoints", "world-s.pt"))
    a = ap.parse_args()
    torch.set_num_threads(1)
    ae, _, _ = load_modules(a.ckpt)
    enc = ae.encoder.eval()
    rng = np.random.default_rng(0)
    W, H = CANVAS["16:9"]
    specs = [world.random_prompt(rng)[1] for _ in range(a.clips)]
    render_ms, clips = best_ms(lambda: [world.render(s, W, H, FRAMES, seed=i, return_masks=True)[0] for i, s in enumerate(specs)], 1)
    x = torch.stack([to_tensor(c) for c in clips])
    encode_ms, z32 = best_ms(lambda: torch.cat([encode_batch(enc, x[i:i + 16]) for i in range(0, len(x), 16)]))
    bf16_ms, z16 = best_ms(lambda: torch.cat([encode_batch(enc, x[i:i + 16], bf16=True) for i in range(0, len(x), 16)]))
    n = a.clips
    print(json.dumps({"clips": n, "render_ms": round(render_ms / n, 1), "encode_ms": round(encode_ms / n, 1),
                      "encode_bf16_ms": round(bf16_ms / n, 1),
                      "bf16_rms_diff": round(float((z16 - z32).pow(2).mean().sqrt() / z32.pow(2).mean().sqrt()), 4),
                      "threads": 1, "cpu": os.cpu_count()}))


if __name__ == "__main__":
    main()
