"""One optimiser step on a fixed batch lowers the loss (tiny configs); masks and shapes."""
import re

import numpy as np
import pytest
import torch

from studio_model.sampler import start_noise
from studio_model.nets import AEConfig, AutoEncoder, DiTConfig, VideoModel, extend_overlap
from studio_model.text import WORDS
from train import EXT_GIVEN, ae_loss, backward_first_slice, dit_loss, make_mask, object_temporal_error, temporal_error


def tiny_dit_step(temporal_w=0.0, noise_share=0.0, bwd_first_w=1.0, kinds=("t2v", "i2v"), object_temporal_w=0.0):
    """A tiny DiT, its optimiser, and its loss on one fixed batch (by default text-to-video and
    image-to-video windows, an object in the middle), under bfloat16 autocast when asked."""
    torch.manual_seed(0)
    cfg = DiTConfig(vocab=len(WORDS), width=32, depth=2, heads=2, text_dim=32, text_layers=1)
    m = VideoModel(cfg)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    B = len(kinds)
    lat = torch.randn(B, 4, 16, 8, 8)
    tok = torch.randint(2, len(WORDS), (B, 32))
    masks = torch.from_numpy(np.stack([make_mask(np.random.default_rng(0), 16, k) for k in kinds]))
    objects = torch.zeros(B, 1, 16, 8, 8)
    objects[:, :, :, 2:4, 2:4] = 1

    def loss(bf16=False):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return dit_loss(m, lat, tok, masks, objects, np.random.default_rng(1),
                            torch.Generator().manual_seed(1), drop_p=0.0, temporal_w=temporal_w,
                            noise_share=noise_share, bwd_first_w=bwd_first_w, object_temporal_w=object_temporal_w)

    return opt, loss


def test_dit_step_lowers_loss():
    opt, loss = tiny_dit_step()
    l0 = loss()
    opt.zero_grad()
    l0.backward()
    opt.step()
    assert loss().item() < l0.item()


def assert_added_term_learns_and_zero_is_off(weight):
    """A loss term added by `weight` (a dit_loss keyword) at 2 raises the tiny DiT's loss, a step lowers it,
    and at 0 the loss is exactly the plain one the runs so far trained on."""
    _, plain = tiny_dit_step()
    opt, loss = tiny_dit_step(**{weight: 2.0})
    l0 = loss()
    assert l0.item() > plain().item()
    opt.zero_grad()
    l0.backward()
    opt.step()
    assert loss().item() < l0.item()
    _, off = tiny_dit_step(**{weight: 0.0})
    assert off().item() == plain().item()


def test_temporal_weight_step_lowers_loss_and_zero_keeps_the_plain_loss():
    """--temporal-weight adds to the loss (the zero-initialised DiT predicts a still clip, whose changes
    miss the batch's), a step with it lowers it, and weight 0 is exactly the loss the runs so far trained on."""
    assert_added_term_learns_and_zero_is_off("temporal_w")


def test_backward_first_slice_marks_only_the_first_patch_of_backward_windows():
    """Only backward-extension windows get the weight, on their first patch_t frames (none of them
    given); forward extensions, infills, retakes, image- and text-to-video windows get none."""
    rng = np.random.default_rng(3)
    for kind in ("t2v", "i2v", "ext_fwd", "ext_bwd", "infill", "retake"):
        for _ in range(20):
            m = torch.from_numpy(make_mask(rng, 16, kind))[None]
            first = backward_first_slice(m, 4)[0]
            if kind == "ext_bwd":
                assert first.tolist() == [1.0] * 4 + [0.0] * 12
                assert (m[0, :4] == 0).all()  # the slice it weighs is all new frames
            else:
                assert first.sum().item() == 0, kind


