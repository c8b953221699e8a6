"""How do the evaluation's text-to-video prompts fail? Each one regenerated as `evaluate.py` draws it, and
each object's verdict sorted into what went wrong.

  /usr/bin/python3 model/tools/pair_rows.py --ckpt model/checkpoints/world-s.pt

The scores say only "motion wrong"; `motion_track.py --pairs` measures six hand-made pairs. This takes
the 252's own text-to-video prompts (seed 2026: 88 with one object, 56 with two, with the same noise, so
the verdicts are the evaluation's) and says for each object which of these it is:

  right     the evaluation's verdict is right
  start     first seen more than 0.2 of the width from where the world starts it: drawn where an object
            with another motion would stand (the first named near x 0.3, the second near 0.7) while the
            world starts a sideways travel from the other side, next to the partner (WORLD.md)
  size      the track is right but the size does not change as the world's does (evaluate.motion_ok
            compares each frame's area with the first frame's, not with the world's area)
  unseen    not in enough frames (or its colour is not the prompt's)
  track     anything else: travels the wrong way or not far enough

then counts them for the objects that travel sideways and for the rest, one-object and two-object prompts
apart. It prints every two-object prompt and the one-object prompts that fail. Session 32 (pack 0.18.0):
of the 11 two-object sideways objects that fail, 5 start on the wrong side, all of them travels the world
starts beside the partner; of the 7 one-object ones, 4 travel as far as asked and fail on size.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import evaluate as ev  # noqa: E402
from motion_track import H, W, ends  # noqa: E402  (the probes' canvas, which ends() tracks on)
from studio_model import world  # noqa: E402

SIDEWAYS = ("left", "right")
KINDS = ["right", "start", "size", "unseen", "track"]


def object_verdict(o, clip, ref, bg):
    """(kind, world's first seen x, generated first seen x, world's travel x, generated travel x)"""
    gm, rm = ev.colour_masks(clip, bg, o.colour), ev.colour_masks(ref, bg, o.colour)
    col_ok = ev.colour_ok(gm, rm)  # evaluate.score_t2v's check: a colour drawn too little or too much fails the object
    ok, why = ev.motion_ok(o, gm, rm, W, H)
    # x at the first and last seen frame (motion_track.ends, the probes' own; nan where seen in fewer than
    # 2 frames, and a nan start is never more than 0.2 away, so such an object falls to "size" or "track")
    (r0, _), (r1, _) = ends(rm)
    (g0, _), (g1, _) = ends(gm)
    rt, gt = r1 - r0, g1 - g0
    if ok and col_ok:
        kind = "right"
    elif not col_ok or why == "not visible":
        kind = "unseen"
    elif abs(g0 - r0) > 0.2:
        kind = "start"
    elif why.startswith("track err") and float(why.split()[2]) < float(why.split()[4]):
        kind = "size"  # the track is within its tolerance, so the area failed it
    else:
        kind = "track"
    return kind, r0, g0, rt, gt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--seed", type=int, default=2026, help="the evaluation's seed (second_draw.py uses 2027)")
    ap.add_argument("--n1", type=int, default=88, help="one-object prompts, as evaluate.py")
    ap.add_argument("--n2", type=int, default=56)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engine", choices=["torch", "ort"], default="ort")
    ap.add_argument("--guidance", type=float, default=None, help="another sampler guidance than the pack's")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, ae, _ = ev.load(args.ckpt, args.engine, args.threads)
    specs, prompts = ev.t2v_prompts(np.random.default_rng(args.seed), args.n1, args.n2)
    # the whole list, so that every batch gets the noise it gets in the evaluation
    clips = ev.generate(model, ae, prompts, seed=args.seed, W=W, H=H, guidance=args.guidance)
    # (objects in the prompt, travels sideways) -> kind -> count
    counts = {(n, side): {k: 0 for k in KINDS} for n in (1, 2) for side in (True, False)}
    rows_right = {1: 0, 2: 0}
    for spec, prompt, clip in zip(specs, prompts, clips):
        n = len(spec.objects)
        ref, bg = world.render(spec, W, H, ev.FRAMES), ev.background(spec, W, H)
        res = ev.score_t2v(clip, spec, W, H)
        rows_right[n] += res["all"]
        lines = [f"{'right' if res['all'] else 'WRONG'}{'' if res['scene'] else ' (scene wrong)'} | {prompt}"]
        for o in spec.objects:
            kind, r0, g0, rt, gt = object_verdict(o, clip, ref, bg)
            counts[n, o.motion in SIDEWAYS][kind] += 1
            lines.append(f"  {o.colour:6s} {o.motion:6s} {o.position or '':6s} {kind:6s} first x {r0:.2f} -> "
                         f"{g0:.2f}, travel x {rt:+.2f} -> {gt:+.2f}")
        if n == 2 or not res["all"]:  # every two-object prompt; of the one-object ones, those that fail
            print("\n".join(lines))
    print(f"prompts right: one object {rows_right[1]} of {args.n1}, two objects {rows_right[2]} of {args.n2}")
    for (n, side), c in counts.items():
        name = f"{'one' if n == 1 else 'two'}-object prompts, {'sideways' if side else 'other'} objects"
        print(f"{name}: {sum(c.values())}; " + ", ".join(f"{k} {c[k]}" for k in KINDS))


if __name__ == "__main__":
    main()
