"""The factorised DiT (DiTConfig.attn "factorised": attention over the text and one time slice, then across
time at each place): it is the joint DiT when there is one slice, its attention across time really links
the slices, it trains, it exports to ONNX with the same outputs, and tools/repatch.py turns a joint
checkpoint into a factorised one that loads and trains on."""
import os
import sys

import numpy as np
import pytest
import torch

from conftest import MODEL, denoiser_gap, ort_available, randomise, save_repatch_source
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS
from train import dit_loss, make_mask

sys.path.insert(0, os.path.join(MODEL, "tools"))
import repatch  # noqa: E402


def tiny(pt=8, attn="factorised", depth=1):
    return DiTConfig(vocab=len(WORDS), width=32, depth=depth, heads=2, text_dim=32, text_layers=1, patch_t=pt,
                     attn=attn)


def inputs(h=4, w=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 4, 16, h, w, generator=g)
    tok = torch.randint(2, len(WORDS), (2, 32), generator=g)
    return x, torch.tensor([1.0, 0.4]), tok, torch.randn(2, 4, 16, h, w, generator=g), torch.zeros(2, 1, 16, h, w)


def test_one_time_slice_is_the_joint_dit():
    """with patch_t 16 there is one slice: the joint DiT's weights in a factorised DiT (time gate at zero,
    as repatch.py leaves it) give the joint DiT's outputs"""
    joint = randomise(VideoModel(tiny(16, "joint", depth=2))).eval()
    fact = VideoModel(tiny(16, "factorised", depth=2)).eval()
    sd = fact.state_dict()
    sd.update({n: repatch.pad_rows(w, sd[n].shape) for n, w in joint.state_dict().items()})
    fact.load_state_dict(sd)
    with torch.no_grad():
        a, b = joint(*inputs()), fact(*inputs())
    assert a.abs().max() > 0.1
    assert torch.allclose(a, b, atol=1e-5)


def test_slices_are_linked_only_through_the_attention_across_time():
    """one block, patch_t 4 (four slices of 4 frames): frames 0-3 changed. With the time gate at zero the
    last slice's output does not move (the text it attends to is the block's input); with it open, it does."""
    model = randomise(VideoModel(tiny(4, "factorised"))).eval()
    d = model.cfg.width
    x, t, tok, cond, mask = inputs()
    x2 = x.clone()
    x2[:, :, :4] += 1.0
    with torch.no_grad():
        model.dit.blocks[0].ada.weight[6 * d:] = 0  # the time attention's gate
        model.dit.blocks[0].ada.bias[6 * d:] = 0
        closed = (model(x, t, tok, cond, mask) - model(x2, t, tok, cond, mask))[:, :, 12:].abs().max()
        model.dit.blocks[0].ada.bias[6 * d:] = 1.0  # gate open
        opened = (model(x, t, tok, cond, mask) - model(x2, t, tok, cond, mask))[:, :, 12:].abs().max()
    assert closed < 1e-6
    assert opened > 1e-3


def test_factorised_step_lowers_loss():
    torch.manual_seed(0)
    m = VideoModel(tiny(4, "factorised", depth=2))
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    lat = torch.randn(2, 4, 16, 8, 8)
    tok = torch.randint(2, len(WORDS), (2, 32))
    masks = torch.from_numpy(np.stack([make_mask(np.random.default_rng(0), 16, k) for k in ("t2v", "i2v")]))
    objects = torch.zeros(2, 1, 16, 8, 8)

    def loss():
        return dit_loss(m, lat, tok, masks, objects, np.random.default_rng(1), torch.Generator().manual_seed(1),
                        drop_p=0.0)

    for _ in range(3):  # adaLN-zero: the output layer moves first, then the gates, then what they gate
        l0 = loss()
        opt.zero_grad()
        l0.backward()
        opt.step()
    assert loss().item() < l0.item()
    assert m.dit.blocks[0].tqkv.weight.grad.abs().max() > 0  # the time attention learns too (its gate opened)


def test_any_grid_and_bad_attn_name():
    m = VideoModel(tiny(4, "factorised"))
    for h, w in ((18, 32), (18, 18)):
        x = torch.randn(1, 4, 16, h, w)
        assert m(x, torch.rand(1), torch.zeros(1, 32, dtype=torch.int64), x, torch.zeros(1, 1, 16, h, w)).shape == x.shape
    with pytest.raises(ValueError, match="attn"):
        VideoModel(tiny(8, "axial"))


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_factorised_denoiser_onnx_parity(tmp_path):
    """the denoiser graph the pack would ship, in onnxruntime-node, at 16:9 and 1:1 and another batch size"""
    model = randomise(VideoModel(tiny(4, "factorised", depth=2))).eval()
    assert denoiser_gap(model, tmp_path, ((18, 32, 2), (18, 18, 1))) < 1e-4


def test_repatch_makes_a_factorised_checkpoint_that_trains_on(tmp_path, monkeypatch):
    cfg = tiny(8, "joint")
    model = randomise(VideoModel(cfg))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    args = inputs()
    model(*args).square().mean().backward()
    opt.step()
    src, dst = tmp_path / "a.pt", tmp_path / "b.pt"
    save_repatch_source(src, model, cfg, without="attn", opt=opt)  # a checkpoint from before the field
    monkeypatch.setattr(sys, "argv", ["repatch", "--from", str(src), "--to", str(dst), "--patch-t", "4",
                                      "--attn", "factorised"])
    repatch.main()
    st = torch.load(dst)
    assert st["dit_cfg"]["patch_t"] == 4 and st["dit_cfg"]["attn"] == "factorised"
    assert st["history"][-1]["repatch"]["to_attn"] == "factorised" and st["stages"]["dit"]["step"] == 7
    new = VideoModel(DiTConfig(**st["dit_cfg"]))
    new.load_state_dict(st["dit"])
    d = cfg.width
    b_old, b_new = model.dit.blocks[0], new.dit.blocks[0]
    assert torch.equal(b_new.qkv.weight, b_old.qkv.weight) and torch.equal(b_new.fc2.bias, b_old.fc2.bias)
    assert torch.equal(b_new.ada.weight[:6 * d], b_old.ada.weight) and not b_new.ada.weight[6 * d:].any()
    opt2 = torch.optim.AdamW(new.parameters(), lr=1e-3)
    opt2.load_state_dict(st["dit_opt"])
    moments = opt2.state_dict()["state"]
    names = [n for n, _ in new.named_parameters()]
    assert moments[names.index("dit.blocks.0.ada.weight")]["exp_avg"].shape == b_new.ada.weight.shape
    assert names.index("dit.blocks.0.tqkv.weight") not in moments  # new layers start without moments
    new(*args).square().mean().backward()
    opt2.step()
    assert new(*args).shape == args[0].shape
