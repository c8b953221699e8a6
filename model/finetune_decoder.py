"""Fine-tune the autoencoder's decoder alone, the encoder frozen, so the latent the DiT was trained on
does not change: only the pictures made from it get sharper. It aims at what the first training left
blurred: the night sky's one-pixel stars, wave lines and object edges (pixels that differ from their
neighbourhood get extra weight), which kept image-to-video's first frame under 28 dB on night scenes.

  /usr/bin/python3 model/finetune_decoder.py --minutes 15 [--src model/runs/ckpt.pt] [--threads 1] [--night-p 0.5] [--latent-noise 0.04]
writes model/runs/decoder.pt; model/snapshot.py --decoder model/runs/decoder.pt puts it in the pack.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from studio_model import world  # noqa: E402
from studio_model.nets import AEConfig, AutoEncoder  # noqa: E402
from studio_model.sampler import to_tensor  # noqa: E402
from train import CKPT, COMMITTED, RUNS, expand, loader, log, recon_loss, save, square_crop  # noqa: E402

OUT = os.path.join(RUNS, "decoder.pt")


def detail_weight(frames):
    """1 where a pixel differs from its 3x3 neighbourhood mean by more than 0.15 (stars, edges), else 0."""
    blur = F.avg_pool2d(frames, 3, stride=1, padding=1, count_include_pad=False)
    return ((frames - blur).abs().amax(dim=1, keepdim=True) > 0.15).float()


def held_out(seed=11, per_scene=4):
    """fixed first frames, per scene, for the before/after PSNR"""
    rng = np.random.default_rng(seed)
    out = {}
    for sc in world.SCENE_NAMES:
        fr = []
        for _ in range(per_scene):
            s = world.random_spec(rng, camera_p=0.0)
            s.scene = sc
            fr.append(world.render(s, 128, 72, 1, seed=int(rng.integers(1 << 30)))[0])
        out[sc] = to_tensor(np.stack(fr))
    return out


def night_batch(rng, clips=6, frames=4):
    """frames + object weights of night clips (4 consecutive frames each), rendered here"""
    fr, wt = [], []
    for _ in range(clips):
        s = world.random_spec(rng)
        s.scene = "night"
        W, H = (72, 72) if rng.random() < 0.15 else (128, 72)
        clip, m = world.render(s, W, H, frames, tau0=float(rng.uniform(0, 1.5)), seed=int(rng.integers(1 << 30)),
                               return_masks=True)
        fr.append(to_tensor(clip))
        wt.append(torch.from_numpy(1.0 + 4.0 * m.max(axis=0))[:, None])
    if len({f.shape[-1] for f in fr}) > 1:  # one canvas per batch: crop the wide ones square
        fr, wt = [f[..., :72] for f in fr], [w[..., :72] for w in wt]
    return torch.cat(fr), torch.cat(wt)


def decoder_loss(ae, frames, wt, noise=0.0, cycle=0.0):
    """train.ae_loss on the decoder alone (the encoder is frozen), with the latent perturbed by noise and the
    round trip's error added at weight cycle; at 0 and 0 it is ae_loss itself"""
    with torch.no_grad():
        z = ae.encoder(frames)
    rec = ae.decoder(z + noise * torch.randn_like(z) if noise else z)
    loss = recon_loss(rec, frames, wt)
    if cycle:
        loss = loss + cycle * ((ae.encoder(rec) - z) ** 2).mean()
    return loss


def psnr(rec, frames):
    """PSNR in dB of each frame of rec against frames, both [B,3,H,W] in [-1,1]"""
    mse = ((rec - frames) ** 2).mean(dim=(1, 2, 3)) / 4.0  # [-1,1] -> [0,1]
    return 10 * torch.log10(1.0 / mse.clamp_min(1e-10))


@torch.no_grad()
def psnr_by_scene(ae, frames):
    return {sc: round(float(psnr(ae.decoder(ae.encoder(fr)).clamp(-1, 1), fr).mean()), 2) for sc, fr in frames.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--src", default=None, help="checkpoint holding the autoencoder (default runs/ckpt.pt, else committed)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--night-p", type=float, default=0.0,
                    help="share of batches drawn here at night, beside the usual stream (the stars are the hardest detail)")
    ap.add_argument("--latent-noise", type=float, default=0.0,
                    help="std of N(0, s^2) added to the latents the decoder sees, the target still the clean frame: a "
                         "generated latent misses the world's by about 0.03 (session 44), and a decoder sharpened on "
                         "clean latents only turns that miss into a visible jump at an extension's seam (session 54)")
    ap.add_argument("--cycle", type=float, default=0.0,
                    help="weight of |encoder(decoder(z)) - z|^2 (a chained extension re-encodes what it decoded); not used "
                         "for a pack yet: session 54's sharpened decoder already had a tighter round trip than 0.30.0's, "
                         "and the latent noise alone mended its chains")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    src = args.src or (CKPT if os.path.exists(CKPT) else COMMITTED)
    st = expand(torch.load(src, map_location="cpu"))
    ae = AutoEncoder(AEConfig(**st["ae_cfg"]))
    ae.load_state_dict(st["ae"])
    if os.path.exists(OUT):  # go on from an earlier fine-tune
        prev = torch.load(OUT, map_location="cpu")
        ae.decoder.load_state_dict(prev["decoder"])
        stats = prev["stats"]
    else:
        stats = dict(st.get("stages", {}).get("decoder_finetune", {"steps": 0, "frames": 0, "wall": 0.0}))
    ae.encoder.eval().requires_grad_(False)
    ae.decoder.train()
    test = held_out()
    log(f"decoder fine-tune from {src}; held-out PSNR by scene before: {psnr_by_scene(ae, test)}", fn="decoder.log")
    opt = torch.optim.Adam(ae.decoder.parameters(), lr=args.lr)
    it = loader("ae", 24, args.seed + stats["steps"], workers=1)
    rng = np.random.default_rng(args.seed + stats["steps"])
    t0 = time.time()
    while time.time() - t0 < args.minutes * 60:
        if rng.random() < args.night_p:
            fr, wt = night_batch(rng)
        else:
            fr, wt = next(it)
        fr, wt = square_crop(fr, wt, rng)  # as the autoencoder was trained
        frac = (time.time() - t0) / (args.minutes * 60)
        for g in opt.param_groups:
            g["lr"] = args.lr * (0.2 if frac > 0.7 else 1.0)
        loss = decoder_loss(ae, fr, wt + 6.0 * detail_weight(fr), args.latent_noise, args.cycle)
        opt.zero_grad()
        loss.backward()
        opt.step()
        stats["steps"] += 1
        stats["frames"] += fr.shape[0]
        if stats["steps"] % 50 == 0:
            log(f"decoder step {stats['steps']} frames {stats['frames']} loss {loss.item():.4f}", fn="decoder.log")
    stats["wall"] += time.time() - t0
    ae.decoder.eval()
    log(f"held-out PSNR by scene after: {psnr_by_scene(ae, test)}", fn="decoder.log")
    save({"decoder": ae.decoder.state_dict(), "stats": stats, "from": src}, OUT)
    log(f"saved {OUT} ({stats['steps']} steps, {stats['frames']} frames, {stats['wall']:.0f} s)", fn="decoder.log")


if __name__ == "__main__":
    main()
