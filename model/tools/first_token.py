"""When and why does a backward extension draw its object in the wrong place in the first temporal token?

  /usr/bin/python3 model/tools/first_token.py --ckpt model/checkpoints/world-s.pt [--motions right] [--n 2]

Session 49 found the backward right-goers wrong only in frames 0-3 (the first time slice of tokens at
patch_t 4): the object drawn near the right edge going left, where the world has it off the canvas left,
then on the world's track from frame 4 (`tools/motion_track.py --backward --every-frame`). This asks three
things of the same probe clips (the same prompts, seeds and batch as motion_track.py --backward, sampled here
with the torch graphs):

- at which sampler step the object appears where it should not: the object's x in frames 0-3 of the x0
  prediction (guided, as the sampler uses it) after each step, decoded and tracked as the evaluation does;
  "-" where no pixel of its colour is seen. A wrong object present at step 1 comes from the prompt and the
  given frames alone (the layout); one that grows later comes from the sampler's own drafts.
- how much the first slice looks at the given frames: in each block, the time attention's weight from slice
  0 to each slice (0-3; the given frames 10-15 are in slices 2 and 3), averaged over the heads and the
  places, at the first step;
- how far the first slice leans towards the held frame (DiTConfig.hold_out): the mean of the lean's gate
  over slice 0's output elements at the first and the last step (1: copies frame 10's latent, where the
  object is at its first given place).

--steps N samples on a finer grid (does the wrong object come from the size of the first steps?) and
--noise-seed S with another starting noise for the same prompts (is it the noise's or the layout's?), and
--prompts "..." asks it of prompts of your own (the same object in another colour, shape or scene).
Session 50 (model/README.md): the purple ball is wrong at step 1 with every noise, the orange star turns
wrong at t 0.92 with some noises and not others, at 12 steps and at 24.
"""
from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "tools"))

import evaluate as ev  # noqa: E402
import motion_track as mt  # noqa: E402
from studio_model import nets  # noqa: E402
from studio_model.nets import extend_overlap  # noqa: E402
from studio_model.sampler import decode_clip, to_u8  # noqa: E402

W, H = mt.W, mt.H


