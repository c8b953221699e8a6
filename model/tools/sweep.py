"""Sampler settings against text-to-video scores: the same prompts and seed for every setting.

  /usr/bin/python3 model/tools/sweep.py --ckpt model/checkpoints/world-s.pt --guidance 1.5 3 6 9 --steps 12 --n 45

Prints one JSON line per setting (and a Markdown table at the end) so the pack's sampler defaults
can be chosen from measurements. Uses the EMA weights, as the pack does.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import evaluate as ev  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--guidance", type=float, nargs="+", default=[ev.GUIDANCE])
    ap.add_argument("--steps", type=int, nargs="+", default=[ev.STEPS])
    ap.add_argument("--n", type=int, default=45, help="prompts (two thirds one-object, one third two-object)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ae, st = ev.load(a.ckpt)
    step = st["stages"]["dit"]["step"]
    gen0 = ev.generate
    rows = []
    for steps in a.steps:
        for g in a.guidance:
            ev.generate = functools.partial(gen0, steps=steps, guidance=g)
            t0 = time.time()
            r = ev.run_t2v(model, ae, np.random.default_rng(a.seed), a.n * 2 // 3, a.n - a.n * 2 // 3, a.seed)
            s = ev.summarize_t2v(r)
            row = {"dit_step": step, "steps": steps, "guidance": g, "seconds": round(time.time() - t0, 1),
                   **{k: {kk: vv for kk, vv in v.items() if kk != "motion_per_kind"} for k, v in s.items()}}
            print(json.dumps(row), flush=True)
            rows.append(row)
    ev.generate = gen0
    print("\n| steps | guidance | 1 obj: all | scene | colour | motion | 2 obj: all |\n|---|---|---|---|---|---|---|")
    for r in rows:
        o1, o2 = r["1_object"], r["2_object"]
        print(f"| {r['steps']} | {r['guidance']} | {o1['all']:.0%} | {o1['scene']:.0%} | {o1['colour']:.0%} | {o1['motion']:.0%} | {o2['all']:.0%} |")


if __name__ == "__main__":
    main()
