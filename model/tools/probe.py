"""A contact sheet of what a checkpoint makes, to look at while it trains: for a few prompts, the
clip the sampler makes (every third frame) and, beside it, the denoiser's x0 prediction from pure
noise at t = 1: the layout the prompt alone gives. If that prediction shows no object (or an object
in the average colour of the palette), the model has not learned to place objects from the text,
and no sampler setting will make the clips right.

  /usr/bin/python3 model/tools/probe.py [--ckpt model/runs/ckpt.pt] [--out model/runs/probe.png]
"""
import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

MODEL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, MODEL)

import evaluate as ev  # noqa: E402
from studio_model import world  # noqa: E402
from studio_model.sampler import decode_clip, start_noise, to_u8  # noqa: E402

PROMPTS = ["a red ball moves right on a grass field", "a big blue box spins in the snow",
           "a small yellow star rises at night", "a green triangle falls in the desert",
           "a pink ring bounces over the sea", "a purple ball moves left in the sky"]


def strip(clip):
    return np.concatenate([clip[i] for i in range(0, 16, 3)], axis=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(MODEL, "runs", "ckpt.pt"))
    ap.add_argument("--out", default=os.path.join(MODEL, "runs", "probe.png"))
    ap.add_argument("--guidance", type=float, default=ev.GUIDANCE)
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, ae, _ = ev.load(args.ckpt)
    W, H = 128, 72
    clips = ev.generate(model, ae, PROMPTS, seed=1, guidance=args.guidance)
    tok = model.tokens(PROMPTS)
    B = len(PROMPTS)
    shape = (B, ae.cfg.channels, 16, H // 4, W // 4)
    with torch.no_grad():
        x0 = model.dit(start_noise(shape, model.noise_share, torch.Generator().manual_seed(0)), torch.ones(B),
                       model.text_encoder(tok), torch.zeros(shape), torch.zeros(B, 1, 16, H // 4, W // 4))
        t1 = to_u8(decode_clip(ae.decoder, x0).reshape(-1, 3, H, W)).reshape(B, 16, H, W, 3)
    rows = []
    for p, c, l in zip(PROMPTS, clips, t1):
        ref = world.render(world.parse(p), W, H, 16)
        rows.append(np.concatenate([strip(ref), strip(c), strip(l)], axis=1))
    Image.fromarray(np.concatenate(rows, 0)).save(args.out)
    print(f"{args.out}: per row, the renderer's reference | the sampled clip | the x0 prediction at t = 1")


if __name__ == "__main__":
    main()
