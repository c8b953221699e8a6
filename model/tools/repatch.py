"""Warm-start a DiT with shorter temporal patches from a checkpoint (e.g. patch_t 8 -> 4).

  /usr/bin/python3 model/tools/repatch.py --from model/checkpoints/world-s.pt --to model/runs/ckpt.pt --patch-t 4

Only the patch embedding (`dit.inp`) and the output projection (`dit.out`) depend on patch_t; every
transformer block, the text encoder and the conditioning layers carry over unchanged (token count is
free: positions are computed from the grid). The new token of patch_t/k frames is initialised as
the old token seeing each of its frames held k times (input weights of each run of k old frames
summed; output rows of each run averaged), and the Adam moments follow the same map, so training
goes on from the old model instead of from scratch. Step and sample counts carry over: the
checkpoint's history stays one history.
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from train import expand, save  # noqa: E402
from studio_model.nets import DiTConfig, VideoModel  # noqa: E402


def map_inp(w, cin, old_t, new_t, ps):
    """[d, cin*old_t*ps*ps] -> [d, cin*new_t*ps*ps]: sum each run of old_t/new_t frames."""
    k = old_t // new_t
    d = w.shape[0]
    return w.reshape(d, cin, new_t, k, ps, ps).sum(dim=3).reshape(d, cin * new_t * ps * ps)


def map_out(w, c, old_t, new_t, ps):
    """[c*old_t*ps*ps, ...] -> [c*new_t*ps*ps, ...]: average each run of old_t/new_t frames."""
    k = old_t // new_t
    rest = w.shape[1:]
    return w.reshape(c, new_t, k, ps, ps, *rest).mean(dim=2).reshape(c * new_t * ps * ps, *rest)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="src", required=True)
    ap.add_argument("--to", dest="dst", required=True)
    ap.add_argument("--patch-t", type=int, required=True)
    a = ap.parse_args()
    state = expand(torch.load(a.src, map_location="cpu"))
    cfg = DiTConfig(**state["dit_cfg"])
    if cfg.patch_t % a.patch_t:
        raise SystemExit(f"patch_t {a.patch_t} must divide the checkpoint's {cfg.patch_t}")
    new_cfg = DiTConfig(**{**state["dit_cfg"], "patch_t": a.patch_t})
    names = [n for n, _ in VideoModel(cfg).named_parameters()]
    # Adam moments are stored by parameter index, in named_parameters() order; they follow the weights.
    cin = 2 * cfg.channels + 1
    maps = {"dit.inp.weight": lambda w: map_inp(w, cin, cfg.patch_t, a.patch_t, cfg.patch_s),
            "dit.out.weight": lambda w: map_out(w, cfg.channels, cfg.patch_t, a.patch_t, cfg.patch_s),
            "dit.out.bias": lambda w: map_out(w, cfg.channels, cfg.patch_t, a.patch_t, cfg.patch_s)}
    opt = state.get("dit_opt")
    for i, n in enumerate(names):
        s = opt["state"].get(i) if opt else None
        if s and n in maps:
            for m in ("exp_avg", "exp_avg_sq"):
                s[m] = maps[n](s[m])
    for key in ("dit", "dit_ema"):
        state[key] = {n: (maps[n](w) if n in maps else w) for n, w in state[key].items()}
    state["dit_cfg"] = {**state["dit_cfg"], "patch_t": a.patch_t}
    model = VideoModel(new_cfg)
    model.load_state_dict(state["dit"])  # shapes check
    state.setdefault("history", []).append({"repatch": {"from_patch_t": cfg.patch_t, "to_patch_t": a.patch_t,
                                                        "at_step": state["stages"]["dit"]["step"]}})
    save(state, a.dst)
    print(f"{a.src} (patch_t {cfg.patch_t}) -> {a.dst} (patch_t {a.patch_t}) at DiT step {state['stages']['dit']['step']}")


if __name__ == "__main__":
    main()