def test_backward_first_weight_moves_only_backward_windows_and_a_step_lowers_it():
    """--bwd-first-weight changes the loss of a batch with a backward extension, leaves a batch without
    one exactly as it was (so weight 1 and any weight agree there), and a step with it lowers it."""
    _, plain = tiny_dit_step()
    _, weighted = tiny_dit_step(bwd_first_w=4.0)
    assert weighted().item() == plain().item()  # text- and image-to-video only: nothing to weigh
    kinds = ("ext_bwd", "ext_fwd")
    _, plain_b = tiny_dit_step(kinds=kinds)
    opt, loss = tiny_dit_step(bwd_first_w=4.0, kinds=kinds)
    l0 = loss()
    assert l0.item() != plain_b().item()
    opt.zero_grad()
    l0.backward()
    opt.step()
    assert loss().item() < l0.item()


def test_object_temporal_error_scores_only_the_objects_changes():
    """A turn the prediction smooths away on the object costs, per value of the object, what it would cost were
    the object the whole frame; the same error off the object costs nothing; a step with the weight lowers the
    loss, and weight 0 is exactly the loss the runs so far trained on."""
    lat = torch.zeros(1, 4, 16, 4, 4)
    none = torch.zeros(1, 1, 16, 1, 1)
    objects = torch.zeros(1, 1, 16, 4, 4)
    objects[..., 1:3, 1:3] = 1
    sign = torch.tensor([(-1.0) ** k for k in range(16)]).view(1, 1, 16, 1, 1)
    turn = lat.clone()
    turn[..., 1:3, 1:3] = 0.5 * sign  # the world's outline alternates on the object; the prediction is still
    assert object_temporal_error(lat, turn, none, objects).item() == pytest.approx(1.0)
    assert temporal_error(lat, turn, none).item() == pytest.approx(0.25)  # the frame mean dilutes it by the object's share
    off = lat.clone()
    off[..., 3:, 3:] = 0.5 * sign  # flicker in the background only
    assert object_temporal_error(off, lat, none, objects).item() == 0
    assert_added_term_learns_and_zero_is_off("object_temporal_w")


def test_temporal_error_scores_flicker_and_the_seam():
    """A prediction that alternates from frame to frame (flicker) costs more than one off by the same
    amount steadily, which costs nothing; a generated frame that steps away from the given one before it
    (a seam jump) costs, while the same step inside the given frames (pinned, as the sampler pins them)
    does not."""
    lat = torch.zeros(1, 4, 16, 2, 2)
    none = torch.zeros(1, 1, 16, 1, 1)
    sign = torch.tensor([(-1.0) ** k for k in range(16)]).view(1, 1, 16, 1, 1)
    steady = lat + 0.5
    flicker = lat + 0.5 * sign
    assert temporal_error(lat, lat, none).item() == 0
    assert temporal_error(steady, lat, none).item() == 0
    assert abs(temporal_error(flicker, lat, none).item() - 1.0) < 1e-6  # each change is 1 off
    given = none.clone()
    given[:, :, :6] = 1  # an extension given six frames
    jump = lat.clone()
    jump[:, :, 6:] = 0.5  # every generated frame steps 0.5 from the last given one
    assert temporal_error(jump, lat, given).item() > 0
    wrong_given = lat.clone()
    wrong_given[:, :, :5] = 0.5  # the prediction for given frames is replaced by them
    assert temporal_error(wrong_given, lat, given).item() == 0


def test_bf16_step_matches_fp32_and_lowers_loss():
    """--bf16 trains under bfloat16 autocast: the loss it sees must be the fp32 loss to well within a
    percent, and a step taken with its gradients must lower the fp32 loss."""
    opt, loss = tiny_dit_step()
    # one fp32 step first: the DiT's zero-initialised output predicts exactly 0 in either precision
    opt.zero_grad()
    loss().backward()
    opt.step()
    l32 = loss().item()
    l16 = loss(bf16=True)
    assert l16.dtype == torch.float32
    assert l16.item() != l32  # autocast really ran in bfloat16 ...
    assert abs(l16.item() - l32) < 0.01 * l32  # ... and saw the fp32 loss
    opt.zero_grad()
    l16.backward()
    opt.step()
    assert loss().item() < l32


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


