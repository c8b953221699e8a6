"""Does the denoiser put the prompt's object where the prompt says? Error on object cells at t = 1.

  /usr/bin/python3 model/tools/object_error.py --ckpt model/checkpoints/world-s.pt

The world is deterministic given a text-to-video prompt (the clip starts at tau 0), so at t = 1 the
best x0 prediction is the rendered clip itself. For fixed one-object prompts this prints the mean
squared latent error on the cells the object covers and on the background cells, for the model with
its prompt, for the model with the null prompt, and for the batch mean (a model that ignores the
prompt's objects scores about the batch mean on object cells). It costs seconds, so training logs it
at every curve point: it moves long before the scores do.
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

import evaluate as ev  # noqa: E402
from studio_model import world  # noqa: E402
from studio_model.sampler import encode_clip, start_noise, to_tensor  # noqa: E402
from studio_model.text import MAX_TOKENS, tokenize  # noqa: E402


def probe_set(encoder, n=32, seed=7, W=128, H=72, frames=16, readings=False):
    """n fixed one-object prompts: tokens [n,L], their clips' latents [n,C,T,h,w], object cells (bool)"""
    rng = np.random.default_rng(seed)
    clips, objs, toks = [], [], []
    for i in range(n):
        prompt, spec = world.random_prompt(rng, n_obj=1)
        clip, om = world.render(spec, W, H, frames, tau0=0.0, seed=i, return_masks=True)
        clips.append(to_tensor(clip))
        objs.append(torch.from_numpy(om.max(axis=0)))
        toks.append(tokenize(prompt, readings=readings)[0])
    with torch.no_grad():
        lat = encode_clip(encoder, torch.stack(clips))
        cells = torch.nn.functional.max_pool3d(torch.stack(objs)[:, None], (1, 4, 4)) > 0
    return torch.tensor(toks, dtype=torch.int64), lat, cells.expand_as(lat)


@torch.no_grad()
def object_error(model, encoder, n=32, seed=7, probe=None, share=0.0):
    """{'object': .., 'background': .., 'object_null_prompt': .., 'object_batch_mean': ..} at t = 1, from
    starting noise with the share the model samples with (sampler.noise_share_of)"""
    toks, lat, cells = probe or probe_set(encoder, n, seed, readings=model.cfg.word_readings)
    B = lat.shape[0]
    g = torch.Generator().manual_seed(seed)
    noise = start_noise(lat.shape, share, g)
    zero = torch.zeros_like(lat)
    mask = torch.zeros(B, 1, *lat.shape[2:])
    t = torch.ones(B)
    pred = model(noise, t, toks, zero, mask)
    pred_null = model(noise, t, torch.zeros(B, MAX_TOKENS, dtype=torch.int64), zero, mask)
    mean = lat.mean(dim=0, keepdim=True).expand_as(lat)
    err = lambda p, m: float(((p - lat) ** 2)[m].mean())  # noqa: E731
    return {"object": round(err(pred, cells), 4), "background": round(err(pred, ~cells), 4),
            "object_null_prompt": round(err(pred_null, cells), 4), "object_batch_mean": round(err(mean, cells), 4)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "checkpoints", "world-s.pt"))
    ap.add_argument("--n", type=int, default=32)
    a = ap.parse_args()
    model, ae, _ = ev.load(a.ckpt)
    print(json.dumps(object_error(model, ae.encoder, a.n, share=model.noise_share)))


if __name__ == "__main__":
    main()
