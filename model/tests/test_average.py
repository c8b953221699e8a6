"""tools/average.py: the mean of checkpoints' EMA weights, in a checkpoint of the last one that loads,
exports its counters and resumes; checkpoints of another line are refused."""
import os
import sys

import pytest
import torch

from conftest import MODEL
from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS

sys.path.insert(0, os.path.join(MODEL, "tools"))
import average  # noqa: E402
from train import save  # noqa: E402


def tiny():
    return DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1)


def state(seed, step, ae_value=0.0):
    torch.manual_seed(seed)
    model = VideoModel(tiny())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    return {"dit": model.state_dict(), "dit_ema": {k: v.clone() for k, v in model.state_dict().items()},
            "dit_cfg": dict(tiny().__dict__), "dit_opt": opt.state_dict(), "ae": {"w": torch.full((2,), ae_value)},
            "stages": {"dit": {"step": step, "samples": step * 16, "wall": float(step)}},
            "history": [{"dit_session": {"from_step": step - 1, "to_step": step}}]}


def run(tmp_path, monkeypatch, *states):
    paths = []
    for i, s in enumerate(states):
        paths.append(str(tmp_path / f"{i}.pt"))
        save(s, paths[-1])
    out = str(tmp_path / "avg.pt")
    monkeypatch.setattr(sys, "argv", ["average", *paths, "--to", out])
    average.main()
    return torch.load(out)


def test_the_mean_of_the_ema_weights_with_the_last_runs_counters(tmp_path, monkeypatch):
    a, b, c = state(0, 100), state(1, 200), state(2, 300)
    got = run(tmp_path, monkeypatch, a, b, c)
    k = "dit.inp.weight"
    want = (a["dit_ema"][k] + b["dit_ema"][k] + c["dit_ema"][k]) / 3
    assert not torch.allclose(a["dit_ema"][k], c["dit_ema"][k])
    assert torch.allclose(got["dit_ema"][k], want) and torch.allclose(got["dit"][k], want)
    assert got["stages"]["dit"]["step"] == 300 and got["stages"]["dit"]["samples"] == 4800
    assert got["stages"]["dit"]["average"]["steps"] == [100, 200, 300]
    assert got["history"][-1] == {"average": got["stages"]["dit"]["average"]}
    model = VideoModel(DiTConfig(**got["dit_cfg"]))
    model.load_state_dict(got["dit_ema"])  # every weight is there, with its shape
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    opt.load_state_dict(got["dit_opt"])  # and training resumes from it


def test_another_autoencoder_or_design_is_refused(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="another autoencoder"):
        run(tmp_path, monkeypatch, state(0, 100, ae_value=1.0), state(1, 200))
    other = state(1, 200)
    other["dit_cfg"]["depth"] = 2
    with pytest.raises(SystemExit, match="another DiT design"):
        run(tmp_path, monkeypatch, state(0, 100), other)