def test_extension_seam_falls_inside_a_token():
    # the pack's extend overlap ends inside a temporal patch, and training gives extensions that many frames
    assert extend_overlap(DiTConfig(patch_t=8)) == 4  # every pack up to 0.7.0
    assert extend_overlap(DiTConfig(patch_t=4)) == 10  # since 0.33.0 (6 from 0.8.0 to 0.32.0)
    for pt in (2, 4, 8):
        k = extend_overlap(DiTConfig(patch_t=pt))
        assert k % pt != 0 and k in EXT_GIVEN
    rng = np.random.default_rng(1)
    fwd = {int(make_mask(rng, 16, "ext_fwd").sum()) for _ in range(300)}
    bwd = {int(make_mask(rng, 16, "ext_bwd")[::-1].argmin()) for _ in range(300)}
    assert fwd == bwd == set(EXT_GIVEN)


def test_denoiser_any_grid():
    cfg = DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1)
    m = VideoModel(cfg)
    for h, w in ((18, 32), (18, 18)):
        x = torch.randn(1, 4, 16, h, w)
        out = m(x, torch.rand(1), torch.zeros(1, 32, dtype=torch.int64), x, torch.zeros(1, 1, 16, h, w))
        assert out.shape == x.shape


def test_stream_gives_object_weights_on_the_latent_grid():
    """The DiT's data: latents, tokens, frame masks and where the objects are (for the object-weighted
    loss); the object cells are a small share of the grid. Not every window has an object in view (one
    can have moved out at a late phase) and a big growing one can cover most of it, so the bounds are
    on the batch (it was flaky with per-window bounds: 0.0 and 0.62 both occur in 200 windows); the
    stream's seed alone decides the batch, so it is the same every run."""
    from train import Stream
    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16))
    it = iter(Stream("dit", 12, seed=5, ae_state=ae.state_dict(), ae_cfg=ae.cfg, square_p=0.0))
    lat, tok, masks, obj = next(it)
    assert lat.shape == (12, 4, 16, 18, 32)
    assert tok.shape == (12, 32) and masks.shape == (12, 16)
    assert obj.shape == (12, 1, 16, 18, 32)
    covered = obj.gt(0.5).float().mean(dim=(1, 2, 3, 4))
    assert (covered > 0).float().mean() >= 0.75
    assert 0.01 < covered.mean().item() < 0.3


def test_stream_data_is_decided_by_its_seed():
    """Two runs of the same command from the same checkpoint see the same windows; a resumed run
    (its seed is --seed + the step it resumes at) sees new ones. The stream once mixed the clock in."""
    from train import Stream

    def first(seed):
        ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16))
        return next(iter(Stream("dit", 4, seed=seed, ae_state=ae.state_dict(), ae_cfg=ae.cfg, square_p=0.0)))

    torch.manual_seed(0)
    a = first(11)
    torch.manual_seed(0)
    b = first(11)
    torch.manual_seed(0)
    c = first(12)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[1], c[1])  # other prompts
    # --bf16 encodes the same windows under bfloat16: the same prompts, latents off by well under 1%
    torch.manual_seed(0)
    ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16))
    d = next(iter(Stream("dit", 4, seed=11, ae_state=ae.state_dict(), ae_cfg=ae.cfg, square_p=0.0, bf16=True)))
    assert d[0].dtype == torch.float32 and torch.equal(a[1], d[1]) and not torch.equal(a[0], d[0])
    assert (d[0] - a[0]).pow(2).mean().sqrt() < 0.01 * a[0].pow(2).mean().sqrt()


