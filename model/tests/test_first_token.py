"""tools/first_token.py: its hooks must read the model, not change it."""
import torch

from studio_model.nets import DiTConfig, VideoModel
from tools import first_token


def test_recorder_keeps_outputs_and_reads_attention_rows():
    torch.manual_seed(0)
    cfg = DiTConfig(width=32, depth=2, heads=2, patch_t=4, attn="factorised", hold_out=True, seam_out=True)
    model = VideoModel(cfg).eval()
    for p in model.parameters():  # the zero-initialised gates would hide a changed path
        torch.nn.init.normal_(p, std=0.1)
    x = torch.randn(2, 4, 16, 4, 6)
    mask = torch.zeros(2, 1, 16, 4, 6)
    mask[:, :, 10:] = 1
    args = (x, torch.tensor([1.0, 0.5]), model.text_encoder(torch.randint(1, 50, (2, cfg.max_tokens))), x, mask)
    with torch.no_grad():
        before = model.dit(*args)
        rec = first_token.Recorder(model.dit)
        after = model.dit(*args)
    assert torch.allclose(before, after, atol=1e-6)
    gate = rec.gate
    assert [b for b, _ in rec.time_w[:2]] == [0, 1]
    w = rec.time_w[0][1]
    assert w.shape == (2, 4) and torch.allclose(w.sum(dim=1), torch.ones(2), atol=1e-5)
    assert gate.shape == (2,) and gate.abs().max() > 0
    # the gate is the lean's over slice 0's places alone (2 x 3 of them: a 4x6 latent at patch_s 2)
    seen = {}
    model.dit.out_hold.register_forward_pre_hook(lambda m, i: seen.update(y=i[0]))  # returns None: input kept
    with torch.no_grad():
        model.dit(*args)
        direct = (model.dit.HOLD_GAIN * model.dit.out_hold(seen["y"][:, :6])).mean(dim=(1, 2))
    assert torch.allclose(rec.gate, direct, atol=1e-6)


def test_sampler_on_step_sees_each_pinned_draft_and_changes_nothing():
    from studio_model.sampler import sample
    torch.manual_seed(1)
    model = VideoModel(DiTConfig(width=32, depth=2, heads=2, patch_t=4, attn="factorised")).eval()
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.1)
    cond = torch.randn(1, 4, 16, 4, 6)
    mask = torch.zeros(1, 1, 16, 4, 6)
    mask[:, :, 10:] = 1
    tok = torch.randint(1, 50, (1, model.cfg.max_tokens))
    noise = torch.randn(1, 4, 16, 4, 6)
    seen = []
    plain = sample(model, tok, torch.zeros_like(tok), cond, mask, steps=3, guidance=1.5, noise=noise)
    watched = sample(model, tok, torch.zeros_like(tok), cond, mask, steps=3, guidance=1.5, noise=noise,
                     on_step=lambda i, t, x0: seen.append((i, t, x0)))
    assert torch.equal(plain, watched)
    assert [(i, round(t, 3)) for i, t, _ in seen] == [(0, 1.0), (1, 0.667), (2, 0.333)]
    assert all(torch.equal(x0[:, :, 10:], cond[:, :, 10:]) for _, _, x0 in seen)  # the given frames pinned
    assert torch.equal(seen[-1][2], watched)  # the last draft is the clip
