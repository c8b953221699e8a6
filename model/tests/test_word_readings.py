"""Word readings (DiTConfig.word_readings, studio_model.text.READINGS): "left"/"right" after a pan verb or a
place preposition get tokens of their own, read exactly where the world's own parser reads a pan and a
place; off unless the model has them; tools/repatch.py --word-readings on gives a checkpoint that is the old
model exactly and whose new tokens then learn apart; export writes the rule into the pack's vocab.json."""
import json
from dataclasses import replace

import numpy as np
import torch

from conftest import randomise, step_then_repatch
from studio_model import text, world
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import READING_WORDS, WORDS, read_words, tokenize, vocab_json


def test_the_readings_fall_where_the_world_reads_a_pan_and_a_place():
    """every generated prompt: one @pan token exactly when the spec pans sideways, one @place token per
    object placed left or right, and the plain words left/right only as a motion"""
    rng = np.random.default_rng(5)
    seen = {"pan": 0, "place": 0, "motion": 0}
    for _ in range(600):
        prompt, spec = world.random_prompt(rng, camera_p=0.5, position_p=0.5)
        words = read_words(world.words_of(prompt))
        pans = sum(w.endswith("@pan") for w in words)
        places = sum(w.endswith("@place") for w in words)
        motions = sum(w in ("left", "right") for w in words)
        assert pans == (spec.camera in ("pan_left", "pan_right")), prompt
        assert places == sum(o.position in ("left", "right") for o in spec.objects), prompt
        assert motions == sum(o.motion in ("left", "right") for o in spec.objects), prompt
        seen["pan"] += pans
        seen["place"] += places
        seen["motion"] += motions
    assert min(seen.values()) > 50, seen  # all three readings were exercised


def test_readings_are_off_unless_the_model_has_them():
    prompt = "a red ball moves right, the camera pans right"
    plain, _ = tokenize(prompt, readings=False)
    read, unknown = tokenize(prompt, readings=True)
    # a red ball moves right(4) the camera pans right(8)
    assert unknown == [] and plain[:8] == read[:8] and plain[8] == WORDS.index("right")
    assert read[8] == WORDS.index("right@pan") and read[4] == WORDS.index("right")  # the motion keeps its token
    assert tokenize(prompt)[0] == plain  # off unless asked for
    # a model reads its prompts as its config says, whatever model the process loaded before it
    for on, ids in ((True, read), (False, plain), (True, read)):
        m = VideoModel(replace(tiny(len(WORDS)), word_readings=on))
        assert m.tokens([prompt]).tolist() == [ids]
    # a pack lists the words its model has rows for: a pack without readings lists none of their tokens
    assert vocab_json(readings=False)["words"] == world.vocabulary_words()
    assert vocab_json(readings=True)["words"] == WORDS and "readings" in vocab_json(readings=True)
    # the readings' tokens come after every plain word, so older checkpoints' ids are unchanged
    assert WORDS[-len(READING_WORDS):] == READING_WORDS and WORDS[:-len(READING_WORDS)] == world.vocabulary_words()
    # a user cannot type a reading's token: "@" is not a word character
    assert tokenize("right@pan", readings=True)[0][:2] == [WORDS.index("right"), WORDS.index("pan")]


def tiny(vocab):
    return DiTConfig(vocab=vocab, width=32, depth=1, heads=2, text_dim=32, text_layers=1, patch_t=4,
                     attn="factorised", pooled_text=False)


def test_repatch_gives_the_same_model_whose_readings_then_learn_apart(tmp_path, monkeypatch):
    old_vocab = len(world.vocabulary_words())  # the plain vocabulary's rows, as 0.9.0's checkpoint has
    cfg = tiny(old_vocab)
    model = randomise(VideoModel(cfg))
    prompts = ["a red ball moves right, the camera pans right", "a box on the left slides left"]
    old_tok = torch.tensor([tokenize(p, readings=False)[0] for p in prompts])
    st, (x, t, _, cond, mask) = step_then_repatch(tmp_path, monkeypatch, model, cfg, old_tok, "word_readings",
                                                   "--word-readings", "on")
    assert st["dit_cfg"]["word_readings"] is True and st["dit_cfg"]["vocab"] == len(WORDS)
    assert st["history"][-1]["repatch"]["to_word_readings"] is True and st["stages"]["dit"]["step"] == 7
    new = VideoModel(DiTConfig(**st["dit_cfg"]))
    new.load_state_dict(st["dit"])
    new_tok = torch.tensor([tokenize(p, readings=True)[0] for p in prompts])
    assert (new_tok != old_tok).sum() == 2  # "pans right" and "on the left"
    args = (x, t, new_tok, cond, mask)
    with torch.no_grad():
        before, after = model(x, t, old_tok, cond, mask), new(*args)
    assert before.abs().max() > 0.1 and torch.equal(before, after)  # the same model exactly
    emb = new.text_encoder.emb.weight
    r, p = WORDS.index("right"), WORDS.index("right@pan")
    assert torch.equal(emb[r], emb[p])
    # the Adam moments came along with the rows (a copied row is not a fresh one)
    opt2 = torch.optim.AdamW(new.parameters(), lr=1e-3)
    opt2.load_state_dict(st["dit_opt"])
    names = [n for n, _ in new.named_parameters()]
    m = opt2.state_dict()["state"][names.index("text_encoder.emb.weight")]["exp_avg"]
    assert m.shape[0] == len(WORDS) and torch.equal(m[p], m[r])
    new(*args).square().mean().backward()
    opt2.step()
    assert not torch.equal(emb[r], emb[p])  # from the first step the two readings move apart


def test_export_writes_the_readings_into_the_pack_vocabulary(tmp_path):
    from export import vocab_json
    plain, read = vocab_json(False), vocab_json(True)
    assert "readings" not in plain and read["readings"] == text.READINGS
    assert "readings" in read["rule"] and "readings" not in plain["rule"]
    # the JSON round trip the app reads (main/engine/manifest.ts Vocab)
    assert json.loads(json.dumps(read))["readings"][0]["suffix"] == "@pan"
