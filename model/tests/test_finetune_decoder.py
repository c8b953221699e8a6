"""finetune_decoder.decoder_loss: plain, it is train.ae_loss; with latent noise and the round-trip term it
still trains the decoder alone (the encoder, so the DiT's latent, is untouched) and a step lowers it."""
import numpy as np
import torch

from finetune_decoder import decoder_loss
from studio_model import world
from studio_model.nets import AEConfig, AutoEncoder
from studio_model.sampler import to_tensor
from train import ae_loss


def batch():
    rng = np.random.default_rng(4)
    fr = []
    for sc in ("night", "sea"):
        s = world.random_spec(rng, camera_p=0.0)
        s.scene = sc
        fr.append(world.render(s, 72, 72, 1, seed=int(rng.integers(1 << 30)))[0])
    return to_tensor(np.stack(fr))


def test_plain_loss_is_ae_loss():
    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig())
    fr = batch()
    wt = torch.ones(fr.shape[0], 1, *fr.shape[2:])
    assert torch.equal(decoder_loss(ae, fr, wt), ae_loss(ae, fr, wt))


def test_noisy_round_trip_step_trains_the_decoder_only():
    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig())
    ae.encoder.requires_grad_(False)
    enc_before = {k: v.clone() for k, v in ae.encoder.state_dict().items()}
    fr = batch()
    wt = torch.ones(fr.shape[0], 1, *fr.shape[2:])
    opt = torch.optim.Adam(ae.decoder.parameters(), lr=1e-3)

    def loss():
        torch.manual_seed(1)  # the same latent noise before and after the steps
        return decoder_loss(ae, fr, wt, noise=0.04, cycle=1.0)

    first = loss()
    for _ in range(5):
        opt.zero_grad()
        l = loss()
        l.backward()
        opt.step()
    assert loss().item() < first.item()
    assert all(torch.equal(v, ae.encoder.state_dict()[k]) for k, v in enc_before.items())
    # the noise is really applied: two draws give two losses
    assert decoder_loss(ae, fr, wt, noise=0.04).item() != decoder_loss(ae, fr, wt, noise=0.04).item()
