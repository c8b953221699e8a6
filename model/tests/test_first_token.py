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
        gate = first_token.slice0_gate(model.dit, *args)
    assert torch.allclose(before, after, atol=1e-6)
    assert [b for b, _ in rec.time_w[:2]] == [0, 1]
    w = rec.time_w[0][1]
    assert w.shape == (2, 4) and torch.allclose(w.sum(dim=1), torch.ones(2), atol=1e-5)
    assert gate.shape == (2,) and gate.abs().max() > 0
