"""tools/flicker.py: the numbers it prints are what they say, checked on a DiT that predicts a still black clip."""
import os
import sys

import numpy as np
import torch

from studio_model.nets import DiTConfig, VideoModel
from studio_model.text import WORDS
from train import make_mask

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import flicker  # noqa: E402


def test_flicker_rows_on_a_model_that_predicts_zero():
    """A fresh DiT's output layer is zero, so it predicts 0 everywhere: the x0 error is then the mean square
    of the free cells, the predicted clip changes only at the seam of the extension window (given frames
    pinned), and the true change is the clip's own."""
    torch.manual_seed(0)
    m = VideoModel(DiTConfig(vocab=len(WORDS), width=32, depth=2, heads=2, text_dim=32, text_layers=1)).eval()
    lat = torch.randn(2, 4, 16, 8, 8)
    tok = torch.randint(2, len(WORDS), (2, 32))
    masks = torch.from_numpy(np.stack([make_mask(np.random.default_rng(0), 16, "t2v"),
                                       np.array([1.0] * 6 + [0.0] * 10, np.float32)]))
    rows = flicker.flicker_rows(m, lat, tok, masks, levels=(0.1, 1.0))
    assert [r["t"] for r in rows] == [0.1, 1.0]
    free = (1 - masks)[:, None, :, None, None].expand_as(lat)
    x0 = float((lat ** 2 * free).sum() / free.sum())
    pinned = lat * (1 - free)
    for r in rows:
        assert abs(r["x0_error"] - x0) < 1e-5
        assert abs(r["true_change"] - float((lat[:, :, 1:] - lat[:, :, :-1]).abs().mean())) < 1e-6
        # only the given frames' own changes and the step from the last one to 0 remain
        assert abs(r["pred_change"] - float((pinned[:, :, 1:] - pinned[:, :, :-1]).abs().mean())) < 1e-6
        d = (pinned[:, :, 1:] - pinned[:, :, :-1]) - (lat[:, :, 1:] - lat[:, :, :-1])
        assert abs(r["temporal_error"] - float((d ** 2).mean())) < 1e-5