def test_mixture_options_set_the_task_mix_and_the_share_at_t1():
    import train
    saved = (list(train.MASK_P), train.T_AT_ONE)
    try:
        train.set_mixture(0.6, 0.5)
        assert abs(train.MASK_P[0] - 0.6) < 1e-9 and abs(sum(train.MASK_P) - 1) < 1e-9
        # the other tasks keep their ratios to each other
        assert abs(train.MASK_P[1] / train.MASK_P[2] - train.MASK_P_BASE[1] / train.MASK_P_BASE[2]) < 1e-9
        t = train.draw_t(20000, torch.Generator().manual_seed(0))
        assert abs((t == 1.0).float().mean().item() - 0.5) < 0.02
        assert ((t >= 0.02) & (t <= 1.0)).all()
        for bad in ((1.0, 0.2), (0.3, 0.9)):
            try:
                train.set_mixture(*bad)
                raise AssertionError(f"set_mixture{bad} accepted")
            except SystemExit as e:
                assert "--t2v-share" in str(e)
        # --ext-bwd-weight: backward extension twice as often against the other given-frame tasks, t2v unmoved
        # (scaled from the base mix, not from the mix a call before set: called twice, it does not compound)
        train.set_mixture(0.5, 0.4, 2.0)
        train.set_mixture(0.5, 0.4, 2.0)
        k = train.MASK_KINDS.index("ext_bwd")
        assert abs(train.MASK_P[0] - 0.5) < 1e-9 and abs(sum(train.MASK_P) - 1) < 1e-9
        assert abs(train.MASK_P[k] / train.MASK_P[2] - 2 * train.MASK_P_BASE[k] / train.MASK_P_BASE[2]) < 1e-9
        assert abs(train.MASK_P[1] / train.MASK_P[2] - train.MASK_P_BASE[1] / train.MASK_P_BASE[2]) < 1e-9
        try:
            train.set_mixture(0.5, 0.4, 0.0)
            raise AssertionError("set_mixture with an ext_bwd weight of 0 accepted")
        except SystemExit as e:
            assert "--ext-bwd-weight" in str(e)
    finally:
        train.MASK_P, train.T_AT_ONE = saved


def test_object_error_is_zero_for_the_rendered_clip_and_the_batch_mean_for_a_blind_model():
    """the probe's two reference points, with stand-in predictors (the measure itself is under test)"""
    from tools.object_error import object_error, probe_set
    torch.manual_seed(0)
    enc = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16)).encoder.eval()
    probe = probe_set(enc, n=4)
    toks, lat, cells = probe
    assert cells.any() and (~cells).any()
    oracle = lambda x, t, tok, cond, mask: lat  # noqa: E731
    r = object_error(oracle, enc, probe=probe)
    assert r["object"] == 0 and r["background"] == 0 and r["object_batch_mean"] > 0
    blind = lambda x, t, tok, cond, mask: lat.mean(dim=0, keepdim=True).expand_as(lat)  # noqa: E731
    r = object_error(blind, enc, probe=probe)
    assert r["object"] == r["object_batch_mean"] == r["object_null_prompt"]


def test_conflicting_prompt_names_another_scene_and_the_same_objects():
    from studio_model import world
    from train import conflicting_prompt
    rng = np.random.default_rng(3)
    for _ in range(20):
        spec = world.random_spec(rng)
        told = world.parse(conflicting_prompt(rng, spec))
        assert told.scene != spec.scene
        assert [(o.colour, o.shape, o.motion) for o in told.objects] == [(o.colour, o.shape, o.motion) for o in spec.objects]
        assert not told.unknown


