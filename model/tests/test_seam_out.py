"""Seam output (DiTConfig.seam_out): each time slice's frames are also drawn from the slices before and after
it, so the frames on either side of a token boundary come from the same vectors; a repatched checkpoint is
the old model exactly until the two projections learn; the denoiser graph gives onnxruntime-node the same
numbers."""
import pytest
import torch

from conftest import denoiser_gap, ort_available, randomise, same_model_then_one_step, step_then_repatch
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS


def tiny(**kw):
    return DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1, patch_t=4,
                     attn="factorised", pooled_text=False, word_readings=True, phrase_bind=True, phrase_order=True, **kw)


def case(h=4, w=6, b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, 4, 16, h, w, generator=g)
    return (x, torch.rand(b, generator=g), torch.randint(2, len(WORDS), (b, 32), generator=g),
            torch.randn(b, 4, 16, h, w, generator=g), (torch.rand(b, 1, 16, h, w, generator=g) > 0.5).float())


def test_each_slice_reads_the_one_before_and_the_one_after():
    """with only the slice-before projection on, the first slice's frames are zero (nothing is before it)
    and every other slice's are not; with only the slice-after one, the last slice's are zero"""
    model = randomise(VideoModel(tiny(seam_out=True))).eval()
    dit = model.dit
    with torch.no_grad():
        dit.out.weight.zero_()
        dit.out.bias.zero_()
        nxt = dit.out_next.weight.clone()
        dit.out_next.weight.zero_()
        only_prev = model(*case())
        dit.out_next.weight.copy_(nxt)
        dit.out_prev.weight.zero_()
        only_next = model(*case())
    frames = lambda z, s: z[:, :, 4 * s:4 * s + 4]  # the frames of time slice s (patch_t 4)
    assert frames(only_prev, 0).abs().max() == 0 and all(frames(only_prev, s).abs().min() > 0 for s in (1, 2, 3))
    assert frames(only_next, 3).abs().max() == 0 and all(frames(only_next, s).abs().min() > 0 for s in (0, 1, 2))


def test_repatch_gives_the_same_model_whose_seam_projections_then_learn(tmp_path, monkeypatch):
    cfg = tiny()
    model = randomise(VideoModel(cfg))
    tok = model.tokens(["a red ball moves left and a blue box moves right", "a green star falls"])
    st, args = step_then_repatch(tmp_path, monkeypatch, model, cfg, tok, "seam_out", "--seam-out", "on")
    assert st["dit_cfg"]["seam_out"] is True and st["history"][-1]["repatch"]["to_seam_out"] is True
    assert st["dit_cfg"]["phrase_bind"] is True and st["dit_cfg"]["phrase_order"] is True  # the rest kept
    new, after = same_model_then_one_step(model, st, args)
    assert new.dit.out_prev.weight.abs().max() > 0 and new.dit.out_next.weight.abs().max() > 0
    with torch.no_grad():
        assert not torch.equal(new(*args), after)


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_seam_out_denoiser_onnx_parity(tmp_path):
    """the denoiser graph the pack would ship, in onnxruntime-node, at 16:9 and 1:1 and another batch size"""
    model = randomise(VideoModel(tiny(seam_out=True))).eval()
    assert denoiser_gap(model, tmp_path, ((18, 32, 2), (18, 18, 1))) < 1e-4
