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
from studio_model.sampler import decode_clip, encode_clip, start_noise, t_grid, to_tensor, to_u8  # noqa: E402

W, H = mt.W, mt.H


def probe_batch(model, ae, args):
    """(specs, prompts, tokens, cond, mask, noise, tau0) exactly as motion_track --backward's first batch"""
    if args.prompts:
        specs, prompts = [ev.world.parse(p) for p in args.prompts], list(args.prompts)
    else:
        rng = np.random.default_rng(args.seed)
        motions = [m for m in args.motions if m != "fall"]
        specs = ev.eval_specs(rng, args.n * len(motions), 1, motions=motions, camera_p=0.0)
        prompts = [ev.person_prompt(rng, s) for s in specs]
    k = extend_overlap(model.cfg)
    tau0 = -(ev.FRAMES - k) / ev.FRAMES
    given = list(range(ev.FRAMES - k, ev.FRAMES))
    B, h, w = len(specs), H // 4, W // 4
    cond = torch.zeros(B, ae.cfg.channels, ev.FRAMES, h, w)
    mask = torch.zeros(B, 1, ev.FRAMES, h, w)
    for j, s in enumerate(specs):
        lat = encode_clip(ae.encoder, to_tensor(world_clip(s, tau0))[None])[0]
        cond[j, :, given] = lat[:, given]
        mask[j, :, given] = 1
    noise_seed = args.seed if args.noise_seed is None else args.noise_seed
    noise = start_noise(cond.shape, ev.noise_share_for(model), torch.Generator().manual_seed(noise_seed * 100003))
    return specs, prompts, model.tokens(prompts), cond, mask, noise, tau0


def world_clip(spec, tau0):
    return ev.world.render(spec, W, H, ev.FRAMES, tau0=tau0)


class Recorder:
    """wraps the DiT's time attention and hold gate to keep what the first forward pass of a step computes"""

    def __init__(self, dit):
        self.dit, self.time_w, self.gate = dit, [], None
        for i, b in enumerate(dit.blocks):
            b.time_attn = self._time_attn(b, i)

    def _time_attn(self, block, i):
        def f(v, nt):
            B, N, D = v.shape
            u = v.reshape(B, nt, -1, D).transpose(1, 2).reshape(-1, nt, D)
            q, kk, _ = block.tqkv(u).reshape(u.shape[0], nt, 3, block.heads, D // block.heads).permute(2, 0, 3, 1, 4)
            a = torch.softmax((q @ kk.transpose(-1, -2)) / math.sqrt(D // block.heads), dim=-1)  # [B*S, heads, nt, nt]
            self.time_w.append((i, a.reshape(B, -1, block.heads, nt, nt)[:, :, :, 0].mean(dim=(1, 2))))
            return nets.Block.time_attn(block, v, nt)
        return f


def slice0_gate(dit, x, t, text, cond, mask):
    """the hold lean's gate (HOLD_GAIN * out_hold(y)) over slice 0's tokens, [B]; the y the output layer reads
    is rebuilt from a hook on ln_f"""
    seen = {}
    hook = dit.ln_f.register_forward_hook(lambda m, i, o: seen.setdefault("z", o))
    c = dit.t_mlp(nets.sincos(t * 1000.0, 256))
    if dit.cfg.pooled_text:
        c = c + dit.txt_pool(text.mean(dim=1))
    dit(x, t, text, cond, mask)
    hook.remove()
    sh, sc = dit.ada_f(torch.nn.functional.silu(c)).unsqueeze(1).chunk(2, dim=-1)
    y = seen["z"] * (1 + sc) + sh
    S = (x.shape[3] // dit.cfg.patch_s) * (x.shape[4] // dit.cfg.patch_s)
    return (dit.HOLD_GAIN * dit.out_hold(y[:, :S])).mean(dim=(1, 2))


def x_in_first_token(specs, frames, k, tau0, pt):
    """the k-th clip's object centre x at frames 0..pt-1 (nan where not seen)"""
    _, gm = mt.object_masks(specs[k], frames, tau0=tau0)
    _, x, _ = ev.track(gm, W, H)
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
    dit, pt = model.dit, model.cfg.patch_t
    specs, prompts, tok, cond, mask, x, tau0 = probe_batch(model, ae, args)
    B = len(specs)
    guidance = ev.guidance_for("extend-backward")
    text = model.text_encoder(torch.cat([tok, torch.zeros_like(tok)], 0))
    rec = Recorder(dit)
    shown = [j for j, s in enumerate(specs) if args.prompts or s.objects[0].motion in args.show]
    ref = {j: x_in_first_token(specs, world_clip(specs[j], tau0), j, tau0, pt) for j in shown}
    steps = [[] for _ in shown]
    ts = t_grid(args.steps)
    gates = []
    for i in range(args.steps):
        t, t2 = ts[i], ts[i + 1]
        rec.time_w.clear()
        tt = torch.full((2 * B,), t)
        args2 = (torch.cat([x, x], 0), tt, text, torch.cat([cond, cond], 0), torch.cat([mask, mask], 0))
        out = dit(*args2)
        if i == 0:
            first_w = [(b, w[:B]) for b, w in rec.time_w]
        if i in (0, args.steps - 1) and dit.cfg.hold_out:
            gates.append(slice0_gate(dit, *args2)[:B])
        x0 = out[B:] + guidance * (out[:B] - out[B:])
        x0 = mask * cond + (1 - mask) * x0
        frames = [to_u8(f) for f in decode_clip(ae.decoder, x0)]
        for r, j in enumerate(shown):
            steps[r].append(x_in_first_token(specs, frames[j], j, tau0, pt))
        x = x0 + (t2 / t) * (x - x0)
    for r, j in enumerate(shown):
        print(f"{prompts[j]}  ({specs[j].objects[0].motion})")
        print(f"  world           x in frames 0-{pt - 1}: {fmt(ref[j])}")
        for i, xs in enumerate(steps[r]):
            print(f"  step {i + 1:2d} (t {ts[i]:.2f}) x0's x:          {fmt(xs)}")
        for b, w in first_w:
            print(f"  block {b}: slice 0's time attention to slices 0-{len(w[j]) - 1} (step 1): "
                  + " ".join(f"{v:.2f}" for v in w[j].tolist()))
        if gates:
            print(f"  hold gate over slice 0: step 1 {gates[0][j]:.3f}, step {args.steps} {gates[1][j]:.3f}")


if __name__ == "__main__":
    main()
