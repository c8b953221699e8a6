"""Copy the running checkpoint into the one committed checkpoint (compact) and export the pack from it.

  /usr/bin/python3 model/snapshot.py [--src model/runs/ckpt.pt]
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
    args = ap.parse_args()
    torch.set_num_threads(2)
    st = torch.load(args.src, map_location="cpu")
    save(compact(st), COMMITTED)
    mb = os.path.getsize(COMMITTED) / 1e6
    print(f"{COMMITTED}: {mb:.1f} MB, dit step {st.get('stages', {}).get('dit', {}).get('step')}")
    assert mb < 45, "committed checkpoint must stay under 45 MB"
    if not args.no_export:
        export.export(COMMITTED, os.path.join(os.path.dirname(HERE), "resources", "models", export.PACK_ID))


if __name__ == "__main__":
    main()
