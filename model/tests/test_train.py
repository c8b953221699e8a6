"""One optimiser step on a fixed batch lowers the loss (tiny configs); masks and shapes."""
import numpy as np
import torch

from studio_model.nets import AEConfig, AutoEncoder, DiTConfig, VideoModel
from studio_model.text import WORDS
from train import ae_loss, dit_loss, make_mask


def test_dit_step_lowers_loss():
    torch.manual_seed(0)
    cfg = DiTConfig(vocab=len(WORDS), width=32, depth=2, heads=2, text_dim=32, text_layers=1)
    m = VideoModel(cfg)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    lat = torch.randn(2, 4, 16, 8, 8)
    tok = torch.randint(2, len(WORDS), (2, 32))
    masks = torch.from_numpy(np.stack([make_mask(np.random.default_rng(0), 16, "t2v"),
                                       make_mask(np.random.default_rng(0), 16, "i2v")]))
    objects = torch.zeros(2, 1, 16, 8, 8)
    objects[:, :, :, 2:4, 2:4] = 1

    def loss():
        return dit_loss(m, lat, tok, masks, objects, np.random.default_rng(1),
                        torch.Generator().manual_seed(1), drop_p=0.0)

    l0 = loss()
    opt.zero_grad()
    l0.backward()
    opt.step()
    assert loss().item() < l0.item()


def test_ae_step_lowers_loss():
    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16))
    opt = torch.optim.Adam(ae.parameters(), lr=1e-3)
    fr = torch.rand(2, 3, 16, 16) * 2 - 1
    wt = torch.ones(2, 1, 16, 16)
    l0 = ae_loss(ae, fr, wt)
    opt.zero_grad()
    l0.backward()
    opt.step()
    assert ae_loss(ae, fr, wt).item() < l0.item()


def test_masks():
    rng = np.random.default_rng(0)
    assert make_mask(rng, 16, "t2v").sum() == 0
    assert make_mask(rng, 16, "i2v").tolist() == [1] + [0] * 15
    f = make_mask(rng, 16, "ext_fwd")
    assert f[0] == 1 and f[-1] == 0
    b = make_mask(rng, 16, "ext_bwd")
    assert b[-1] == 1 and b[0] == 0
    i = make_mask(rng, 16, "infill")
    assert i[0] == 1 and i[-1] == 1 and i[7] == 0


def test_denoiser_any_grid():
    cfg = DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1)
    m = VideoModel(cfg)
    for h, w in ((18, 32), (18, 18)):
        x = torch.randn(1, 4, 16, h, w)
        out = m(x, torch.rand(1), torch.zeros(1, 32, dtype=torch.int64), x, torch.zeros(1, 1, 16, h, w))
        assert out.shape == x.shape


def test_stream_gives_object_weights_on_the_latent_grid():
    """The DiT's data: latents, tokens, frame masks and where the objects are (for the object-weighted
    loss); the object cells are few but never none for a prompt that names an object."""
    from train import Stream
    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16))
    it = iter(Stream("dit", 3, seed=5, ae_state=ae.state_dict(), ae_cfg=ae.cfg, square_p=0.0))
    lat, tok, masks, obj = next(it)
    assert lat.shape == (3, 4, 16, 18, 32)
    assert tok.shape == (3, 32) and masks.shape == (3, 16)
    assert obj.shape == (3, 1, 16, 18, 32)
    for b in range(3):
        covered = obj[b].gt(0.5).float().mean().item()
        assert 0.0 < covered < 0.4
