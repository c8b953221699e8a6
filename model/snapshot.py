"""Copy the running checkpoint into the one committed checkpoint (compact) and export the pack from it.

  /usr/bin/python3 model/snapshot.py [--src model/runs/ckpt.pt] [--decoder model/runs/decoder.pt]
then: /usr/bin/python3 -m pytest model/tests -q ; git add model/checkpoints resources/models/world-s ; commit.
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
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--decoder", default=None, help="a fine-tuned decoder (model/finetune_decoder.py) to put in the pack")
    args = ap.parse_args()
    torch.set_num_threads(2)
    st = torch.load(args.src, map_location="cpu")
    if args.decoder:
        # the encoder (so the latent) is untouched; only the decoder's weights are replaced
        dec = torch.load(args.decoder, map_location="cpu")
        st["ae"].update({f"decoder.{k}": v for k, v in dec["decoder"].items()})
        st.setdefault("stages", {})["decoder_finetune"] = dec["stats"]
    save(compact(st), COMMITTED)
    mb = os.path.getsize(COMMITTED) / 1e6
    print(f"{COMMITTED}: {mb:.1f} MB, dit step {st.get('stages', {}).get('dit', {}).get('step')}")
    assert mb < 45, "committed checkpoint must stay under 45 MB"
    if not args.no_export:
        export.export(COMMITTED, os.path.join(os.path.dirname(HERE), "resources", "models", export.PACK_ID))


if __name__ == "__main__":
    main()
