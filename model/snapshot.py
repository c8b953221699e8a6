"""Copy the running checkpoint into the pack's committed checkpoint (compact) and export the pack from it.

  /usr/bin/python3 model/snapshot.py [--src model/runs/ckpt.pt] [--decoder model/runs/decoder.pt]
then: /usr/bin/python3 -m pytest model/tests -q ; git add model/checkpoints resources/models/world-s ; commit.

  /usr/bin/python3 model/snapshot.py --src model/runs-s15/ckpt.pt --to model/checkpoints/world-s-next.pt
writes the same compact checkpoint elsewhere and exports no pack: a run that is not shipped but must
reach the next session (a new session may start on a new machine, without the git-ignored run folders;
session 15 lost session 14's run that way).
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import export  # noqa: E402
from train import CKPT, COMMITTED, compact, save  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=CKPT)
    ap.add_argument("--to", default=COMMITTED, help="where the compact checkpoint goes; anywhere but the committed one exports no pack")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--version", default=None, help="the exported pack's version (X.Y.Z); default: the present manifest's")
    ap.add_argument("--decoder", default=None, help="a fine-tuned decoder (model/finetune_decoder.py) to put in the pack")
    args = ap.parse_args()
    torch.set_num_threads(2)
    st = torch.load(args.src, map_location="cpu")
    if args.decoder:
        # the encoder (so the latent) is untouched; only the decoder's weights are replaced
        dec = torch.load(args.decoder, map_location="cpu")
        st["ae"].update({f"decoder.{k}": v for k, v in dec["decoder"].items()})
        st.setdefault("stages", {})["decoder_finetune"] = dec["stats"]
    save(compact(st), args.to)
    mb = os.path.getsize(args.to) / 1e6
    print(f"{args.to}: {mb:.1f} MB, dit step {st.get('stages', {}).get('dit', {}).get('step')}")
    assert mb < 45, "committed checkpoint must stay under 45 MB"
    if not args.no_export and os.path.abspath(args.to) == os.path.abspath(COMMITTED):
        export.export(COMMITTED, os.path.join(os.path.dirname(HERE), "resources", "models", export.PACK_ID), args.version)


if __name__ == "__main__":
    main()
