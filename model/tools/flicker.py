"""How much the x0 prediction flickers: on one batch of training windows (half of them forward
extensions given 6 frames, half text-to-video), at fixed noise levels, the x0 error, train.temporal_error,
and the mean |frame-to-frame change| of the prediction (given frames pinned) against the true clip's.
Session 40 measured with it that the low-t errors are mostly flicker (model/README.md).

  /usr/bin/python3 model/tools/flicker.py --ckpt model/checkpoints/world-s.pt [--seed 123] [--threads 1]

Uses the EMA weights, as the pack does. The same --seed gives the same batch and noise for any checkpoint,
so two checkpoints' lines compare directly.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import train  # noqa: E402
from export import load_modules  # noqa: E402
from studio_model.sampler import noise_share_of, start_noise  # noqa: E402

LEVELS = (0.08, 0.25, 0.5, 1.0)


@torch.no_grad()
def flicker_rows(model, lat, tok, masks, seed=3, levels=LEVELS, share=0.0):
    """lat [B,C,T,h,w], tok [B,L], masks [B,T] (given frames) -> one dict per noise level; share: the
    starting-noise share the model trained on (sampler.noise_share_of)"""
    B, C, T, h, w = lat.shape
    mask = masks[:, None, :, None, None].expand(B, 1, T, h, w).contiguous()
    cond = lat * mask
    eps = start_noise(lat.shape, share, torch.Generator().manual_seed(seed))
    free = 1 - mask
    rows = []
    for t in levels:
        xt = (1 - t) * lat + t * eps
        pred = model(xt, torch.full((B,), t), tok, cond, mask, None)
        x0 = (((pred - lat) ** 2) * free).sum() / (free.sum() * C)
        p = train.pinned(pred, lat, mask)
        rows.append({"t": t, "x0_error": float(x0), "temporal_error": float(train.temporal_error(pred, lat, mask)),
                     "pred_change": float((p[:, :, 1:] - p[:, :, :-1]).abs().mean()),
                     "true_change": float((lat[:, :, 1:] - lat[:, :, :-1]).abs().mean())})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "checkpoints", "world-s.pt"))
    ap.add_argument("--seed", type=int, default=123, help="the batch's data seed (the noise is fixed)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ae, model, st = load_modules(a.ckpt)  # the EMA weights, in eval mode, as evaluate.load takes them
    lat, tok, _, _ = next(train.loader("dit", 16, a.seed, ae=ae, workers=1, readings=model.cfg.word_readings))
    rng = np.random.default_rng(0)
    T = lat.shape[2]
    masks = torch.from_numpy(np.stack([train.make_mask(rng, T, "ext_fwd" if i % 2 == 0 else "t2v")
                                       for i in range(lat.shape[0])]))
    print(f"{a.ckpt}: DiT step {st['stages']['dit']['step']}")
    for r in flicker_rows(model, lat, tok, masks, share=noise_share_of(st)):
        print(f"t {r['t']:.2f}  x0 error {r['x0_error']:.4f}  temporal error {r['temporal_error']:.4f}  "
              f"|change| predicted {r['pred_change']:.4f}, true {r['true_change']:.4f}")


if __name__ == "__main__":
    main()
