"""Average the EMA weights of checkpoints on one training line (stochastic weight averaging over sessions).

  /usr/bin/python3 model/tools/average.py model/checkpoints/world-s.pt model/checkpoints/world-s-next.pt \
      model/runs-s38/ckpt.pt --to model/runs-s38avg/ckpt.pt

Why: every session's share ends with the learning rate annealed to 10% and the next starts again at
2e-4, so the sessions' ends are the snapshots of a cyclic schedule, which is what SWA averages (Izmailov
et al. 2018). From one shipped pack to the next the scores move by a few prompts either way on the
same recipe (sessions 32 to 37), which reads as noise around one point rather than a climb; the mean of
those ends sits nearer that point than any one of them. The DiT has no batch norm (layer norm and
adaLN only), so the averaged weights need no statistics recomputed.

The output is a whole checkpoint of the last input: its counters (step, clips, wall time), its history,
its autoencoder (which must be the same in every input: the latent is shared), its optimiser state and
RNG, so training resumes from it as from that run; `dit_ema` and `dit` both become the average (a run
resumed from it starts from the averaged point). What was averaged is recorded in `stages.dit.average`
and as an entry in `history`, which the export copies into the manifest.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys

import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from train import expand, save  # noqa: E402


def average(states: list[dict]) -> dict:
    """the mean of the inputs' dit_ema in float32, in a copy of the last input's checkpoint"""
    if len(states) < 2:
        raise SystemExit("average.py: give at least two checkpoints to average")
    last = states[-1]
    for i, s in enumerate(states[:-1]):
        if s.get("dit_cfg") != last.get("dit_cfg"):
            raise SystemExit(f"average.py: checkpoint {i + 1} has another DiT design than the last; only one line averages")
        if s["dit_ema"].keys() != last["dit_ema"].keys():
            raise SystemExit(f"average.py: checkpoint {i + 1} has other DiT weights than the last")
        for k, v in last["ae"].items():
            if not torch.equal(s["ae"][k], v):
                raise SystemExit(f"average.py: checkpoint {i + 1} has another autoencoder ({k}); its latent is not the same")
    out = copy.copy(last)
    mean = {}
    for k, v in last["dit_ema"].items():
        if v.is_floating_point():
            mean[k] = sum(s["dit_ema"][k].float() for s in states) / len(states)
        else:
            mean[k] = v.clone()
    out["dit_ema"] = mean
    out["dit"] = {k: v.clone() for k, v in mean.items()}
    dit = dict(last["stages"]["dit"])
    dit["average"] = {"steps": [s["stages"]["dit"]["step"] for s in states], "what": "mean of the EMA weights"}
    out["stages"] = {**last["stages"], "dit": dit}
    out["history"] = list(last.get("history", [])) + [{"average": dit["average"]}]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ckpts", nargs="+", help="checkpoints on one training line, oldest first (the last gives the counters)")
    ap.add_argument("--to", required=True, help="where the averaged (full, uncompacted) checkpoint goes")
    args = ap.parse_args()
    states = [expand(torch.load(p, map_location="cpu")) for p in args.ckpts]
    out = average(states)
    save(out, args.to)
    print(f"{args.to}: mean of {len(states)} EMA weights at DiT steps {out['stages']['dit']['average']['steps']}")


if __name__ == "__main__":
    main()