def test_compact_checkpoint_keeps_the_ema_exact_and_rounds_the_rest_to_bfloat16(tmp_path):
    """the committed checkpoint: the EMA (what the pack exports) bit for bit; training weights and Adam
    moments in bfloat16, back to float32 within bfloat16's rounding when resumed"""
    from train import compact, expand, save
    torch.manual_seed(0)
    m = VideoModel(DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1,
                             attn="factorised"))
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    x = torch.randn(1, 4, 16, 4, 4)
    m(x, torch.rand(1), torch.zeros(1, 32, dtype=torch.int64), x, torch.zeros(1, 1, 16, 4, 4)).sum().backward()
    opt.step()
    ema = {n: t.clone() + 0.01 for n, t in m.state_dict().items()}
    save(compact({"dit": m.state_dict(), "dit_ema": ema, "dit_opt": opt.state_dict(), "ae_opt": {"x": 1}}),
         str(tmp_path / "c.pt"))
    raw = torch.load(tmp_path / "c.pt")
    assert "ae_opt" not in raw and raw["dit"]["dit.inp.weight"].dtype == torch.bfloat16
    st = expand(raw)
    for n, t in m.state_dict().items():
        assert torch.equal(st["dit_ema"][n], ema[n])
        assert st["dit"][n].dtype == torch.float32
        assert torch.allclose(st["dit"][n], t, rtol=2 ** -8, atol=1e-30)
    back = VideoModel(m.cfg)
    back.load_state_dict(st["dit"])
    opt2 = torch.optim.AdamW(back.parameters(), lr=1e-3)
    opt2.load_state_dict(st["dit_opt"])
    assert all(v["exp_avg"].dtype == torch.float32 for v in opt2.state_dict()["state"].values())


def test_spec_mix_shows_the_weighted_motions_pans_and_positions_more_often():
    """--motion-weights / --camera-p / --position-p (session 12) / --two-objects-p (session 21): the run's
    prompts hold those motions, camera moves, position words and two-object scenes in the asked shares, a
    typo in a motion name stops the run with a message naming the motions, and the default keeps
    world.random_spec's own draw (the evaluation's prompts come from that stream, so they must not move)."""
    import pytest

    from studio_model import world
    from train import Stream, spec_mix
    kw = spec_mix("left=2.5, right=2.5", 0.35, 0.3, 0.5)
    assert kw == {"motion_w": {"left": 2.5, "right": 2.5}, "camera_p": 0.35, "position_p": 0.3, "two_objects_p": 0.5}
    rng = np.random.default_rng(0)
    specs = [world.random_spec(rng, **kw) for _ in range(3000)]
    objs = [o for s in specs for o in s.objects]
    share = lambda f, xs: sum(map(f, xs)) / len(xs)  # noqa: E731
    assert 0.31 < share(lambda o: o.motion in ("left", "right"), objs) < 0.39  # 5 / 14 = 0.357 (uniform: 0.18)
    assert {o.motion for o in objs} == set(world.MOTIONS)
    assert 0.32 < share(lambda s: s.camera is not None, specs) < 0.38
    assert 0.27 < share(lambda o: o.position is not None, objs) < 0.33
    assert 0.46 < share(lambda s: len(s.objects) == 2, specs) < 0.54  # --two-objects-p 0.5 (default 0.35)
    for bad in ("rigth=2", "left=", "left=x", "left=-1", "left=inf"):
        with pytest.raises(SystemExit, match="not motion=weight"):
            spec_mix(bad, 0.25, 0.2)
    with pytest.raises(SystemExit, match="--two-objects-p and --cross-p must be in"):
        spec_mix("", 0.25, 0.2, 1.5)
    # the default mix draws exactly what world.random_spec draws by itself
    a, b = np.random.default_rng(4), np.random.default_rng(4)
    dflt = spec_mix("", world.CAMERA_P, world.POSITION_P)
    assert [world.random_spec(a, **dflt) for _ in range(50)] == [world.random_spec(b) for _ in range(50)]
    # and the stream uses the mix: every window of a spin-only run says so in its prompt
    ae = AutoEncoder(AEConfig(channels=4, enc_width=16, dec_width=16))
    spin = spec_mix("spin=1e9", 0.0, 0.0)
    _, tok, _, _ = next(iter(Stream("dit", 6, seed=3, ae_state=ae.state_dict(), ae_cfg=ae.cfg, square_p=0.0,
                                    spec_kw=spin)))
    phrases = world.MOTION_PHRASES["spin"] + world.MOTION_ING["spin"] + ["spin"]
    spin_words = {WORDS.index(w) for p in phrases for w in p.split() if w in WORDS}
    assert all(spin_words & set(row.tolist()) for row in tok)


