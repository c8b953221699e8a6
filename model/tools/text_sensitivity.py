"""How much each kind of word moves the denoiser's output: a number that moves long before the scores do.

  /usr/bin/python3 model/tools/text_sensitivity.py --ckpt model/checkpoints/world-s.pt

For pairs of prompts that differ in one word (the colour, the motion, the scene, the shape, the size),
the mean absolute difference of the x0 predictions on the same noise, at t = 1, 0.8 and 0.5, over
a few base prompts and noises. A model that reads the prompt shows colour and motion differences of
the same order as scene differences (weighted by the share of the frame they touch: an object is a
few percent of it); one that ignores a word shows about zero for it.

  /usr/bin/python3 model/tools/text_sensitivity.py --ckpt CKPT --readings

--readings asks the text encoder alone how it reads left and right, which WORLD.md uses as a motion,
a camera pan and a position: the cosine similarity of the word's output vector across the readings
(and across the words, and for up and down, as a scale). Pack 0.9.0 gave "right" the same vector in
all three (0.99-1.00): it had not tied the word to its verb (session 13; DiTConfig.text_context).

  /usr/bin/python3 model/tools/text_sensitivity.py --ckpt CKPT --binding

--binding asks whether the text encoder ties each object's words to its motion: for two-object prompts
and the same prompts with the two motions swapped, the cosine similarity of each object's colour and
noun vectors across the swap. 1.00 means the words say nothing of whose motion is whose (0.11.0: the
ball 0.999, session 22); the lower, the more each object's words carry its own motion
(DiTConfig.phrase_bind).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import evaluate as ev  # noqa: E402
from studio_model import world  # noqa: E402
from studio_model.sampler import start_noise  # noqa: E402

BASES = [("red", "ball", "rolls right", "on a grass field"), ("blue", "box", "moves up", "in the snow"),
         ("yellow", "star", "falls", "in the desert"), ("purple", "ring", "bounces", "over the sea")]
SWAPS = {
    "colour": lambda c, s, m, sc: ({"red": "green", "blue": "orange", "yellow": "pink", "purple": "white"}[c], s, m, sc),
    "motion": lambda c, s, m, sc: (c, s, {"rolls right": "rolls left", "moves up": "moves down", "falls": "spins",
                                          "bounces": "moves left"}[m], sc),
    "shape": lambda c, s, m, sc: (c, {"ball": "box", "box": "triangle", "star": "ring", "ring": "ball"}[s], m, sc),
    "scene": lambda c, s, m, sc: (c, s, m, {"on a grass field": "at night", "in the snow": "on the sand",
                                            "in the desert": "over the sea", "over the sea": "in the snow"}[sc]),
}


def prompt(c, s, m, sc):
    return f"a {c} {s} {m} {sc}"


@torch.no_grad()
def sensitivity(model, ae, noises=2, ts=(1.0, 0.8, 0.5)):
    C = ae.cfg.channels
    z = torch.zeros(1, C, 16, 18, 32)
    msk = torch.zeros(1, 1, 16, 18, 32)
    out = {k: {str(t): 0.0 for t in ts} for k in SWAPS}
    n = 0
    for seed in range(noises):
        x = start_noise((1, C, 16, 18, 32), model.noise_share, torch.Generator().manual_seed(seed))
        for b in BASES:
            n += 1
            base_text = model.text_encoder(model.tokens([prompt(*b)]))
            for k, swap in SWAPS.items():
                text = model.text_encoder(model.tokens([prompt(*swap(*b))]))
                for t in ts:
                    tt = torch.tensor([t])
                    d = (model.dit(x, tt, text, z, msk) - model.dit(x, tt, base_text, z, msk)).abs().mean()
                    out[k][str(t)] += float(d)
    return {k: {t: round(v / n, 4) for t, v in d.items()} for k, d in out.items()}


READINGS = {"moves right": ("a red ball moves right on a grass field", "right"),
            "pans right": ("a red ball on a grass field, the camera pans right", "right"),
            "on the right": ("a red ball on the right on a grass field", "right"),
            "moves left": ("a red ball moves left on a grass field", "left"),
            "pans left": ("a red ball on a grass field, the camera pans left", "left"),
            "on the left": ("a red ball on the left on a grass field", "left"),
            "moves up": ("a red ball moves up on a grass field", "up"),
            "moves down": ("a red ball moves down on a grass field", "down")}


@torch.no_grad()
def word_vector(model, prompt, word):
    """the text encoder's output vector at the (first) place of word in prompt (its place among the
    prompt's words: with word readings its token may be another, "right@pan" for "right")"""
    return model.text_encoder(model.tokens([prompt]))[0, world.words_of(prompt).index(word)]


def readings(model):
    """{reading: {reading: cosine}} of the direction word's output vector in each prompt of READINGS"""
    vec = {name: word_vector(model, p, word) for name, (p, word) in READINGS.items()}
    cos = torch.nn.functional.cosine_similarity
    return {a: {b: round(float(cos(vec[a], vec[b], dim=0)), 2) for b in vec} for a in vec}


# (prompt, the same with the objects' motions swapped, the words to compare)
BINDINGS = [("a red ball moves left and a blue box moves right in the desert",
             "a red ball moves right and a blue box moves left in the desert", ["red", "ball", "blue", "box"]),
            ("a green star rises and a pink ring falls on the grass",
             "a green star falls and a pink ring rises on the grass", ["green", "star", "pink", "ring"]),
            ("a yellow triangle spins while a white box drifts left in the snow",
             "a yellow triangle drifts left while a white box spins in the snow", ["yellow", "triangle", "white", "box"])]


def binding(model):
    """[(prompt, {word: cosine of its vector across the motion swap})]"""
    cos = torch.nn.functional.cosine_similarity
    return [(a, {w: round(float(cos(word_vector(model, a, w), word_vector(model, b, w), dim=0)), 3) for w in words})
            for a, b, words in BINDINGS]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--readings", action="store_true", help="the text encoder's vectors of left and right in their readings")
    ap.add_argument("--binding", action="store_true", help="whether each object's words change when the motions swap")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, ae, st = ev.load(a.ckpt)
    if a.readings:
        table = readings(model)
        print(" " * 13 + "".join(f"{k:>13s}" for k in table))
        for k, row in table.items():
            print(f"{k:13s}" + "".join(f"{v:13.2f}" for v in row.values()))
        return
    if a.binding:
        print("cosine of each word's vector when the two objects' motions swap (1.00: it does not say whose motion)")
        for p, row in binding(model):
            print("  ".join(f"{w} {v:.3f}" for w, v in row.items()) + f"   ({p})")
        return
    res = sensitivity(model, ae)
    print(json.dumps({"dit_step": st["stages"]["dit"]["step"], "patch_t": model.cfg.patch_t, "mean_abs_x0_change": res}))


if __name__ == "__main__":
    main()
