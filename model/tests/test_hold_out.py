"""Held output (DiTConfig.hold_out): the output may lean towards the nearest given frame's latent, through a
projection that starts at zero and is switched off where no frame is given; a repatched checkpoint is the
old model exactly, and the lean learns from the next step on a clip with given frames; the denoiser graph
gives onnxruntime-node the same numbers."""
import pytest
import torch

from conftest import denoiser_gap, ort_available, randomise, step_then_repatch
from studio_model.nets import DiTConfig, VideoModel, held_frames
from studio_model.text import WORDS


def tiny(**kw):
    return DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1, patch_t=4,
                     attn="factorised", pooled_text=False, word_readings=True, phrase_bind=True, phrase_order=True,
                     seam_out=True, **kw)


def frames_given(b, idx, h=4, w=6):
    m = torch.zeros(b, 1, 16, h, w)
    m[:, :, idx] = 1
    return m


def test_each_frame_holds_the_nearest_given_frame():
    cond = torch.arange(16.0).view(1, 1, 16, 1, 1).expand(2, 3, 16, 2, 2).contiguous()
    mask = torch.zeros(2, 1, 16, 2, 2)
    mask[0, :, :6] = 1          # a forward extension given frames 0-5
    mask[1, :, [0, 15]] = 1     # in-filling between frames 0 and 15
    held, any_given = held_frames(cond * mask, mask)
    got = held[:, 0, :, 0, 0]
    assert torch.allclose(got[0], torch.tensor([0, 1, 2, 3, 4, 5] + [5] * 10, dtype=torch.float32))
    # the nearer end; frames 7 and 8 are 7 from one end and 8 from the other
    want = torch.tensor([0.0] * 8 + [15.0] * 8)
    assert torch.allclose(got[1], want)
    assert any_given.tolist() == [1.0, 1.0]
    none, no = held_frames(cond * 0, torch.zeros(1, 1, 16, 2, 2))
    assert no.tolist() == [0.0] and none.abs().max() == 0


def test_the_lean_copies_the_held_frame_and_is_off_without_given_frames():
    model = randomise(VideoModel(tiny(hold_out=True))).eval()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 16, 4, 6, generator=g)
    cond = torch.randn(2, 4, 16, 4, 6, generator=g)
    tok = model.tokens(["a red ball rests in the sky", "a green star falls at night"])
    t = torch.tensor([0.5, 0.5])
    with torch.no_grad():
        model.dit.out_hold.weight.zero_()
        model.dit.out_hold.bias.fill_(1.0 / model.dit.HOLD_GAIN)   # lean all the way: every frame is its held frame
        mask = frames_given(2, list(range(6)))
        out = model(x, t, tok, cond * mask, mask)
        assert torch.allclose(out[:, :, 6:], (cond[:, :, 5:6]).expand(-1, -1, 10, -1, -1), atol=1e-5)
        off = model(x, t, tok, cond * 0, torch.zeros(2, 1, 16, 4, 6))
        model.dit.out_hold.bias.zero_()
        plain = model(x, t, tok, cond * 0, torch.zeros(2, 1, 16, 4, 6))
    assert torch.equal(off, plain)  # text-to-video: no lean whatever the projection says


def test_repatch_gives_the_same_model_whose_lean_then_learns(tmp_path, monkeypatch):
    cfg = tiny()
    model = randomise(VideoModel(cfg))
    tok = model.tokens(["a red ball moves left and a blue box moves right", "a green star falls"])
    st, args = step_then_repatch(tmp_path, monkeypatch, model, cfg, tok, "hold_out", "--hold-out", "on")
    assert st["dit_cfg"]["hold_out"] is True and st["history"][-1]["repatch"]["to_hold_out"] is True
    assert st["dit_cfg"]["seam_out"] is True and st["dit_cfg"]["phrase_order"] is True  # the rest kept
    new = VideoModel(DiTConfig(**st["dit_cfg"]))
    new.load_state_dict(st["dit"])
    x, t = args[0], args[1]
    mask = frames_given(2, list(range(6)))
    given = (x, t, tok, x * mask, mask)
    with torch.no_grad():
        for a in (args, given):  # the same model exactly, with and without given frames
            assert torch.equal(model(*a), new(*a))
    opt = torch.optim.AdamW(new.parameters(), lr=1e-3)
    opt.load_state_dict(st["dit_opt"])
    new(*given).square().mean().backward()
    opt.step()
    assert new.dit.out_hold.weight.abs().max() > 0


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_hold_out_denoiser_onnx_parity(tmp_path):
    """the denoiser graph the pack would ship, in onnxruntime-node, at 16:9 and 1:1 and another batch size,
    with the lean switched on so it counts"""
    model = randomise(VideoModel(tiny(hold_out=True))).eval()
    with torch.no_grad():
        model.dit.out_hold.weight.normal_(0, 0.1)
        model.dit.out_hold.bias.fill_(0.3)
    assert denoiser_gap(model, tmp_path, ((18, 32, 2), (18, 18, 1))) < 1e-4
