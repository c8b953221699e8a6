"""Phrase binding (DiTConfig.phrase_bind): each word of an object's phrase also carries the mean of that
phrase, so a motion is tied to its object in the word vectors themselves; the phrases are found from the
word ids (text.word_roles) exactly where the world's parser splits a prompt into its objects; a
repatched checkpoint is the old model exactly until its gate learns; the graph gives onnxruntime-node
the same numbers."""
import os
import sys

import numpy as np
import pytest
import torch

from conftest import MODEL, ort_available, randomise, same_model_then_one_step, step_then_repatch, text_encoder_gap
from studio_model import world
from studio_model.nets import MAX_PHRASES, DiTConfig, VideoModel, phrase_means, phrase_members, phrases
from studio_model.text import WORDS, read_words, tokenize, word_roles

sys.path.insert(0, os.path.join(MODEL, "tools"))  # text_sensitivity


def tiny(**kw):
    return DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1, patch_t=4,
                     attn="factorised", pooled_text=False, word_readings=True, **kw)


def phrase_of(prompt):
    """each word's phrase (0: no object's) as the graph finds it"""
    ids = torch.tensor([tokenize(prompt, readings=True)[0]])
    return phrases(ids, torch.tensor(word_roles()))[0, :len(world.words_of(prompt))].long().tolist()


def test_the_phrases_are_the_objects_the_world_parses():
    """every generated prompt: the words in each phrase are those of one object of the spec (its colour,
    size, noun, motion, speed and place words), and no scene or camera word is in any phrase"""
    rng = np.random.default_rng(11)
    two = 0
    for _ in range(500):
        prompt, spec = world.random_prompt(rng, camera_p=0.5, position_p=0.5)
        ph = phrase_of(prompt)
        words = read_words(world.words_of(prompt))
        groups = [[w for w, p in zip(words, ph) if p == k] for k in (1, 2) if k in ph]  # in the prompt's order
        assert len(groups) == len(spec.objects), (prompt, groups)
        for g, o in zip(groups, spec.objects):
            assert o.colour in g and any(world.SHAPE_WORDS.get(w) == o.shape for w in g), (prompt, g)
            other = [p for p in spec.objects if p is not o]
            assert not other or other[0].colour == o.colour or other[0].colour not in g, (prompt, g)
            assert not set(g) & {"camera", "pans", "zooms", "left@pan", "right@pan", "the", "and", "in"}, (prompt, g)
            # the phrase alone says the object's motion, speed and place
            said = " ".join("on the " + w.split("@")[0] if w.endswith("@place")
                            else "at the " + w if w in ("top", "bottom", "middle") else w for w in g)
            alone = world.parse(said).objects[0]
            assert (alone.motion, alone.speed, alone.position) == (o.motion, o.speed, o.position), (prompt, g)
        two += len(spec.objects) == 2
    assert two > 100  # two-object prompts were exercised


def test_words_of_no_object_are_left_as_they_were():
    prompt = "a red ball moves left and a blue box spins in the desert, the camera pans right"
    ph = phrase_of(prompt)
    assert ph == [0, 1, 1, 1, 1, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0]
    x = torch.randn(1, 32, 8)
    ids = torch.tensor([tokenize(prompt, readings=True)[0]])
    m = phrase_means(x, phrase_members(ids, torch.tensor(word_roles())))[0]
    assert m[[0, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20]].abs().max() == 0  # articles, scene, camera, pads
    assert torch.allclose(m[1], x[0, 1:5].mean(0)) and torch.allclose(m[8], x[0, 7:10].mean(0))
    # a third object's words join the second's (the world names one or two)
    assert max(phrase_of("a red ball, a blue box and a green star")) == MAX_PHRASES == 2


def test_repatch_gives_the_same_model_whose_gate_then_learns(tmp_path, monkeypatch):
    cfg = tiny()
    model = randomise(VideoModel(cfg))
    tok = model.tokens(["a red ball moves left and a blue box moves right", "a green star falls"])
    st, args = step_then_repatch(tmp_path, monkeypatch, model, cfg, tok, "phrase_bind", "--phrase-bind", "on")
    assert st["dit_cfg"]["phrase_bind"] is True and st["history"][-1]["repatch"]["to_phrase_bind"] is True
    new, _ = same_model_then_one_step(model, st, args)
    assert new.text_encoder.bind.abs().min() > 0  # the gate learns from the first step
    # with the gate open, swapping the two objects' motions changes the nouns' vectors
    swapped = new.tokens(["a red ball moves right and a blue box moves left"])
    with torch.no_grad():
        a, b = new.text_encoder(tok[:1]), new.text_encoder(swapped)
    ball = 2
    assert (a[0, ball] - b[0, ball]).abs().max() > 1e-3


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_text_encoder_with_phrase_bind_onnx_parity(tmp_path):
    enc = VideoModel(tiny(phrase_bind=True, phrase_order=True)).text_encoder.eval()
    with torch.no_grad():
        enc.bind.normal_(0, 0.3)
        enc.order.normal_(0, 0.3)
    case = torch.tensor([tokenize(p, readings=True)[0] for p in
                         ("a red ball moves left and a blue box spins", "a green star falls in the snow",
                          "in the sky a small red cube on the left rises, a pink ring circles", "")])
    assert text_encoder_gap(enc, case, tmp_path) < 1e-4


def test_binding_tool_sees_the_nouns_change_when_the_gate_is_open():
    from text_sensitivity import binding
    torch.manual_seed(3)
    model = VideoModel(tiny(phrase_bind=True)).eval()
    closed = binding(model)
    with torch.no_grad():
        model.text_encoder.bind.fill_(0.1)  # x BIND_GAIN: the phrase mean weighs as much as the word
    opened = binding(model)
    for (p, c), (_, o) in zip(closed, opened):
        for w in c:
            assert o[w] < c[w] - 0.02, (p, w, c[w], o[w])


def test_phrase_order_repatched_onto_a_bound_model_is_the_same_model_then_tells_the_objects_apart(tmp_path, monkeypatch):
    """session 22's run went on from a checkpoint with phrase_bind on: --phrase-order on adds the order
    vectors beside its gate, the same model exactly, and from the first step the first object's words
    and the second's move apart"""
    cfg = tiny(phrase_bind=True)
    model = randomise(VideoModel(cfg))
    with torch.no_grad():
        model.text_encoder.bind.fill_(0.05)  # a gate that has learned
    tok = model.tokens(["a red ball moves left and a red ball moves left", "a green star falls"])
    st, args = step_then_repatch(tmp_path, monkeypatch, model, cfg, tok, "phrase_order", "--phrase-order", "on")
    assert st["dit_cfg"]["phrase_bind"] is True and st["dit_cfg"]["phrase_order"] is True
    assert torch.equal(st["dit"]["text_encoder.bind"], model.text_encoder.bind)  # the learned gate kept
    new, _ = same_model_then_one_step(model, st, args)
    enc = new.text_encoder
    assert enc.order.abs().min() > 0  # both objects' vectors learn from the first step
    with torch.no_grad():
        text = enc(tok[:1])[0]
        enc.order.zero_()
        offset = text - enc(tok[:1])[0]
    # "a red ball moves left" twice: the object words of the two phrases are moved, each by its own vector;
    # "a" and "and" are no object's words and are not
    assert offset[[0, 5, 6]].abs().max() == 0
    assert torch.allclose(offset[1], offset[4], atol=1e-6) and torch.allclose(offset[7], offset[10], atol=1e-6)
    assert (offset[2] - offset[8]).abs().max() > 1e-3
