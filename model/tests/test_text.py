"""The prompt parser and the tokenizer (the TypeScript tokenizer is checked against the fixture)."""
import json
import os

import numpy as np

from studio_model import world
from studio_model.text import MAX_TOKENS, WORDS, tokenize
from studio_model.world import parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def obj(p, k=0):
    return parse(p).objects[k]


def test_synonyms():
    for w in ("ball", "circle", "sphere"):
        assert obj(f"a red {w} rests in the sky").shape == "ball"
    for w in ("box", "square", "cube", "block"):
        assert obj(f"a red {w} rests in the sky").shape == "box"
    for w in ("triangle", "pyramid"):
        assert obj(f"a red {w} rests").shape == "triangle"
    for w in ("ring", "donut"):
        assert obj(f"a red {w} rests").shape == "ring"
    motions = {"moves left": "left", "goes right": "right", "slides left": "left", "drifts right": "right",
               "rolls right": "right", "moves up": "up", "rises": "up", "moves down": "down", "sinks": "down",
               "falls": "fall", "drops": "fall", "bounces": "bounce", "jumps": "bounce", "spins": "spin",
               "rotates": "spin", "turns": "spin", "grows": "grow", "gets bigger": "grow", "shrinks": "shrink",
               "gets smaller": "shrink", "circles": "orbit", "goes around": "orbit", "stays still": "still",
               "rests": "still", "sits": "still"}
    for ph, m in motions.items():
        assert obj(f"a red ball {ph} in the snow").motion == m, ph
    assert obj("a large red ball rests").size == "big"
    assert obj("a big red ball rests").size == "big"
    assert obj("a small red ball rests").size == "small"
    assert obj("a red ball slowly rises").speed == "slowly"
    assert obj("a red ball rises quickly").speed == "quickly"


def test_order_capitals_punctuation():
    a = parse("a big blue box spins in the snow")
    for p in ("In the snow, a BLUE big Box spins!", "a blue, big box... spins (in the snow)", "A Big Blue Box Spins In The Snow."):
        b = parse(p)
        assert b.scene == a.scene and b.objects == a.objects and not b.unknown


def test_two_objects_and_camera():
    s = parse("a green triangle falls in the desert and a pink ring circles")
    assert [(o.colour, o.shape, o.motion) for o in s.objects] == [("green", "triangle", "fall"), ("pink", "ring", "orbit")]
    assert s.scene == "desert"
    s = parse("a small yellow star rises at night, the camera pans left")
    assert s.camera == "pan_left" and s.scene == "night" and s.objects[0].size == "small"
    assert parse("a red ball on the left rests, the camera zooms in").camera == "zoom_in"
    assert parse("a red ball on the left rests, the camera zooms in").objects[0].position == "left"
    assert parse("a red ball rests on a snowy field").scene == "snow"


def test_unknown_words_reported():
    s = parse("a shiny red ball bounces in the snow, cinematic")
    assert s.unknown == ["shiny", "cinematic"]
    assert s.objects[0].motion == "bounce"
    ids, unk = tokenize("a shiny red ball")
    assert unk == ["shiny"] and ids[1] == 1


def test_generated_prompts_roundtrip():
    rng = np.random.default_rng(3)
    for _ in range(500):
        p, spec = world.random_prompt(rng)
        q = parse(p)
        assert q.scene == spec.scene and q.camera == spec.camera and q.objects == spec.objects and not q.unknown, p


def test_vocabulary():
    assert WORDS[0] == "<pad>" and WORDS[1] == "<unk>" and len(set(WORDS)) == len(WORDS)
    for w in "a the and is of camera slowly quickly meadow ocean snowy donut pyramid orange purple".split():
        assert w in WORDS
    ids, unk = tokenize("")
    assert ids == [0] * MAX_TOKENS and unk == []
    ids, _ = tokenize("ball " * 100)
    assert len(ids) == MAX_TOKENS


def test_tokenizer_fixture_matches():
    with open(os.path.join(ROOT, "test", "fixtures", "tokenizer.json"), encoding="utf-8") as f:
        fx = json.load(f)
    assert len(fx["cases"]) >= 60
    # the shipped pack's vocabulary: the plain words (and the readings' tokens after them where it has them)
    with open(os.path.join(ROOT, "resources", "models", "world-s", "vocab.json")) as f:
        pack = json.load(f)
    readings = "readings" in pack
    assert pack["words"] == (WORDS if readings else WORDS[:len(world.vocabulary_words())])
    for c in fx["cases"]:
        ids, unk = tokenize(c["prompt"], readings=readings)
        assert ids == c["ids"] and unk == c["unknown_words"], c["prompt"]
    assert fx["readings"]["vocab"]["words"] == WORDS
    for c in fx["readings"]["cases"]:
        ids, unk = tokenize(c["prompt"], readings=True)
        assert ids == c["ids"] and unk == c["unknown_words"], c["prompt"]