def test_cross_p_draws_two_objects_whose_travels_cross():
    """--cross-p (session 29): at 0.5, about half the two-object prompts plus the few drawn that way anyway
    have one object going left and the other right, each prompt saying so; one-object prompts are as drawn;
    at 0 the stream is world.random_prompt's, prompt for prompt (a run without the flag sees the same data)"""
    import pytest

    from studio_model import world
    from train import draw_prompt, spec_mix
    kw = spec_mix("left=2.5,right=2.5", 0.35, 0.3, 0.55, 0.5)
    assert kw["cross_p"] == 0.5
    rng = np.random.default_rng(1)
    drawn = [draw_prompt(rng, kw) for _ in range(2000)]
    two = [(p, s) for p, s in drawn if len(s.objects) == 2]
    cross = [(p, s) for p, s in two if {o.motion for o in s.objects} == {"left", "right"}]
    assert 0.5 < len(cross) / len(two) < 0.6  # 0.5 + 0.5 x (2 x (2.5 / 17)^2) = 0.52
    # places are dropped from the pairs made to cross (left alone, a place can start a travel at the edge)
    assert sum(all(o.position is None for o in s.objects) for _, s in cross) / len(cross) > 0.9
    assert all({"left", "right"} <= set(re.findall(r"[a-z]+", p.lower())) for p, _ in cross)
    one = [s for _, s in drawn if len(s.objects) == 1]
    assert 0.38 < len(one) / len(drawn) < 0.52
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    plain = spec_mix("left=2.5", 0.35, 0.3, 0.55)
    assert "cross_p" not in plain
    assert [draw_prompt(a, plain) for _ in range(50)] == [world.random_prompt(b, **plain) for _ in range(50)]
    with pytest.raises(SystemExit, match="--cross-p must be in"):
        spec_mix("", 0.25, 0.2, 0.5, 1.5)


def test_partner_side_p_sends_one_object_from_its_partners_side():
    """--partner-side-p (session 32): at 0.4, about 40% of the two-object prompts have the first object go
    left or the second go right, without a place, each prompt saying so; the world starts that travel beside
    the partner (x 0.65 for the first, 0.35 for the second), which is what 0.18.0 drew at the wrong place.
    Beside --cross-p the two share one draw, and together they may not pass 1."""
    import pytest

    from studio_model import world
    from train import draw_prompt, spec_mix
    def shares(partner_side_p):
        kw = spec_mix("left=2.5,right=2.5,up=2,down=2,fall=2", 0.35, 0.3, 0.55, 0.25, partner_side_p)
        rng = np.random.default_rng(2)
        two = [(p, s) for p, s in (draw_prompt(rng, kw) for _ in range(3000)) if len(s.objects) == 2]
        cross = [s for _, s in two if {o.motion for o in s.objects} == {"left", "right"}]
        side = [(p, s, k) for p, s in two for k, way in ((0, "left"), (1, "right"))
                if s.objects[k].motion == way and s.objects[k].position is None
                and {o.motion for o in s.objects} != {"left", "right"}]
        return len(cross) / len(two), len(side) / len(two), side, kw

    cross0, side0, _, _ = shares(0.0)
    cross, side, rows, kw = shares(0.4)
    assert (kw["cross_p"], kw["partner_side_p"]) == (0.25, 0.4)
    # session 31's mix: a quarter made to cross (+ a few drawn so), about 14% from the partner's side by chance;
    # at 0.4 those become about 38% (the rest of the 0.4 cross, where the partner happened to go the other way)
    assert 0.22 < cross0 < 0.32 and side0 < 0.2
    assert 0.3 < side < 0.46 and 0.28 < cross < 0.42
    for p, s, k in rows:
        o = s.objects[k]
        assert any(w in p.lower() for w in world.MOTION_PHRASES[o.motion] + world.MOTION_ING[o.motion])
        x0 = world.object_track(o, s.scene, np.array([0.0]), k=k, n=2)[0].x
        # it starts on the partner's side of the middle, where a still partner stands (0.7 for the second)
        assert (x0 > 0.5) == (k == 0)
    # off, the stream is --cross-p's alone, draw for draw
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    with_cross = spec_mix("left=2.5", 0.35, 0.3, 0.55, 0.25)
    assert "partner_side_p" not in with_cross
    assert [draw_prompt(a, with_cross) for _ in range(50)] == \
        [draw_prompt(b, {**with_cross, "partner_side_p": 0.0}) for _ in range(50)]
    with pytest.raises(SystemExit, match="--partner-side-p must be in"):
        spec_mix("", 0.25, 0.2, 0.5, 0.7, 0.5)


