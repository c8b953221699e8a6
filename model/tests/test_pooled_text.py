"""The mean word vector in the adaLN (DiTConfig.pooled_text) and training without it (train.py --pool-drop):
a sample trained without it is exactly the model with pooled_text False, which still reads the prompt
through the attention; runs without --pool-drop keep their random stream; tools/repatch.py --pooled-text off
gives that model from a checkpoint, and its denoiser graph gives the same outputs in onnxruntime."""
import dataclasses
import os
import sys

import numpy as np
import pytest
import torch

from conftest import MODEL, denoiser_gap, ort_available, randomise, save_repatch_source
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS, tokenize
from train import dit_loss, make_mask

sys.path.insert(0, os.path.join(MODEL, "tools"))
import repatch  # noqa: E402


def tiny(pooled=True):
    return DiTConfig(vocab=len(WORDS), width=32, depth=2, heads=2, text_dim=32, text_layers=1, patch_t=4,
                     attn="factorised", pooled_text=pooled)


def inputs(*prompts):
    prompts = prompts or ("a red ball moves right", "a blue box and a green star, in the snow")
    B = len(prompts)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(B, 4, 16, 4, 6, generator=g)
    tok = torch.tensor([tokenize(p)[0] for p in prompts])
    return x, torch.tensor([1.0, 0.5][:B]), tok, torch.zeros_like(x), torch.zeros(B, 1, 16, 4, 6)


def test_a_sample_without_the_mean_is_the_model_without_it():
    model = randomise(VideoModel(tiny())).eval()
    off = VideoModel(tiny(pooled=False)).eval()
    off.load_state_dict(model.state_dict())  # the same weights: txt_pool is kept, unused
    args = inputs()
    with torch.no_grad():
        full, kept, mixed, without = model(*args), model(*args, torch.ones(2)), model(*args, torch.tensor([1.0, 0.0])), off(*args)
    assert torch.equal(full, kept)
    assert torch.equal(mixed[0], full[0]) and torch.equal(mixed[1], without[1])
    assert (full - without).abs().max() > 1e-3  # the mean did matter to this model


def test_without_the_mean_the_words_still_reach_the_video():
    """what the attention path is for: another prompt gives another clip with pooled_text False"""
    off = randomise(VideoModel(tiny(pooled=False))).eval()
    x, t, _, cond, mask = inputs("a red ball moves right")
    with torch.no_grad():
        a = off(x, t, inputs("a red ball moves right")[2], cond, mask)
        b = off(x, t, inputs("a red ball moves left")[2], cond, mask)
    assert (a - b).abs().max() > 1e-3


def batch():
    rng = np.random.default_rng(0)
    x, _, tok, _, _ = inputs()
    masks = torch.from_numpy(np.stack([make_mask(rng, 16, "t2v") for _ in range(2)]))
    return x, tok, masks, torch.zeros(2, 1, 16, 4, 6)


def test_pool_drop_zero_keeps_the_random_stream_and_one_is_the_model_without_the_mean():
    model = randomise(VideoModel(tiny()))
    off = VideoModel(tiny(pooled=False))
    off.load_state_dict(model.state_dict())
    lat, tok, masks, objects = batch()

    def loss(m, **kw):
        rng = np.random.default_rng(5)
        value = dit_loss(m, lat, tok, masks, objects, rng, torch.Generator().manual_seed(5), drop_p=0.0, **kw)
        return value.item(), rng.random()

    plain, after_plain = loss(model)
    assert loss(model, pool_drop=0.0) == (plain, after_plain)  # old runs resume exactly as they were
    dropped, after_dropped = loss(model, pool_drop=1.0)
    assert after_dropped != after_plain  # the per-sample draw comes from the run's stream
    assert dropped == pytest.approx(loss(off)[0], abs=1e-6) and dropped != pytest.approx(plain, abs=1e-6)


def test_repatch_turns_the_mean_off_and_records_it(tmp_path, monkeypatch):
    cfg = tiny()
    model = randomise(VideoModel(cfg)).eval()
    src, dst = tmp_path / "a.pt", tmp_path / "b.pt"
    save_repatch_source(src, model, cfg, without="pooled_text")  # from before the field
    monkeypatch.setattr(sys, "argv", ["repatch", "--from", str(src), "--to", str(dst), "--pooled-text", "off"])
    repatch.main()
    st = torch.load(dst)
    assert st["dit_cfg"]["pooled_text"] is False
    assert st["history"][-1]["repatch"]["from_pooled_text"] is True and st["history"][-1]["repatch"]["to_pooled_text"] is False
    new = VideoModel(DiTConfig(**st["dit_cfg"])).eval()
    new.load_state_dict(st["dit_ema"])
    args = inputs()
    with torch.no_grad():
        assert torch.equal(new(*args), model(*args, torch.zeros(2)))


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_denoiser_without_the_mean_onnx_parity(tmp_path):
    model = randomise(VideoModel(dataclasses.replace(tiny(), pooled_text=False))).eval()
    assert denoiser_gap(model, tmp_path) < 1e-4


def test_text_paths_tool_switches_one_path_off_and_restores_the_model():
    from text_paths import way
    model = randomise(VideoModel(tiny())).eval()
    args = inputs()
    null = torch.zeros_like(args[2])
    with torch.no_grad():
        before = model(*args)
        with way(model, "words only"):
            assert torch.equal(model(*args), model.dit(args[0], args[1], model.text_encoder(args[2]), *args[3:],
                                                       torch.zeros(2)))
        with way(model, "mean only"):
            mean_only = model(*args)
        # by hand: the prompt's mean in the adaLN, the empty prompt's words in the attention
        dit, text, empty = model.dit, model.text_encoder(args[2]), model.text_encoder(null[:1])
        saved = dit.txt_pool.forward
        dit.txt_pool.forward = lambda m: torch.nn.functional.linear(text.mean(dim=1), dit.txt_pool.weight, dit.txt_pool.bias)
        try:
            by_hand = dit(args[0], args[1], empty.expand(2, -1, -1), *args[3:])
        finally:
            dit.txt_pool.forward = saved
        assert torch.allclose(mean_only, by_hand, atol=1e-6) and (mean_only - before).abs().max() > 1e-3
        assert torch.equal(model(*args), before) and model.cfg.pooled_text
