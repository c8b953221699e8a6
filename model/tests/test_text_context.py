"""The text encoder's context lookups (DiTConfig.text_context): each word also sees the words just before
it, so "right" after "moves", after "pans" and after "the" become different vectors; zero at start, so
tools/repatch.py --text-context turns a checkpoint into one that gives the same outputs and trains on;
the lookups learn, and the graph the pack ships gives the same text in onnxruntime."""
import os
import sys

import pytest
import torch

from conftest import MODEL, ort_available, randomise, text_encoder_gap, step_then_repatch
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS, tokenize

sys.path.insert(0, os.path.join(MODEL, "tools"))
import repatch  # noqa: E402
from text_sensitivity import readings, word_vector  # noqa: E402


def tiny(context=0):
    return DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1, patch_t=4,
                     attn="factorised", text_context=context)


def toks(*prompts):
    return torch.tensor([tokenize(p)[0] for p in prompts])


def test_the_word_before_makes_the_three_readings_of_right_differ():
    """with the lookups learned (here: random) the vector of "right" depends on the word before it; without
    them, and with no attention layer to mix the words, it is the same vector in all three prompts"""
    prompts = ["a red ball moves right", "a red ball, the camera pans right", "a red ball on the right"]
    for context, differ in ((0, False), (2, True)):
        cfg = tiny(context)
        cfg.text_layers = 0
        model = VideoModel(cfg).eval()
        enc = model.text_encoder
        with torch.no_grad():
            for e in enc.before:
                e.weight.normal_()
            enc.pos.zero_()  # the word's place alone would make the vectors differ
        v = [word_vector(model, p, "right") for p in prompts]
        gaps = [(v[i] - v[j]).abs().max().item() for i, j in ((0, 1), (0, 2), (1, 2))]
        assert all(g > 0.1 for g in gaps) if differ else all(g < 1e-6 for g in gaps), gaps


def test_repatch_adds_the_lookups_as_the_same_model_that_trains_on(tmp_path, monkeypatch):
    cfg = tiny(0)
    model = randomise(VideoModel(cfg))  # a trained DiT's output layers are not zero
    st, args = step_then_repatch(tmp_path, monkeypatch, model, cfg, toks("a red ball moves right", "the camera pans left"),
                                 "text_context", "--text-context", "2")
    dst = tmp_path / "b.pt"
    assert st["dit_cfg"]["text_context"] == 2 and st["dit_cfg"]["patch_t"] == 4
    assert st["history"][-1]["repatch"]["to_text_context"] == 2 and st["stages"]["dit"]["step"] == 7
    new = VideoModel(DiTConfig(**st["dit_cfg"]))
    new.load_state_dict(st["dit"])
    with torch.no_grad():
        before, after = model(*args), new(*args)
    assert before.abs().max() > 0.1
    assert torch.equal(before, after)  # zero lookups: the same model exactly
    opt2 = torch.optim.AdamW(new.parameters(), lr=1e-3)
    opt2.load_state_dict(st["dit_opt"])
    new(*args).square().mean().backward()
    assert new.text_encoder.before[0].weight.grad.abs().max() > 0  # the lookups learn from the first step
    opt2.step()
    assert new.text_encoder.before[0].weight.abs().max() > 0
    # and back down is refused: it would throw away what the lookups learned
    monkeypatch.setattr(sys, "argv", ["repatch", "--from", str(dst), "--to", str(tmp_path / "c.pt"), "--text-context", "1"])
    with pytest.raises(SystemExit, match="would drop"):
        repatch.main()


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_text_encoder_with_context_onnx_parity(tmp_path):
    enc = VideoModel(tiny(2)).text_encoder.eval()
    with torch.no_grad():
        for e in enc.before:
            e.weight.normal_()
    case = toks("a red ball moves right", "a red ball, the camera pans right", "")
    assert text_encoder_gap(enc, case, tmp_path) < 1e-4


def test_readings_tool_shows_the_three_readings_apart_only_with_context():
    for context in (0, 2):
        cfg = tiny(context)
        cfg.text_layers = 0
        model = VideoModel(cfg).eval()
        enc = model.text_encoder
        with torch.no_grad():
            enc.emb.weight.normal_()
            enc.pos.zero_()
            for e in enc.before:
                e.weight.normal_()
        table = readings(model)
        assert table["moves right"]["moves right"] == 1.0
        same = table["moves right"]["pans right"] == 1.0 and table["pans left"]["on the left"] == 1.0
        assert same == (context == 0), table["moves right"]