class Recorder:
    """hooks on the DiT that keep what its last forward pass computed: each block's time attention from slice 0
    to every slice (time_w, [(block, [B, nt])]) and the hold lean's gate over slice 0 (gate, [B])"""

    def __init__(self, dit):
        if dit.cfg.attn != "factorised":
            raise SystemExit("first_token.py reads the time attention of a factorised DiT (DiTConfig.attn; packs from 0.8.0)")
        self.time_w, self.gate, self.places = [], None, None
        for i, b in enumerate(dit.blocks):
            b.time_attn = self._time_attn(b, i)
        if dit.cfg.hold_out:
            dit.out_hold.register_forward_hook(self._gate(dit.HOLD_GAIN))

    def _gate(self, gain):
        def f(module, inputs, out):  # out [B, N, ...]: slice 0's tokens come first (slice-major)
            self.gate = (gain * out[:, :self.places]).mean(dim=(1, 2))
        return f

    def _time_attn(self, block, i):
        def f(v, nt):
            if i == 0:
                self.time_w.clear()  # a new forward pass
            B, N, D = v.shape
            self.places = N // nt
            u = v.reshape(B, nt, -1, D).transpose(1, 2).reshape(-1, nt, D)
            q, kk, _ = block.tqkv(u).reshape(u.shape[0], nt, 3, block.heads, D // block.heads).permute(2, 0, 3, 1, 4)
            a = torch.softmax((q @ kk.transpose(-1, -2)) / math.sqrt(D // block.heads), dim=-1)  # [B*S, heads, nt, nt]
            self.time_w.append((i, a.reshape(B, -1, block.heads, nt, nt)[:, :, :, 0].mean(dim=(1, 2))))
            return nets.Block.time_attn(block, v, nt)
        return f


def x_in_first_token(spec, frames, bg, pt):
    """the object's centre x at frames 0..pt-1 of a clip (nan where not seen), found as the evaluation finds it"""
    _, x, _ = ev.track(ev.colour_masks(frames, bg, spec.objects[0].colour), W, H)
    return x[:pt]


def fmt(xs):
    return " ".join("  -  " if np.isnan(v) else f"{v:5.2f}" for v in xs)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--motions", nargs="+", default=["left", "right", "up", "down"], choices=ev.world.MOTIONS,
                    help="the probe's motions (motion_track --backward's, so its prompts and noise are those)")
    ap.add_argument("--show", nargs="+", default=["right"], help="the motions whose clips are reported")
    ap.add_argument("--prompts", nargs="+", default=None,
                    help="one-object prompts of your own instead of the probe's (each reported): is a wrong layout its colour's, its shape's?")
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--noise-seed", type=int, default=None,
                    help="another starting noise for the same prompts (default: the probe's, from --seed): is a wrong object the noise's?")
    ap.add_argument("--steps", type=int, default=ev.STEPS,
                    help="sampler steps (the pack's by default): does a finer grid near t = 1 keep the first layout?")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, ae, _ = ev.load(args.ckpt)
    pt = model.cfg.patch_t
    if args.prompts:
        specs, prompts = [ev.world.parse(p) for p in args.prompts], list(args.prompts)
    else:  # motion_track --backward's prompts
        rng = np.random.default_rng(args.seed)
        motions = [m for m in args.motions if m != "fall"]
        specs = ev.eval_specs(rng, args.n * len(motions), 1, motions=motions, camera_p=0.0)
        prompts = [ev.person_prompt(rng, s) for s in specs]
    shown = [j for j, s in enumerate(specs) if args.prompts or s.objects[0].motion in args.show]
    tau0 = -(ev.FRAMES - extend_overlap(model.cfg)) / ev.FRAMES  # evaluate.extend_clips' backward window
    bg = {j: ev.background(specs[j], W, H, tau0) for j in shown}
    rec = Recorder(model.dit)
    drafts, first_w, gates = {j: [] for j in shown}, {}, {}

    def on_step(first, i, t, x0):
        """the batch from prompt `first` on, at step i: its drafts' object x; the attention and gate of the
        forward pass just run (the conditional half of the guided batch, which comes first)"""
        frames = [to_u8(f) for f in decode_clip(ae.decoder, x0)]
        for j in shown:
            if first <= j < first + len(frames):
                drafts[j].append((t, x_in_first_token(specs[j], frames[j - first], bg[j], pt)))
                if i == 0:
                    first_w[j] = [(b, w[j - first]) for b, w in rec.time_w]
                if rec.gate is not None and i in (0, args.steps - 1):
                    gates.setdefault(j, []).append(float(rec.gate[j - first]))

    noise_seed = args.seed if args.noise_seed is None else args.noise_seed
    _, refs, _ = ev.extend_clips(model, ae, specs, prompts, noise_seed, extend_overlap(model.cfg), backward=True,
                                 W=W, H=H, steps=args.steps, on_step=on_step)
    for j in shown:
        print(f"{prompts[j]}  ({specs[j].objects[0].motion})")
        print(f"  world           x in frames 0-{pt - 1}: {fmt(x_in_first_token(specs[j], refs[j], bg[j], pt))}")
        for i, (t, xs) in enumerate(drafts[j]):
            print(f"  step {i + 1:2d} (t {t:.2f}) x0's x:          {fmt(xs)}")
        for b, w in first_w[j]:
            print(f"  block {b}: slice 0's time attention to slices 0-{len(w) - 1} (step 1): "
                  + " ".join(f"{v:.2f}" for v in w.tolist()))
        if j in gates:
            print(f"  hold gate over slice 0: step 1 {gates[j][0]:.3f}, step {args.steps} {gates[j][-1]:.3f}")


if __name__ == "__main__":
    main()
