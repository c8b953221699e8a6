"""The starting-noise share (train.py --noise-share) travels with the model: the checkpoint's history names it,
evaluate.load gives it to the model, and evaluate.generate samples from it (tiny configs)."""
import torch

import evaluate as ev
from studio_model.nets import AEConfig, AutoEncoder, DiTConfig, VideoModel
from studio_model.sampler import decode_clip, noise_share_of, sample, start_noise, to_u8
from studio_model.text import MAX_TOKENS, WORDS


def test_the_share_is_the_last_dit_sessions():
    """a model is tuned to the noise it trained on last; sessions from before --noise-share count as 0, and
    the autoencoder's sessions do not count at all"""
    assert noise_share_of({}) == 0.0
    assert noise_share_of({"history": [{"dit_session": {"lr": 1e-4}}]}) == 0.0
    hist = [{"dit_session": {"noise_share": 0.0}}, {"dit_session": {"noise_share": 0.5}}, {"ae_session": {}}]
    assert noise_share_of({"history": hist}) == 0.5
    assert noise_share_of({"history": hist + [{"dit_session": {"noise_share": 0.3}}]}) == 0.3
    assert noise_share_of({"history": hist + [{"dit_session": {}}]}) == 0.0


def test_generate_samples_from_the_models_share():
    torch.manual_seed(0)
    model = VideoModel(DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1)).eval()
    ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16)).eval()
    with torch.no_grad():  # the DiT starts with zeroed output layers (a constant x0, whatever the noise)
        for p in model.parameters():
            if not p.abs().max() > 0:
                p.normal_(0, 0.2)
    prompts = ["a red ball moves right on a grass field"]
    W = H = 32

    def by_hand(share):
        shape = (1, 4, 16, H // 4, W // 4)
        noise = start_noise(shape, share, torch.Generator().manual_seed(5 * 100003))
        null = torch.zeros(1, MAX_TOKENS, dtype=torch.int64)
        lat = sample(model, model.tokens(prompts), null, torch.zeros(shape), torch.zeros(1, 1, *shape[2:]), noise=noise)
        return to_u8(decode_clip(ae.decoder, lat)[0])

    plain = ev.generate(model, ae, prompts, W=W, H=H, seed=5)[0]
    assert (plain == by_hand(0.0)).all()
    model.noise_share = 0.5
    try:
        shared = ev.generate(model, ae, prompts, W=W, H=H, seed=5)[0]
        assert (shared == by_hand(0.5)).all()
        assert (shared != plain).any()
        ev.NOISE_SHARE = 0.0  # evaluate.py --noise-share 0 overrides the model's own
        assert (ev.generate(model, ae, prompts, W=W, H=H, seed=5)[0] == plain).all()
    finally:
        ev.NOISE_SHARE = None