def test_snapshot_to_another_path_writes_the_compact_checkpoint_and_no_pack(tmp_path):
    """snapshot.py --to: a run carried to the next session in git, not shipped; the pack folder and the
    committed checkpoint stay as they are"""
    import os
    import subprocess
    import sys
    from conftest import MODEL, ROOT
    from train import COMMITTED, save
    pack = os.path.join(ROOT, "resources", "models", "world-s", "manifest.json")
    before = (os.path.getmtime(pack), os.path.getmtime(COMMITTED))
    torch.manual_seed(0)
    m = VideoModel(DiTConfig(vocab=len(WORDS), width=32, depth=1, heads=2, text_dim=32, text_layers=1))
    save({"dit": m.state_dict(), "dit_ema": m.state_dict(), "stages": {"dit": {"step": 7}}}, str(tmp_path / "run.pt"))
    out = subprocess.run([sys.executable, os.path.join(MODEL, "snapshot.py"), "--src", str(tmp_path / "run.pt"),
                          "--to", str(tmp_path / "next.pt")], capture_output=True, text=True, check=True).stdout
    assert "dit step 7" in out
    raw = torch.load(tmp_path / "next.pt")
    assert raw["dit"]["dit.inp.weight"].dtype == torch.bfloat16
    assert torch.equal(raw["dit_ema"]["dit.inp.weight"], m.state_dict()["dit.inp.weight"])
    assert (os.path.getmtime(pack), os.path.getmtime(COMMITTED)) == before


def test_start_noise_share_zero_is_the_old_noise_and_a_share_ties_the_frames():
    """--noise-share 0 (every pack so far) draws exactly the bytes torch.randn drew; a share s keeps each
    element N(0,1) and makes any two frames of a clip correlate by s, and frames of different clips not at all."""
    shape = (64, 4, 16, 9, 16)
    assert torch.equal(start_noise(shape, 0.0, torch.Generator().manual_seed(7)),
                       torch.randn(shape, generator=torch.Generator().manual_seed(7)))
    n = start_noise(shape, 0.6, torch.Generator().manual_seed(7))
    assert abs(n.std().item() - 1) < 0.01 and abs(n.mean().item()) < 0.01
    corr = lambda a, b: torch.corrcoef(torch.stack([a.flatten(), b.flatten()]))[0, 1].item()
    assert abs(corr(n[:, :, 0], n[:, :, 11]) - 0.6) < 0.02
    assert abs(corr(n[:32, :, 0], n[32:, :, 0])) < 0.02


def test_noise_share_step_lowers_loss():
    """one optimiser step on the loss with shared noise (--noise-share) lowers it"""
    opt, loss = tiny_dit_step(noise_share=0.5)
    l0 = loss()
    opt.zero_grad()
    l0.backward()
    opt.step()
    assert loss().item() < l0.item()


