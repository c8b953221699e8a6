"""Where does a motion go wrong? The object's track in generated clips against the world's own clip.

  /usr/bin/python3 model/tools/motion_track.py --ckpt model/checkpoints/world-s.pt --motions left right up --n 3

For each prompt it prints the evaluation's verdict (`evaluate.motion_ok`, with its reason) and the
object's centre x, y and area (thousandths of height^2) at frames 0, 5, 10 and 15, for the reference
clip and the generated one. The scores say only "motion wrong"; this says how: pack 0.6.0 puts an
object that should travel left in the middle of the frame, where a still one would be, and draws it
several times too big (session 9).
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
from studio_model import world  # noqa: E402

W, H = 128, 72
SHOWN = [0, 5, 10, 15]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--motions", nargs="+", default=["left", "right", "up", "down", "fall"], choices=world.MOTIONS)
    ap.add_argument("--n", type=int, default=4, help="prompts per motion")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, ae, _ = ev.load(args.ckpt)
    rng = np.random.default_rng(args.seed)
    specs = ev.eval_specs(rng, args.n * len(args.motions), 1, motions=args.motions, camera_p=0.0)
    prompts = [ev.person_prompt(rng, s) for s in specs]
    clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed)
    right = 0
    for prompt, spec, clip in zip(prompts, specs, clips):
        o = spec.objects[0]
        bg = ev.background(spec, W, H)
        ref = world.render(spec, W, H, ev.FRAMES)
        gm, rm = ev.colour_masks(clip, bg, o.colour), ev.colour_masks(ref, bg, o.colour)
        ok, why = ev.motion_ok(o, gm, rm, W, H)
        right += bool(ok)
        print(f"{o.motion} {o.speed or ''} {'right' if ok else 'WRONG'} ({why}) | {prompt}")
        for name, m in (("reference", rm), ("generated", gm)):
            a, x, y = ev.track(m, W, H)
            print(f"  {name:9s} x {np.round(x[SHOWN], 2)} y {np.round(y[SHOWN], 2)} area {np.round(a[SHOWN] * 1000, 1)}")
    print(f"motion right in {right} of {len(prompts)}")


if __name__ == "__main__":
    main()
