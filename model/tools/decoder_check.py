"""What a decoder does to given frames and to generated ones, before any evaluation (session 54).

  /usr/bin/python3 model/tools/decoder_check.py [--ckpt model/checkpoints/world-s.pt] [DECODER.pt ...]

For the checkpoint's own decoder and each fine-tuned one (finetune_decoder.py's decoder.pt), on the same fresh
first frames: the reconstruction PSNR per scene (mean, min, and how many of 40 reach 28 dB: a given frame is
pinned in the latent and decoded from the encoder's own latent, so this is image-to-video's first frame and
in-filling's ends), the round trip |encoder(decoder(z)) - z| once and after five trips (a chained extension
re-encodes what it decoded), and how many levels of 255 the pixels move when the latent moves by N(0, 0.03^2),
about a generated latent's miss: a decoder that moves them more shows a larger jump at an extension's seam.
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from finetune_decoder import held_out, psnr  # noqa: E402
from studio_model.nets import AEConfig, AutoEncoder  # noqa: E402
from train import COMMITTED, expand  # noqa: E402


@torch.no_grad()
def report(ae, by_scene):
    x = torch.cat(list(by_scene.values()))
    z = ae.encoder(x)
    r0 = ae.decoder(z).clamp(-1, 1)
    rows = {}
    for sc, p in zip(by_scene, psnr(r0, x).split([len(v) for v in by_scene.values()])):
        rows[sc] = (float(p.mean()), float(p.min()), int((p >= 28).sum()), len(p))
    zc = ae.encoder(r0)  # the first trip; r0 is already decoded
    trip = (zc - z).abs().mean().item()
    for _ in range(4):
        zc = ae.encoder(ae.decoder(zc).clamp(-1, 1))
    noise = 0.03 * torch.randn(z.shape, generator=torch.Generator().manual_seed(0))
    moved = (ae.decoder(z + noise).clamp(-1, 1) - r0).abs().mean().item() * 127.5
    return rows, trip, (zc - z).abs().mean().item(), moved


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("decoders", nargs="*", help="fine-tuned decoders (finetune_decoder.py's decoder.pt)")
    ap.add_argument("--ckpt", default=COMMITTED)
    ap.add_argument("--per-scene", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(2)
    st = expand(torch.load(args.ckpt, map_location="cpu"))
    ae = AutoEncoder(AEConfig(**st["ae_cfg"]))
    ae.load_state_dict(st["ae"])
    ae.eval()
    by_scene = held_out(seed=5, per_scene=args.per_scene)  # not the fine-tune's own (seed 11)
    for name in [args.ckpt] + args.decoders:
        if name != args.ckpt:
            ae.decoder.load_state_dict(torch.load(name, map_location="cpu")["decoder"])
        rows, trip, trip5, moved = report(ae, by_scene)
        print(f"{name}: round trip {trip:.4f}, after five {trip5:.4f}; latent moved by 0.03 -> pixels {moved:.2f} levels")
        for sc, (mean, lo, ok, n) in rows.items():
            print(f"  {sc:7s} PSNR mean {mean:.2f} min {lo:.2f}  >= 28 dB: {ok}/{n}")


if __name__ == "__main__":
    main()