def test_before_start_p_starts_backward_extension_windows_before_the_motion():
    """train.window_phase (--before-start-p, session 46): at 0 it draws exactly the old phases (the old
    recipe sees the same windows); at 1 every backward-extension window of a non-falling motion starts
    before the motion (tau0 in [-0.75, 0)), where the world has a travelling object further back than its
    start, which is what a backward extension of a clip at tau 0 must draw; other tasks and falls keep
    phases >= 0"""
    from train import window_phase
    from studio_model import world
    from studio_model.world import ObjectSpec, SceneSpec
    right = SceneSpec(scene="field", objects=[ObjectSpec(motion="right")])
    fall = SceneSpec(scene="field", objects=[ObjectSpec(motion="fall")])

    def old_phase(rng, kind):  # the stream's phase before session 46, verbatim
        phase_p = 0.05 if kind == "t2v" else 0.5
        return float(rng.uniform(0, 1.5)) if rng.random() < phase_p else 0.0

    kinds = ["t2v", "i2v", "ext_fwd", "ext_bwd", "infill", "retake"] * 40
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    assert [window_phase(a, k, right, 0.0) for k in kinds] == [old_phase(b, k) for k in kinds]

    rng = np.random.default_rng(6)
    bwd = [window_phase(rng, "ext_bwd", right, 1.0) for _ in range(200)]
    assert all(-0.75 <= t < 0 for t in bwd) and min(bwd) < -0.6 and max(bwd) > -0.15
    assert all(window_phase(rng, "ext_bwd", fall, 1.0) >= 0 for _ in range(100))
    assert all(window_phase(rng, k, right, 1.0) >= 0 for k in ("t2v", "i2v", "ext_fwd", "infill", "retake") for _ in range(50))
    half = [window_phase(rng, "ext_bwd", right, 0.5) < 0 for _ in range(400)]
    assert 0.4 < np.mean(half) < 0.6

    # --before-start-depth (session 49): the default draws the same phases as before the option; deeper
    # windows reach further back, and only backward extensions move
    a, b = np.random.default_rng(8), np.random.default_rng(8)
    assert [window_phase(a, "ext_bwd", right, 1.0) for _ in range(50)] == \
        [window_phase(b, "ext_bwd", right, 1.0, 0.75) for _ in range(50)]
    deep = [window_phase(rng, "ext_bwd", right, 1.0, 1.0) for _ in range(400)]
    assert all(-1.0 <= t < 0 for t in deep) and min(deep) < -0.9 and np.mean([t < -0.75 for t in deep]) > 0.15
    assert all(window_phase(rng, k, right, 1.0, 1.0) >= 0 for k in ("t2v", "i2v", "ext_fwd", "infill", "retake") for _ in range(50))

    # the window evaluate.run_extend asks a backward extension for: the object comes from further left
    before = world.object_positions(right, tau0=-10 / 16)[0][:, 0]
    start = world.object_positions(right, tau0=0.0)[0][:, 0]
    assert before[0] < start[0] - 0.2 and np.all(np.diff(before) > 0)
    assert abs(before[10] - start[0]) < 1e-9


def test_bf16_is_refused_on_a_cpu_that_would_emulate_it():
    """train.cpu_has_bf16 (session 56): --bf16 trains several times faster where the CPU has AVX512-BF16 or
    AMX and over ten times slower where PyTorch must emulate bfloat16 (an AMD EPYC with AVX2 only), so
    train.py refuses it there; the flags are read from /proc/cpuinfo's text"""
    from train import cpu_has_bf16
    epyc = "processor\t: 0\nflags\t\t: fpu sse sse2 avx fma avx2 sha_ni vaes\n\nprocessor\t: 1\nflags\t\t: fpu avx avx2\n"
    sapphire = "processor\t: 0\nflags\t\t: fpu avx avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
    cooper = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"
    assert not cpu_has_bf16(epyc)
    assert cpu_has_bf16(sapphire) and cpu_has_bf16(cooper)
    assert not cpu_has_bf16("")
