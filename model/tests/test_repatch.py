"""tools/repatch.py: a checkpoint with patch_t 8 becomes one with patch_t 4 that starts from the same
model (the new token acts like the old one seeing each frame twice) and trains on (optimiser too)."""
import os
import sys

import torch

from conftest import MODEL, save_repatch_source
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS

sys.path.insert(0, os.path.join(MODEL, "tools"))
import repatch  # noqa: E402


def tiny(pt):
    return DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1, patch_t=pt)


def test_new_token_is_the_old_token_with_each_frame_held_twice():
    cfg = tiny(8)
    torch.manual_seed(0)
    old = VideoModel(cfg)
    torch.nn.init.normal_(old.dit.out.weight)
    cin, ps = 2 * cfg.channels + 1, cfg.patch_s
    w_in = repatch.map_inp(old.dit.inp.weight.detach(), cin, 8, 4, ps)
    v = torch.randn(cin, 4, ps, ps)
    held = v.repeat_interleave(2, dim=1)  # frames g0 g0 g1 g1 ...
    assert torch.allclose(w_in @ v.reshape(-1), old.dit.inp.weight.detach() @ held.reshape(-1), atol=1e-5)
    w_out = repatch.map_out(old.dit.out.weight.detach(), cfg.channels, 8, 4, ps)
    h = torch.randn(32)
    y_old = (old.dit.out.weight.detach() @ h).reshape(cfg.channels, 8, ps, ps)
    y_new = (w_out @ h).reshape(cfg.channels, 4, ps, ps)
    assert torch.allclose(y_new, 0.5 * (y_old[:, 0::2] + y_old[:, 1::2]), atol=1e-5)


def test_checkpoint_converts_loads_and_trains_on(tmp_path, monkeypatch):
    cfg = tiny(8)
    model = VideoModel(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(1, 4, 16, 4, 4)
    args = (x, torch.rand(1), torch.zeros(1, 32, dtype=torch.int64), x, torch.zeros(1, 1, 16, 4, 4))
    model(*args).square().mean().backward()
    opt.step()
    src, dst = tmp_path / "a.pt", tmp_path / "b.pt"
    save_repatch_source(src, model, cfg, opt=opt)
    monkeypatch.setattr(sys, "argv", ["repatch", "--from", str(src), "--to", str(dst), "--patch-t", "4"])
    repatch.main()
    st = torch.load(dst)
    assert st["dit_cfg"]["patch_t"] == 4 and st["stages"]["dit"]["step"] == 7
    new = VideoModel(DiTConfig(**st["dit_cfg"]))
    new.load_state_dict(st["dit"])
    opt2 = torch.optim.AdamW(new.parameters(), lr=1e-3)
    opt2.load_state_dict(st["dit_opt"])
    new(*args).square().mean().backward()
    opt2.step()  # moments have the new shapes
    assert new(*args).shape == x.shape
