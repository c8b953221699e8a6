"""Warm-start a DiT with shorter temporal patches (e.g. patch_t 8 -> 4), factorised attention and/or text
context lookups from a checkpoint.

  /usr/bin/python3 model/tools/repatch.py --from model/checkpoints/world-s.pt --to model/runs/ckpt.pt --patch-t 4 [--attn factorised]

Only the patch embedding (`dit.inp`) and the output projection (`dit.out`) depend on patch_t; every
transformer block, the text encoder and the conditioning layers carry over unchanged (token count is
free: positions are computed from the grid). The new token of patch_t/k frames is initialised as
the old token seeing each of its frames held k times (input weights of each run of k old frames
summed; output rows of each run averaged), and the Adam moments follow the same map, so training
goes on from the old model instead of from scratch. Step and sample counts carry over: the
checkpoint's history stays one history.

--attn factorised keeps every joint block's layers (they become the attention over the text and one
time slice) and adds each block's attention across time with its adaLN gate at zero, so it starts
switched off. The model still changes: a token no longer sees the other slices until that attention
learns to (with patch_t 16, one slice, it would be the same model exactly; tests/test_factorised.py).

--text-context 2 gives the text encoder lookups of the one and two words before each word
(DiTConfig.text_context), zero at start: the converted model gives the old one's outputs exactly, and
the lookups learn from the next step (session 13).

  /usr/bin/python3 model/tools/repatch.py --from model/runs/ckpt.pt --to model/runs/context-start.pt --text-context 2

--pooled-text off drops the mean word vector from the adaLN (DiTConfig.pooled_text): the weights stay,
the model then reads the words through the attention alone. It is a different model unless it was
trained for it (train.py --pool-drop); session 14 compares a run's checkpoint both ways.

  /usr/bin/python3 model/tools/repatch.py --from model/runs/ckpt.pt --to model/runs/no-pool.pt --pooled-text off

--word-readings on gives "left" and "right" after a pan verb or a place preposition tokens of their own
(DiTConfig.word_readings, studio_model.text.READINGS; session 20). Each new token's embedding row (and
its Adam moments) starts as a copy of its word's, so the converted model gives the old one's outputs
exactly; from the next step the three readings learn apart.

  /usr/bin/python3 model/tools/repatch.py --from model/runs/ckpt.pt --to model/runs/readings.pt --word-readings on

--phrase-bind on adds to each word of an object's phrase the mean of that phrase (DiTConfig.phrase_bind;
session 22), through a gate per channel that starts at zero: the converted model gives the old one's
outputs exactly, and the gate learns from the next step.

  /usr/bin/python3 model/tools/repatch.py --from model/runs/ckpt.pt --to model/runs/bind.pt --phrase-bind on

--phrase-order on adds to each word of the first (second) object's phrase a learned vector of its own
(DiTConfig.phrase_order; session 22), zero at start: the same model exactly until it learns.

--seam-out on gives each time slice's output layer the vectors of the slices before and after it
(DiTConfig.seam_out; session 23), two projections at zero: the same model exactly until they learn.

  /usr/bin/python3 model/tools/repatch.py --from model/checkpoints/world-s.pt --to model/runs/seam.pt --seam-out on

--hold-out on lets the output lean towards the nearest given frame's latent (DiTConfig.hold_out; session 43),
through one projection at zero: the same model exactly until it learns, and text-to-video stays exactly
the old model's function of its weights (the lean is zero where no frame is given).

  /usr/bin/python3 model/tools/repatch.py --from model/checkpoints/world-s-next.pt --to model/runs/ckpt.pt --hold-out on
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
from studio_model.text import READINGS, WORDS  # noqa: E402


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


def pad_rows(w, shape):
    """a joint block's adaLN weights (6 chunks) as a factorised block's (7): the joint rows, then zero
    rows, so the attention across time starts gated off"""
    if w.shape == shape:
        return w
    return torch.cat([w, torch.zeros(shape[0] - w.shape[0], *w.shape[1:], dtype=w.dtype)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="src", required=True)
    ap.add_argument("--to", dest="dst", required=True)
    ap.add_argument("--patch-t", type=int, help="new temporal patch (divides the old one); default: unchanged")
    ap.add_argument("--attn", choices=["joint", "factorised"],
                    help="new attention; factorised adds each block's attention across time, its gate at zero")
    ap.add_argument("--text-context", type=int,
                    help="words before each word the text encoder looks up (DiTConfig.text_context); default: unchanged")
    ap.add_argument("--pooled-text", choices=["on", "off"],
                    help="whether the adaLN gets the mean word vector (DiTConfig.pooled_text); default: unchanged")
    ap.add_argument("--word-readings", choices=["on"],
                    help="tokens of their own for left/right after a pan verb or a place (DiTConfig.word_readings)")
    ap.add_argument("--phrase-bind", choices=["on"],
                    help="each object's words carry their phrase's mean, gated from zero (DiTConfig.phrase_bind)")
    ap.add_argument("--phrase-order", choices=["on"],
                    help="each object's words get a vector for which object it is, zero at start (DiTConfig.phrase_order)")
    ap.add_argument("--seam-out", choices=["on"],
                    help="each time slice's output also reads the slices beside it, zero at start (DiTConfig.seam_out)")
    ap.add_argument("--hold-out", choices=["on"],
                    help="the output may lean towards the nearest given frame, zero at start (DiTConfig.hold_out)")
    a = ap.parse_args()
    state = expand(torch.load(a.src, map_location="cpu"))
    cfg = DiTConfig(**state["dit_cfg"])
    patch_t, attn = a.patch_t or cfg.patch_t, a.attn or cfg.attn
    context = cfg.text_context if a.text_context is None else a.text_context
    if context < 0:
        raise SystemExit(f"--text-context must be 0 or more (words before each word), not {context}")
    if context < cfg.text_context:
        raise SystemExit(f"--text-context {context} would drop lookups the checkpoint has learned ({cfg.text_context})")
    if cfg.patch_t % patch_t:
        raise SystemExit(f"patch_t {patch_t} must divide the checkpoint's {cfg.patch_t}")
    if cfg.attn == "factorised" and attn == "joint":
        raise SystemExit("a factorised checkpoint cannot go back to joint attention")
    pooled = cfg.pooled_text if a.pooled_text is None else a.pooled_text == "on"
    readings = cfg.word_readings or a.word_readings == "on"
    bind = cfg.phrase_bind or a.phrase_bind == "on"
    order = cfg.phrase_order or a.phrase_order == "on"
    seam = cfg.seam_out or a.seam_out == "on"
    hold = cfg.hold_out or a.hold_out == "on"
    # the readings' tokens come after the plain words: the embedding table grows to hold them
    vocab = max(cfg.vocab, len(WORDS)) if readings else cfg.vocab
    changed = {"patch_t": patch_t, "attn": attn, "text_context": context, "pooled_text": pooled,
               "word_readings": readings, "vocab": vocab, "phrase_bind": bind,
               "phrase_order": order, "seam_out": seam, "hold_out": hold}
    # a reading's token starts as its word: its embedding row (weights, EMA and Adam moments) is copied
    copies = {} if cfg.word_readings or not readings else \
        {WORDS.index(w + r["suffix"]): WORDS.index(w) for r in READINGS for w in r["words"]}
    new_cfg = DiTConfig(**{**state["dit_cfg"], **changed})
    cin = 2 * cfg.channels + 1
    maps = {"dit.inp.weight": lambda w: map_inp(w, cin, cfg.patch_t, patch_t, cfg.patch_s),
            "dit.out.weight": lambda w: map_out(w, cfg.channels, cfg.patch_t, patch_t, cfg.patch_s),
            "dit.out.bias": lambda w: map_out(w, cfg.channels, cfg.patch_t, patch_t, cfg.patch_s)}
    fresh = VideoModel(new_cfg)
    new_params = dict(fresh.named_parameters())

    def carry(n, w):
        """an old tensor (weight or Adam moment) in its new shape"""
        w = maps[n](w) if n in maps and patch_t != cfg.patch_t else w
        w = pad_rows(w, new_params[n].shape)
        if n == "text_encoder.emb.weight" and copies:
            w = w.clone()
            for dst, src in copies.items():
                w[dst] = w[src]
        return w

    for key in ("dit", "dit_ema"):
        new = fresh.state_dict()
        new.update({n: carry(n, w) for n, w in state[key].items()})
        state[key] = new
    # Adam moments are stored by parameter index, in named_parameters() order: they follow their
    # parameter by name; the new layers start without moments, as a fresh optimiser would.
    opt = state.get("dit_opt")
    if opt:
        old_names = [n for n, _ in VideoModel(cfg).named_parameters()]
        new_names = list(new_params)
        moments = {old_names[i]: s for i, s in opt["state"].items()}
        opt["state"] = {i: {k: (carry(n, v) if k in ("exp_avg", "exp_avg_sq") else v) for k, v in moments[n].items()}
                        for i, n in enumerate(new_names) if n in moments}
        opt["param_groups"][0]["params"] = list(range(len(new_names)))
    state["dit_cfg"] = {**state["dit_cfg"], **changed}
    fresh.load_state_dict(state["dit"])  # shapes check
    state.setdefault("history", []).append({"repatch": {"from_patch_t": cfg.patch_t, "to_patch_t": patch_t,
                                                        "from_attn": cfg.attn, "to_attn": attn,
                                                        "from_text_context": cfg.text_context, "to_text_context": context,
                                                        "from_pooled_text": cfg.pooled_text, "to_pooled_text": pooled,
                                                        "from_word_readings": cfg.word_readings, "to_word_readings": readings,
                                                        "from_phrase_bind": cfg.phrase_bind, "to_phrase_bind": bind,
                                                        "from_phrase_order": cfg.phrase_order, "to_phrase_order": order,
                                                        "from_seam_out": cfg.seam_out, "to_seam_out": seam,
                                                        "from_hold_out": cfg.hold_out, "to_hold_out": hold,
                                                        "at_step": state["stages"]["dit"]["step"]}})
    save(state, a.dst)
    print(f"{a.src} (patch_t {cfg.patch_t}, {cfg.attn}, text context {cfg.text_context}, pooled text {cfg.pooled_text}) "
          f"-> {a.dst} (patch_t {patch_t}, {attn}, text context {context}, pooled text {pooled}, word readings {readings}, phrase bind {bind}, phrase order {order}, seam out {seam}, hold out {hold}) "
          f"at DiT step {state['stages']['dit']['step']}")


if __name__ == "__main__":
    main()
