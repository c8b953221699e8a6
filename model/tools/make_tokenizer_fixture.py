"""Write test/fixtures/tokenizer.json: prompts with their token ids and unknown words (Python is the reference).
"cases" are tokenized as the shipped pack reads them (its vocab.json, with its readings if it has them);
"readings" holds a vocabulary with the word readings and the same prompts read through it, so the
TypeScript rule is checked whichever pack ships.

  /usr/bin/python3 model/tools/make_tokenizer_fixture.py
"""
import json
import os
import sys

import numpy as np

MODEL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(MODEL)
sys.path.insert(0, MODEL)

from studio_model import world  # noqa: E402
from studio_model.text import MAX_TOKENS, tokenize, vocab_json  # noqa: E402

HAND = [
    "a red ball moves right on a grass field",
    "A big blue box spins in the snow",
    "a small yellow star rises at night, the camera pans left",
    "a green triangle falls in the desert and a pink ring circles",
    "",
    "   ",
    "!!!",
    "RED BALL!!! bounces... in the SKY?",
    "a Red-Ball moves_right",
    "the cube (purple) goes around; under the stars",
    "a shiny red ball bounces in the snow",
    "a cinematic 4k shot: a tiny dragon flies over the sea",
    "A Large White Donut Gets Smaller By The Water",
    "ball2 moves left",
    "a red ball moves right on a grass field " * 5,
    "caf\u00e9 au lait with a red ball",
    "na\u00efve purple pyramid \u2014 drops \u2013 on the sand",
    "\t a   black\nsphere\tslowly sinks ",
    "The camera zooms in. An orange block rests in a meadow.",
    "a green square quickly drifts left, the camera zooms out, on the ocean",
    "Ünïcödé STAR rotates",
    "a red ball moves right and a red ball moves left and a red ball spins and then some unknown unknown words here",
    # the readings of left and right: a motion, a pan, a place (and what is none of them)
    "a red ball on the left moves right, the camera pans right",
    "The camera is panning left; a star at the right slides left",
    "a box in the right moves to the left from the left",
    "pan right then right right, the left left",
    "on left, at right: panning   right",
    "a ring moves left while the camera pans  left",
]


def main():
    rng = np.random.default_rng(7)
    prompts = list(HAND)
    while len(prompts) < 64:
        prompts.append(world.random_prompt(rng)[0])
    vocab = os.path.join(ROOT, "resources", "models", "world-s", "vocab.json")
    with open(vocab, encoding="utf-8") as f:
        shipped_readings = "readings" in json.load(f)
    rows, read_rows = [], []
    for p in prompts:
        ids, unk = tokenize(p, readings=shipped_readings)
        rows.append({"prompt": p, "ids": ids, "unknown_words": unk})
        ids, unk = tokenize(p, readings=True)
        read_rows.append({"prompt": p, "ids": ids, "unknown_words": unk})
    out = os.path.join(ROOT, "test", "fixtures", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"max_tokens": MAX_TOKENS, "vocab": "resources/models/world-s/vocab.json", "cases": rows,
                   "readings": {"vocab": vocab_json(readings=True), "cases": read_rows}}, f, indent=1, ensure_ascii=False)
    print(out, len(rows))


if __name__ == "__main__":
    main()
