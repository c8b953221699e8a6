"""Why did the backward travels of a larger draw fail: the object in the wrong place, or the right place at the
wrong size? And was it so at t = 1 (the layout) or only in the sampler's later drafts?

  /usr/bin/python3 model/evaluate.py --engine ort --ckpt CKPT --tasks extend_backward --n-ext 48 --out ROWS.json
  /usr/bin/python3 model/tools/backward_fails.py --ckpt CKPT --rows ROWS.json     # about 15 minutes, 1 thread

For each travel (left, right, up, down) the rows mark wrong, with the same prompts and starting noise as the
evaluation (it samples only the batches of 8 that hold one: each batch's noise is seeded by its own start; --steps
asks it of a finer sampler grid):
the object's coordinate along its motion (x for left and right, y for up and down) and its colour area in
pixels, in the world's clip and the generated one over all 16 frames; motion_ok's verdict (track error against
its tolerance, size error); and, for the new frames, both after every sampler step (the x0 draft, decoded).
Session 58 (model/README.md): three of 0.33.0's five failing travels on the 48 were on the world's track to
within 0.02 and failed on size, the object drawn smaller in the frames furthest from the given ones.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "tools"))

import evaluate as ev  # noqa: E402
from first_token import fmt  # noqa: E402
from studio_model.sampler import decode_clip, to_u8  # noqa: E402

TRAVELS = ("left", "right", "up", "down")
W, H, BATCH = 128, 72, 8


def failing_travels(rows):
    """indices of the backward rows that failed and travel; the starts of the generate() batches holding them"""
    fails = [i for i, r in enumerate(rows) if not r["all"] and r["motion_kind"] in TRAVELS]
    return fails, sorted({f // BATCH * BATCH for f in fails})


def areas(a):
    return " ".join(f"{v * H * H:5.0f}" for v in a)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--rows", required=True, help="evaluate.py --tasks extend_backward's --out, at the pack's overlap")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=None,
                    help="sampler steps instead of the pack's (does a finer grid keep the size the first drafts had?)")
    args = ap.parse_args()
    with open(args.rows) as f:
        res = json.load(f)
    rows = res["rows"]["extend_backward"]
    fails, batches = failing_travels(rows)
    if not fails:
        print("no failing travel in", args.rows)
        return
    torch.set_num_threads(args.threads)
    model, ae, _ = ev.load(args.ckpt)
    if res.get("overlap") not in (None, ev.extend_overlap(model.cfg)):
        raise SystemExit(f"{args.rows} was given {res['overlap']} frames; this checkpoint gives {ev.extend_overlap(model.cfg)}")

    # the evaluation's own prompt stream (every task before extend_backward draws its prompts and stops)
    run = ev.arg_parser().parse_args(["--seed", str(res["seed"]), "--n-ext", str(len(rows))])
    plain_sample, plain_extend = ev.sample, ev.extend_clips
    calls = [0]

    def sample(*a, **kw):  # the batches without a failing travel are left unsampled (their clips unused)
        start, calls[0] = calls[0], calls[0] + BATCH
        return plain_sample(*a, **kw) if start in batches else torch.zeros_like(a[3])

    seen = {}

    def extend_clips(model_, ae_, specs, prompts, seed, k, backward=False, W=W, H=H, **kw):
        new = ev.FRAMES - k
        bgs = {f: ev.background(specs[f], W, H, -new / ev.FRAMES) for f in fails}
        drafts = {f: [] for f in fails}

        def on_step(first, i, t, x0):
            if first not in batches:
                return
            frames = [to_u8(c) for c in decode_clip(ae_.decoder, x0)]
            for f in fails:
                if first <= f < first + len(frames):
                    drafts[f].append((t, ev.track(ev.colour_masks(frames[f - first], bgs[f], specs[f].objects[0].colour), W, H)))

        if args.steps:
            kw["steps"] = args.steps
        out = plain_extend(model_, ae_, specs, prompts, seed, k, backward, W, H, on_step=on_step, **kw)
        seen.update(specs=specs, prompts=prompts, refs=out[1], clips=out[2], bgs=bgs, drafts=drafts, new=new)
        return out

    ev.sample, ev.extend_clips = sample, extend_clips
    ev.run_tasks(model, ae, run, ev.extend_overlap(model.cfg), {"extend_backward"})
    for f in fails:
        o = seen["specs"][f].objects[0]
        ax = 1 if o.motion in ("left", "right") else 2
        print(f"#{f} {seen['prompts'][f]}  ({o.motion}; speed {o.speed}, position {o.position})")
        masks = {}
        for name, clip in (("world", seen["refs"][f]), ("made", seen["clips"][f])):
            masks[name] = ev.colour_masks(clip, seen["bgs"][f], o.colour)
            tr = ev.track(masks[name], W, H)
            print(f"  {name:5s} {'xy'[ax - 1]}    frames 0-15: {fmt(tr[ax])}")
            print(f"  {name:5s} area frames 0-15: {areas(tr[0])}")
        print("  motion_ok:", ev.motion_ok(o, masks["made"], masks["world"], W, H))
        for i, (t, tr) in enumerate(seen["drafts"][f]):
            n = seen["new"]
            print(f"  step {i + 1:2d} (t {t:.2f}) frames 0-{n - 1}: {fmt(tr[ax][:n])}   area {areas(tr[0][:n])}")


if __name__ == "__main__":
    main()
