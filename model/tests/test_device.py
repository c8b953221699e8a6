"""Training on another device than the CPU (train.py --device cuda), checked on a machine without one.

PyTorch's `meta` device is the one device besides the CPU that every machine has: an operation that
mixes a tensor made on the CPU with one on the model's device raises there as it does on CUDA, so a
training step that runs on `meta` has no stray CPU tensor (the first CUDA step of the code before
this test had three: the positions, the time features, the noise). What `meta` cannot show, the
speed and the numbers on a real GPU, the GPU session measures (model/tools/gpu_run.sh).
"""
import numpy as np
import torch

from studio_model.nets import DiTConfig, VideoModel
from studio_model.sampler import to_tensor, unit_range
from studio_model.world import vocabulary_words

# the plain vocabulary (without the word readings' tokens, session 20), as when the losses below were taken
VOCAB = len(vocabulary_words())
from train import Stream, dit_loss, encode_batch, make_mask


def tiny_batch(device, **cfg_kw):
    cfg = DiTConfig(vocab=VOCAB, width=32, depth=2, heads=2, text_dim=32, text_layers=1, **cfg_kw)
    torch.manual_seed(0)
    m = VideoModel(cfg)
    with torch.no_grad():  # off the zero initialisation, so the words, the time and the positions all count
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    m = m.to(device)
    lat = torch.randn(2, 4, 16, 8, 8).to(device)
    tok = torch.randint(2, VOCAB, (2, 32)).to(device)
    masks = torch.from_numpy(np.stack([make_mask(np.random.default_rng(0), 16, k) for k in ("t2v", "i2v")])).to(device)
    objects = torch.zeros(2, 1, 16, 8, 8).to(device)
    return m, lat, tok, masks, objects


def test_a_training_step_keeps_every_tensor_on_the_models_device():
    # the phrase binding (DiTConfig.phrase_bind) looks its word roles up in a buffer, which must move too
    for pool_drop, bind in ((0.0, False), (0.5, False), (0.0, True)):
        m, lat, tok, masks, objects = tiny_batch("meta", phrase_bind=bind, phrase_order=bind)
        loss = dit_loss(m, lat, tok, masks, objects, np.random.default_rng(1), torch.Generator().manual_seed(1),
                        drop_p=0.6, pool_drop=pool_drop)
        assert loss.device.type == "meta"
        loss.backward()
        assert all(p.grad is not None and p.grad.device.type == "meta" for p in m.parameters() if p.requires_grad)


def test_the_step_on_the_cpu_is_what_it_was():
    """moving the draws to the model's device changes nothing on the CPU: the loss of a fixed batch, the
    first prompt dropped, with and without the mean word vector dropped for the first sample, is what the
    code before the change gave (model/train.py at 07c1556, the same seeds)"""
    for pool_drop, before in ((0.0, 1.1087796688079834), (0.5, 1.1044514179229736)):
        m, lat, tok, masks, objects = tiny_batch("cpu")
        loss = dit_loss(m, lat, tok, masks, objects, np.random.default_rng(1), torch.Generator().manual_seed(1),
                        drop_p=0.6, pool_drop=pool_drop)
        assert abs(loss.item() - before) < 1e-6 * before


def test_encoding_on_the_trainers_device_gives_the_workers_latents():
    """--encode-on-device: the workers send the clips as bytes and the trainer encodes them; the latents
    are the ones the workers would have sent (the same frames, the same encoder)."""
    from studio_model.nets import AEConfig, AutoEncoder

    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig())
    kw = dict(stage="dit", batch=2, seed=5, ae_state=ae.state_dict(), ae_cfg=ae.cfg)
    lat, tok, msk, obj = next(iter(Stream(**kw)))
    raw, tok2, msk2, obj2 = next(iter(Stream(**kw, encode=False)))
    assert raw.dtype == torch.uint8 and raw.shape[-1] == 3
    assert torch.equal(tok, tok2) and torch.equal(msk, msk2) and torch.equal(obj, obj2)
    assert torch.equal(encode_batch(ae.encoder.eval(), unit_range(raw)), lat)
    # unit_range over a batch is to_tensor per clip
    assert torch.equal(unit_range(raw)[1], to_tensor(raw[1].numpy()))
