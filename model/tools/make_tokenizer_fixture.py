"""Write test/fixtures/tokenizer.json: prompts with their token ids and unknown words (Python is the reference).

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
from studio_model.text import MAX_TOKENS, tokenize  # noqa: E402

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
]


def main():
    rng = np.random.default_rng(7)
    prompts = list(HAND)
    while len(prompts) < 64:
        prompts.append(world.random_prompt(rng)[0])
    rows = []
    for p in prompts:
        ids, unk = tokenize(p)
        rows.append({"prompt": p, "ids": ids, "unknown_words": unk})
    out = os.path.join(ROOT, "test", "fixtures", "tokenizer.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"max_tokens": MAX_TOKENS, "vocab": "resources/models/world-s/vocab.json", "cases": rows}, f,
                  indent=1, ensure_ascii=False)
    print(out, len(rows))


if __name__ == "__main__":
    main()
