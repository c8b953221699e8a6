"""Train the built-in pack: stage 'ae' (per-frame autoencoder) then stage 'dit' (text-to-video DiT).

  /usr/bin/python3 model/train.py --stage ae  --minutes 10
  /usr/bin/python3 model/train.py --stage dit --minutes 60 --resume
Checkpoints: model/runs/ckpt.pt (every --ckpt-minutes) ; copy to model/checkpoints/world-s.pt to commit.
One checkpoint file holds both stages (AE weights + DiT weights + EMA + optimiser + step + RNG).
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import os
import platform
import sys
import time
from dataclasses import asdict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from studio_model import world  # noqa: E402
from studio_model.nets import AEConfig, AutoEncoder, DiTConfig, VideoModel, conv_flops, dit_flops  # noqa: E402
from studio_model.sampler import encode_clip, noise_share_of, start_noise, to_tensor, unit_range  # noqa: E402
from studio_model.text import MAX_TOKENS, WORDS, tokenize  # noqa: E402

FPS = 8
FRAMES = 16
CANVAS = {"16:9": (128, 72), "1:1": (72, 72)}
RUNS = os.environ.get("STUDIO_RUNS", os.path.join(HERE, "runs"))
CKPT = os.path.join(RUNS, "ckpt.pt")
COMMITTED = os.path.join(HERE, "checkpoints", "world-s.pt")


def default_dit_cfg():
    return DiTConfig(vocab=len(WORDS), max_tokens=MAX_TOKENS)


# ------------------------------------------------------------------ data
class Stream(torch.utils.data.IterableDataset):
    """Renders batches on the fly (never stored). stage 'ae': frames + weights; 'dit': latents + tokens."""

    def __init__(self, stage, batch, seed, ae_state=None, ae_cfg=None, square_p=0.15, mask_p=None, conflict_p=0.0,
                 bf16=False, spec_kw=None, encode=True, readings=False, before_start_p=0.0, before_start_depth=0.75):
        self.stage, self.batch, self.seed = stage, batch, seed
        self.before_start_p, self.before_start_depth = before_start_p, before_start_depth  # see window_phase
        self.readings = readings  # the model's DiTConfig.word_readings, passed in like mask_p
        # encode=False: 'dit' batches carry the clips as uint8 [B,T,H,W,3] in place of the latents, for the
        # trainer to encode on its device (--encode-on-device); the frames and everything else are the same
        self.encode = encode
        self.spec_kw = spec_kw or {}  # this run's prompt mix, for draw_prompt (see spec_mix)
        self.bf16 = bf16  # encode the latents under bfloat16 autocast (see --bf16)
        self.mask_p = mask_p or MASK_P  # passed in, so workers see this run's mix whatever the start method
        self.conflict_p = conflict_p
        self.ae_state, self.ae_cfg, self.square_p = ae_state, ae_cfg, square_p

    def __iter__(self):
        torch.set_num_threads(1)
        info = torch.utils.data.get_worker_info()
        wid = info.id if info else 0
        # the seed alone decides the data (the caller passes --seed + the step it resumes at, so a resumed
        # run sees new windows and the same command from the same checkpoint sees the same ones)
        rng = np.random.default_rng([self.seed, wid])
        enc = None
        if self.stage == "dit" and self.encode:
            ae = AutoEncoder(self.ae_cfg)
            ae.load_state_dict(self.ae_state)
            enc = ae.encoder.eval()
        while True:
            W, H = CANVAS["1:1"] if rng.random() < self.square_p else CANVAS["16:9"]
            if self.stage == "ae":
                fr, wt = [], []
                for _ in range(self.batch // 4):
                    spec = world.random_spec(rng)
                    clip, m = world.render(spec, W, H, FRAMES, tau0=float(rng.uniform(0, 1.2)),
                                           seed=int(rng.integers(1 << 30)), return_masks=True)
                    idx = rng.choice(FRAMES, 4, replace=False)
                    fr.append(to_tensor(clip[idx]))
                    om = m.max(axis=0)[idx] if len(m) else np.zeros((4, H, W), np.float32)
                    wt.append(torch.from_numpy(1.0 + 4.0 * om)[:, None])
                yield torch.cat(fr), torch.cat(wt)
            else:
                clips, toks, masks, objs = [], [], [], []
                for _ in range(self.batch):
                    prompt, spec = draw_prompt(rng, self.spec_kw)
                    kind = MASK_KINDS[rng.choice(len(MASK_KINDS), p=self.mask_p)]
                    tau0 = window_phase(rng, kind, spec, self.before_start_p, self.before_start_depth)
                    clip, om = world.render(spec, W, H, FRAMES, tau0=tau0, seed=int(rng.integers(1 << 30)),
                                            return_masks=True)
                    if kind != "t2v" and rng.random() < self.conflict_p:
                        prompt = conflicting_prompt(rng, spec)
                    clips.append(torch.from_numpy(np.ascontiguousarray(clip)))  # uint8 [T,H,W,3]
                    toks.append(tokenize(prompt, readings=self.readings)[0])
                    masks.append(make_mask(rng, FRAMES, kind))
                    objs.append(torch.from_numpy(om.max(axis=0) if len(om) else np.zeros((FRAMES, H, W), np.float32)))
                clips = torch.stack(clips)
                lat = encode_batch(enc, unit_range(clips), self.bf16) if self.encode else clips
                with torch.no_grad():
                    # object coverage on the latent grid (max over each 4x4 cell, grown by one cell)
                    ob = torch.nn.functional.max_pool3d(torch.stack(objs)[:, None], (1, 4, 4))
                    ob = torch.nn.functional.max_pool3d(ob, (1, 3, 3), stride=1, padding=(0, 1, 1))
                yield lat, torch.tensor(toks, dtype=torch.int64), torch.from_numpy(np.stack(masks)), ob


def window_phase(rng, kind, spec, before_start_p=0.0, before_start_depth=0.75):
    """Where a training window starts in its motion (tau0, in windows). A prompt alone says nothing about
    the phase of a motion: text-to-video windows start at tau 0 (so the prompt -> clip map is deterministic
    and the mean prediction sharp); windows with given frames see any phase, the frames tell it.
    before_start_p (--before-start-p, session 46): that share of backward-extension windows starts before
    the motion does, tau0 in [-before_start_depth, 0), so the frames made lead into a clip that starts at
    tau 0, as the studio's and the evaluation's backward extensions ask (evaluate.extend_clips renders its
    reference at tau0 = -10/16). Until then no window started before tau 0: the model had never seen a
    travelling object before its start, and backward extensions of left, right, up and down went wrong
    (0.27.0: 5 of 20 on the 48-prompt set, against 20 of 20 forward; 5 of 20 after session 47's run with
    0.5, 7 of 20 after session 48's with 1). `tools/motion_track.py --backward` shows the object drawn whole
    near the opposite edge in the frames where the world has it still off the canvas; at 1 the left-goer
    emptied out, the right-goers did not. Falls are left out: the world's fall is a parabola that rises
    again before tau 0. At 0 no extra number is drawn, so the old recipe sees the same windows.
    before_start_depth (--before-start-depth, session 49): how far before the motion those windows may
    start, tau0 in [-depth, 0); at the default 0.75 the draws are the ones of runs 46 to 49. Session 49
    found the right-goers' wrong frames confined to the first temporal token (frames 0-3, the object at the
    right edge going left, then the world's track from frame 4), and at 0.75 only about 3 in 10 backward
    windows of a right-goer start with it off the canvas (0.29 over session 49's prompt mix); at 1, 0.40."""
    phase_p = 0.05 if kind == "t2v" else 0.5
    tau0 = float(rng.uniform(0, 1.5)) if rng.random() < phase_p else 0.0
    if before_start_p > 0 and kind == "ext_bwd" and rng.random() < before_start_p \
            and all(o.motion != "fall" for o in spec.objects):
        tau0 = -float(rng.uniform(0, before_start_depth))
    return tau0


def cpu_has_bf16(cpuinfo=None):
    """Whether this CPU does bfloat16 arithmetic itself (AVX512-BF16 or AMX), where --bf16 trains several
    times faster; without it PyTorch emulates bfloat16 and --bf16 is over ten times slower than fp32
    (session 56: an AMD EPYC with AVX2 only). cpuinfo: /proc/cpuinfo's text; where there is none to read
    (not Linux) the answer is yes, and the user's --bf16 stands."""
    cpuinfo = read_cpuinfo() if cpuinfo is None else cpuinfo
    if cpuinfo is None:
        return True
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def cpu_name():
    """The CPU's model name, kept in the session's record: the runs' speed depends on it (session 55's
    machine trained at 9 clips/s with --bf16, session 56's AMD EPYC at 4 in fp32)."""
    for line in (read_cpuinfo() or "").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def read_cpuinfo():
    """/proc/cpuinfo's text, or None where there is none (not Linux)."""
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return None


def encode_batch(enc, clips, bf16=False):
    """clips [B,T,3,H,W] -> fp32 latents, the encoder under bfloat16 autocast with --bf16 (the data
    worker's form; tools/data_cost.py times both), on the clips' device."""
    with torch.no_grad(), torch.autocast(clips.device.type, dtype=torch.bfloat16, enabled=bf16):
        return encode_clip(enc, clips).float()


def conflicting_prompt(rng, spec):
    """The same objects and motions in another scene. A person who drops a picture often describes it
    loosely; the given frames are the truth, so the model must keep their scene rather than switch to
    the prompt's from the second frame on (pack 0.3.0 did, trained on matching prompts only)."""
    return world.phrase(rng, dataclasses.replace(spec, scene=world.other_scene(rng, spec.scene)))


def loader(stage, batch, seed, ae=None, workers=1, conflict_p=0.0, bf16=False, spec_kw=None, encode=True, pin=False,
           readings=False, before_start_p=0.0, before_start_depth=0.75):
    ds = Stream(stage, batch, seed, ae_state=None if ae is None else ae.state_dict(),
                ae_cfg=None if ae is None else ae.cfg, mask_p=list(MASK_P), conflict_p=conflict_p, bf16=bf16,
                spec_kw=spec_kw, encode=encode, readings=readings, before_start_p=before_start_p,
                before_start_depth=before_start_depth)
    return iter(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers,
                                            prefetch_factor=2 if workers else None,
                                            persistent_workers=bool(workers), pin_memory=pin))


# ------------------------------------------------------------------ masks
MASK_KINDS = ["t2v", "i2v", "ext_fwd", "ext_bwd", "infill", "retake"]
MASK_P_BASE = (0.35, 0.2, 0.13, 0.12, 0.12, 0.08)  # the mix set_mixture scales, whatever it set before
MASK_P = list(MASK_P_BASE)


def set_mixture(t2v_share, t1_share, ext_bwd_weight=1.0):
    """the task mix and the share at t = 1 for this run (module globals: the data workers read MASK_P).
    ext_bwd_weight (--ext-bwd-weight, session 51): backward-extension windows drawn that many times as often
    against the other tasks with given frames, text-to-video keeping its share; at 1 the mix of runs 1 to 51
    (ext_bwd 0.12 of 0.65 masked, 9.2% of all windows at --t2v-share 0.5). Backward travels were the row that
    had not moved (7 of 20 on the 48 from 0.29.0 through run 51): at 1 a backward window of a right-goer before its start is
    about 1 in 31 of all windows (a right-goer in 35% of session 50's prompts), at 3 about 1 in 14. At 3 for a
    whole run (session 52, 0.30.0): 9 of 20 on the 48, backward 31/48 against 28/48, the text rows level; 10 of 20 in
    run 53 (3, not shipped); at 4 for a whole run (session 55, 0.32.0): 9 of 20 again, backward 31/48: the weight
    has stopped moving them."""
    global MASK_P, T_AT_ONE
    if not (0 < t2v_share < 1 and 0 <= t1_share <= 0.7):
        raise SystemExit("--t2v-share must be in (0, 1) and --t1-share in [0, 0.7]")
    if not 0 < ext_bwd_weight <= 4:
        raise SystemExit(f"--ext-bwd-weight is how many times as often backward-extension windows are drawn, in (0, 4], "
                         f"not {ext_bwd_weight}")
    rest = [p * (ext_bwd_weight if k == "ext_bwd" else 1.0) for k, p in zip(MASK_KINDS[1:], MASK_P_BASE[1:])]
    MASK_P = [t2v_share] + [p * (1 - t2v_share) / sum(rest) for p in rest]
    T_AT_ONE = t1_share


def draw_prompt(rng, spec_kw):
    """A training prompt and its spec from this run's mix (spec_mix). With "cross_p" (--cross-p), that share
    of the two-object scenes have one object travel left and the other right, places dropped, so their
    travels cross (the world starts a first object that goes left at x 0.65, right of the second): pack
    0.15.0 drew the crossing pair's left-goer from the wrong side (session 28's `--pairs` probe), and at
    --motion-weights left=2.5,right=2.5 only about 4% of two-object scenes cross. With "partner_side_p"
    (--partner-side-p), another share has one object travel from its partner's side of the frame: the first
    object goes left (the world starts it at x 0.65, beside the second at 0.7) or the second goes right
    (from 0.35, beside the first at 0.3), its place dropped, the partner as drawn. Of the 11 sideways
    objects pack 0.18.0 got wrong in the evaluation's two-object prompts, 5 started on the wrong side, all
    of them such travels, 4 drawn where an object that does not travel stands (session 32,
    tools/pair_rows.py). Without either the stream is world.random_prompt's, draw for draw."""
    kw = dict(spec_kw)
    cross_p = kw.pop("cross_p", 0.0)
    side_p = kw.pop("partner_side_p", 0.0)
    spec = world.random_spec(rng, **kw)
    if (cross_p or side_p) and len(spec.objects) == 2:
        r = rng.random()  # one draw for both, so that a run with --cross-p alone sees session 31's stream
        if r < cross_p:
            ways = ("left", "right") if rng.random() < 0.5 else ("right", "left")
            spec = dataclasses.replace(spec, objects=[dataclasses.replace(o, motion=m, position=None)
                                                      for o, m in zip(spec.objects, ways)])
        elif r < cross_p + side_p:
            k = int(rng.integers(2))
            objs = list(spec.objects)
            objs[k] = dataclasses.replace(objs[k], motion="left" if k == 0 else "right", position=None)
            spec = dataclasses.replace(spec, objects=objs)
    return world.phrase(rng, spec), spec


def spec_mix(motion_weights, camera_p, position_p, two_objects_p=world.TWO_OBJECTS_P, cross_p=0.0,
             partner_side_p=0.0):
    """This run's prompt mix for draw_prompt: world.random_spec's keyword arguments, and "cross_p" and
    "partner_side_p" where --cross-p and --partner-side-p ask for them. Pack 0.8.0 left objects in the middle
    of the frame whatever the prompt said of left and right (session 12): those two words also name a
    camera pan (which moves the objects the other way) and a position, so a run can show the motions,
    pans and positions that hang on them more often. "left=2.5,right=2.5" -> {"motion_w": {...}, ...}"""
    w = {}
    for part in filter(None, (x.strip() for x in motion_weights.split(","))):
        name, _, val = part.partition("=")
        try:
            weight = float(val)
        except ValueError:
            weight = float("nan")  # refused below with the other bad weights
        if name not in world.MOTIONS or not 0 <= weight < float("inf"):
            raise SystemExit(f"--motion-weights: {part!r} is not motion=weight (a weight >= 0, a motion of {world.MOTIONS})")
        w[name] = weight
    if not (0 <= camera_p <= 1 and 0 <= position_p <= 1 and 0 <= two_objects_p <= 1 and 0 <= cross_p <= 1):
        raise SystemExit("--camera-p, --position-p, --two-objects-p and --cross-p must be in [0, 1]")
    if not (0 <= partner_side_p <= 1 and cross_p + partner_side_p <= 1):
        raise SystemExit(f"--partner-side-p must be in [0, 1] and, with --cross-p, add up to at most 1 "
                         f"(they share the two-object prompts): {partner_side_p} + {cross_p}")
    kw = {"motion_w": w or None, "camera_p": camera_p, "position_p": position_p, "two_objects_p": two_objects_p}
    # only where asked for: the keys are draw_prompt's, not world.random_spec's, and older runs' history lacks them
    if cross_p:
        kw["cross_p"] = cross_p
    if partner_side_p:
        kw["partner_side_p"] = partner_side_p
    return kw


# How many frames an extension is given. With temporal patches of 4 frames, 4 or 8 given frames end on a
# token boundary, and session 10's patch_t 4 model then jumped at the seam (6% of forward seams right):
# nothing inside a token tied the new frames to the given ones. Counts that end inside a token (the
# pack's extend overlap was 6) put the seam where one token's output layer draws both sides of it.
# Since 0.33.0 the pack gives 10 (nets.extend_overlap): 9 and 10 joined in session 57, so training
# sees the count the studio uses (0.32.0, trained to 8, already did better at 10 than at 6).
EXT_GIVEN = [1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 10]


def make_mask(rng, T, kind=None):
    kind = kind or MASK_KINDS[rng.choice(len(MASK_KINDS), p=MASK_P)]
    m = np.zeros(T, np.float32)
    if kind == "i2v":
        m[0] = 1
    elif kind == "ext_fwd":
        m[: EXT_GIVEN[rng.integers(len(EXT_GIVEN))]] = 1
    elif kind == "ext_bwd":
        m[T - EXT_GIVEN[rng.integers(len(EXT_GIVEN))]:] = 1
    elif kind == "infill":
        a, b = [1, 1, 2, 4][rng.integers(4)], [1, 1, 2, 4][rng.integers(4)]
        m[:a] = 1
        m[T - b:] = 1
    elif kind == "retake":
        a = rng.integers(1, T - 4)
        b = rng.integers(a + 2, T)
        m[:] = 1
        m[a:b] = 0
    return m


# Extra loss weight on latent cells an object covers (objects are ~3% of a frame). The weight depends
# on where the object really is, so it biases the prediction toward object colours wherever the model
# is unsure of the place. At high t that is what teaches the layout (where the prompt puts the object);
# at low t it made the denoiser turn every noise bump into an object: clips full of coloured blobs
# ("confetti") at DiT step ~2500 with a flat weight of 12. So the weight fades out below t = 0.8 and is
# gone below t = 0.4.
OBJECT_WEIGHT = 6.0


def object_weight(t):
    """t [B] -> the object weight's scale [B] (1 at t >= 0.8, 0 at t <= 0.4)"""
    return OBJECT_WEIGHT * ((t - 0.4) / 0.4).clamp(0.0, 1.0)


T_AT_ONE = 0.2  # share of samples at exactly t = 1 (--t1-share)


def draw_t(B, gen):
    """noise levels [B]: 30% uniform(0,1), T_AT_ONE exactly 1, the rest uniform(0.6,1)"""
    u = torch.rand(B, generator=gen)
    k = torch.rand(B, generator=gen)
    return torch.where(k < 0.3, u, torch.where(k < 1.0 - T_AT_ONE, 0.6 + 0.4 * u, torch.ones(B))).clamp(0.02, 1.0)


def pinned(pred, lat, mask):
    """the predicted clip with the given frames put back, as the sampler pins them (mask [B,1,T,h,w])"""
    return mask * lat + (1 - mask) * pred


def change_sq_error(pred, lat, mask):
    """[B,C,T-1,h,w]: the squared error of each frame-to-frame change, with the given frames pinned as the
    sampler pins them; temporal_error takes its mean over the frame, object_temporal_error over the object"""
    p = pinned(pred, lat, mask)
    return ((p[:, :, 1:] - p[:, :, :-1]) - (lat[:, :, 1:] - lat[:, :, :-1])) ** 2


def temporal_error(pred, lat, mask):
    """Mean squared error of the frame-to-frame changes [scalar], with the given frames pinned as the
    sampler pins them (pred, lat [B,C,T,h,w]; mask [B,1,T,h,w]). The plain loss scores each frame on its
    own, so an error that alternates from frame to frame (flicker) costs no more than a steady one; here
    it costs about twice as much, and a step at the seam (a given frame beside a generated one) counts
    like any other change. Its optimum is the plain loss's (the change of the expected clip), so it
    reweights the errors toward flicker without changing what the model should predict."""
    return change_sq_error(pred, lat, mask).mean()


def object_temporal_error(pred, lat, mask, objects):
    """temporal_error on the object alone [scalar]: the frame-to-frame changes' squared error, weighted by the
    object's coverage (objects [B,1,T,h,w]) in either frame of each pair, per latent value of the object. The
    object is a few percent of a frame, so in temporal_error (a mean over the frame) its changes weigh next to
    nothing; a spinning box's outline turns inside a time slice of tokens (0, 0.29, 0 ... every 2 frames), and
    0.33.0's x0 prediction keeps only 0.11 / 0.05 of it even at t = 0.2 (motion_track.py --spins --denoised,
    session 62). Like temporal_error, its optimum is the plain loss's: it reweights, it does not move the target.
    A 20-minute probe at weight 0.5 (run 62b) did not move the turn and cost 7 of the 252 prompts."""
    w = torch.maximum(objects[:, :, 1:], objects[:, :, :-1])
    return (change_sq_error(pred, lat, mask) * w).sum() / (w.sum() * lat.shape[1]).clamp_min(1.0)


def backward_first_slice(masks, patch_t):
    """[B,T] 1.0 on the frames of the first time slice (patch_t frames) of backward-extension windows, the
    windows whose first frame is new and whose last is given (make_mask's ext_bwd; infill, retake and
    image-to-video give the first frame, text-to-video neither); 0 elsewhere. That slice is the one with no
    given frame in it, where session 58's probe (tools/backward_fails.py) found three of five failing
    backward travels drawn 35-45% smaller than the given frames' object."""
    bwd = ((masks[:, 0] == 0) & (masks[:, -1] == 1)).to(masks.dtype)
    first = torch.zeros_like(masks)
    first[:, :patch_t] = 1
    return bwd[:, None] * first


def dit_loss(model, lat, tokens, masks, objects, rng, gen, drop_p=0.1, pool_drop=0.0, temporal_w=0.0, noise_share=0.0,
             bwd_first_w=1.0, object_temporal_w=0.0):
    """x0-prediction loss. masks [B,T]: given frames; objects [B,1,T,h,w]: object coverage on the latent grid.
    Without the object weight the background (97% of the pixels) dominates and the model learns to
    leave the objects out (the pack at step 1968 did exactly that). pool_drop: the share of samples
    whose adaLN does not get the mean word vector (--pool-drop), so the words must come through the
    attention (DiTConfig.pooled_text). temporal_w: weight of temporal_error (--temporal-weight), against
    the flicker of generated frames that fails the extension seams (model/README.md, session 39).
    noise_share: the share of the noise that every frame of a clip shares (--noise-share, sampler.start_noise).
    The sampler does not read a share yet (the app, evaluate.py and the manifest draw share 0), so a pack
    trained with one must wait for them (model/README.md, session 42's plan).
    bwd_first_w: the loss weight of the first time slice of backward-extension windows against the other
    new frames (--bwd-first-weight, session 59; backward_first_slice). 1 leaves the loss as it was.
    object_temporal_w: weight of object_temporal_error (--object-temporal-weight, session 62); 0 leaves it as it was."""
    B, C, T, h, w = lat.shape
    dev = lat.device  # every draw is made on the CPU (the same stream on any device), then moved there
    drop = torch.from_numpy(rng.random(B) < drop_p).to(dev)
    tokens = tokens.masked_fill(drop[:, None], 0)
    # drawn only when asked for, so runs without it keep their random stream
    keep = torch.from_numpy((rng.random(B) >= pool_drop).astype(np.float32)).to(dev) if pool_drop > 0 else None
    mask = masks[:, None, :, None, None].expand(B, 1, T, h, w).contiguous()
    cond = lat * mask
    # t: 30% uniform(0,1), 50% uniform(0.6,1), 20% exactly 1 by default (the first sampler step, where the
    # prompt decides the whole layout, must be in distribution; a logit-normal t almost never reached
    # t > 0.97). --t1-share moves the share at t = 1, taken from the uniform(0.6,1) part.
    t = draw_t(B, gen).to(dev)
    eps = start_noise(lat.shape, noise_share, gen).to(dev)
    tb = t.view(B, 1, 1, 1, 1)
    xt = (1 - tb) * lat + tb * eps
    pred = model(xt, t, tokens, cond, mask, keep)
    wgt = (1.0 - 0.9 * mask) * (1.0 + object_weight(t).view(B, 1, 1, 1, 1) * objects)
    if bwd_first_w != 1.0:
        first = backward_first_slice(masks, model.cfg.patch_t)
        wgt = wgt * (1.0 + (bwd_first_w - 1.0) * first[:, None, :, None, None])
    loss = ((pred - lat) ** 2 * wgt).sum() / (wgt.sum() * C)
    if temporal_w > 0:
        loss = loss + temporal_w * temporal_error(pred.float(), lat, mask)
    if object_temporal_w > 0:
        loss = loss + object_temporal_w * object_temporal_error(pred.float(), lat, mask, objects)
    return loss


def square_crop(fr, wt, rng):
    """the autoencoder trains on 72x72 crops (at a multiple of 8 px) of wider frames and their weights"""
    if fr.shape[-1] <= 72:
        return fr, wt
    x0 = int(rng.integers(0, (fr.shape[-1] - 72) // 8 + 1)) * 8
    return fr[..., x0:x0 + 72], wt[..., x0:x0 + 72]


def recon_loss(rec, frames, wt):
    """the autoencoder's reconstruction loss, L1 + L2 weighted per pixel (finetune_decoder.py uses it too)"""
    err = rec - frames
    return ((err.abs() + err ** 2) * wt).mean()


def ae_loss(ae, frames, wt):
    return recon_loss(ae(frames), frames, wt)


# ------------------------------------------------------------------ checkpoint
def save(state, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def compact(state):
    """the committed checkpoint: the EMA weights (what the pack exports) in fp32; the training weights and
    the Adam moments in bfloat16 (rounding the weights once per session moves them less than one step
    at lr 4e-4 does); no autoencoder optimiser (the autoencoder is frozen once the DiT trains) -> under
    45 MB with the factorised DiT's 4.2 M parameters."""
    out = {k: v for k, v in state.items() if k not in ("ae_opt", "ae_partial")}
    if "dit" in state:
        out["dit"] = {n: (t.to(torch.bfloat16) if t.is_floating_point() else t) for n, t in state["dit"].items()}
    if "dit_opt" in state:
        opt = {"param_groups": state["dit_opt"]["param_groups"], "state": {}}
        for k, v in state["dit_opt"]["state"].items():
            opt["state"][k] = {n: (t.to(torch.bfloat16) if torch.is_tensor(t) and t.dim() > 0 else t) for n, t in v.items()}
        out["dit_opt"] = opt
    return out


def expand(state):
    """inverse of compact(): training weights and optimiser moments back to float32."""
    if "dit" in state:
        state["dit"] = {n: (t.float() if t.dtype == torch.bfloat16 else t) for n, t in state["dit"].items()}
    if "dit_opt" in state:
        for v in state["dit_opt"]["state"].values():
            for n, t in list(v.items()):
                if torch.is_tensor(t) and t.dtype == torch.bfloat16:
                    v[n] = t.float()
    return state


def log(msg, fn="train.log"):
    os.makedirs(RUNS, exist_ok=True)
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    with open(os.path.join(RUNS, fn), "a") as f:
        f.write(line + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stage", choices=["ae", "dit"], required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--from", dest="src", default=None, help="checkpoint to resume from (default runs/ckpt.pt, else committed)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--encode-on-device", action="store_true",
                    help="the data workers only render; the trainer encodes the clips on --device (on a GPU machine "
                         "the workers' CPU encoder, about 60%% of a clip's data cost here, would set the pace)")
    ap.add_argument("--ckpt-minutes", type=float, default=5)
    ap.add_argument("--eval-minutes", type=float, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--decay-from", type=float, default=0.75, help="fraction of --minutes after which the lr anneals")
    ap.add_argument("--t2v-share", type=float, default=MASK_P_BASE[0], help="share of text-to-video windows (the other tasks keep their ratios)")
    ap.add_argument("--reinit", type=float, default=0.0, help="mix the DiT toward a fresh initialisation: 0 keeps it, 1 starts afresh (the autoencoder is kept)")
    ap.add_argument("--ema", type=float, default=0.998, help="EMA decay of the exported weights")
    ap.add_argument("--quick-eval", type=int, default=1, help="0: log only the object error at each curve point (seconds, not minutes)")
    ap.add_argument("--pool-drop", type=float, default=0.0,
                    help="share of samples trained without the mean word vector in the adaLN (DiTConfig.pooled_text), "
                         "so the words reach the video through the attention (session 14)")
    ap.add_argument("--conflict-p", type=float, default=0.0,
                    help="share of windows with given frames whose prompt names another scene (the frames win)")
    ap.add_argument("--before-start-p", type=float, default=0.0,
                    help="share of backward-extension windows that start before the motion does (tau0 in [-depth, 0), --before-start-depth), "
                         "so a backward extension can lead into a clip's start (train.window_phase; default 0; 0.5 in run 46b and in run 47, 0.28.0; 1 in run 48, 0.29.0)")
    ap.add_argument("--before-start-depth", type=float, default=0.75,
                    help="how far before the motion those windows may start, in windows: tau0 in [-depth, 0) "
                         "(train.window_phase; default 0.75, as in runs 46-49; session 49's plan: 1)")
    ap.add_argument("--ext-bwd-weight", type=float, default=1.0,
                    help="backward-extension windows drawn that many times as often against the other tasks with given "
                         "frames, text-to-video keeping its share (train.set_mixture; default 1, as in runs 1-51; 3 in run 52, 0.30.0)")
    ap.add_argument("--bf16", action="store_true",
                    help="bfloat16 autocast for the DiT's forward/backward and the data worker's encoder (weights, "
                         "Adam and EMA stay fp32); on CPUs with AVX512-BF16 it trains several times faster; refused on "
                         "CPUs without it, where bfloat16 is emulated (train.cpu_has_bf16)")
    ap.add_argument("--t1-share", type=float, default=T_AT_ONE, help="share of samples at t = 1, where the prompt decides the layout (at most 0.7)")
    ap.add_argument("--motion-weights", default="",
                    help="motions drawn more often than the others, e.g. left=2.5,right=2.5 (default: all alike)")
    ap.add_argument("--camera-p", type=float, default=world.CAMERA_P, help="share of prompts with a camera move")
    ap.add_argument("--position-p", type=float, default=world.POSITION_P, help="share of objects with a position word")
    ap.add_argument("--two-objects-p", type=float, default=world.TWO_OBJECTS_P,
                    help="share of prompts with two objects (two-object prompts were 9%% right in 0.11.0, one-object 65%%)")
    ap.add_argument("--cross-p", type=float, default=0.0,
                    help="share of two-object prompts whose objects travel left and right across each other (default 0: as drawn)")
    ap.add_argument("--partner-side-p", type=float, default=0.0,
                    help="share of two-object prompts where one object travels from its partner's side: the first "
                         "goes left or the second right (default 0: as drawn; session 32)")
    ap.add_argument("--noise-share", type=float, default=None,
                    help="share of the noise that the frames of a clip share (sampler.start_noise), against the "
                         "background texture each frame draws on its own (session 41; default: the share the "
                         "checkpoint last trained with, 0 before session 42, so a resumed run keeps the noise the "
                         "pack's manifest samples with)")
    ap.add_argument("--temporal-weight", type=float, default=0.0,
                    help="weight of the frame-to-frame change error beside the x0 loss (train.temporal_error), "
                         "against generated frames that flicker (default 0: off; session 40)")
    ap.add_argument("--object-temporal-weight", type=float, default=0.0,
                    help="weight of the object's frame-to-frame change error (train.object_temporal_error), for turns "
                         "and travels inside a time slice, which the plain loss lets the model smooth away (default 0: off; session 62)")
    ap.add_argument("--bwd-first-weight", type=float, default=1.0,
                    help="loss weight of the first time slice (the frames of the first temporal patch) of backward-extension "
                         "windows against the other new frames (train.backward_first_slice; default 1: as in runs 1-58; "
                         "session 58's probe found failing backward travels drawn too small there)")
    args = ap.parse_args()
    set_mixture(args.t2v_share, args.t1_share, args.ext_bwd_weight)
    spec_kw = spec_mix(args.motion_weights, args.camera_p, args.position_p, args.two_objects_p, args.cross_p,
                       args.partner_side_p)
    if not 0 <= args.before_start_p <= 1:
        raise SystemExit(f"--before-start-p is a share of the backward-extension windows, in [0, 1], not {args.before_start_p}")
    if not 0 < args.before_start_depth <= 2:
        raise SystemExit(f"--before-start-depth is how far before the motion a window may start, in windows, in (0, 2], "
                         f"not {args.before_start_depth}")
    if args.noise_share is not None and not 0 <= args.noise_share < 1:
        raise SystemExit(f"--noise-share is a share of the noise, in [0, 1), not {args.noise_share}")
    if not 1 <= args.bwd_first_weight <= 8:
        raise SystemExit(f"--bwd-first-weight is a loss weight on backward windows' first slice, in [1, 8], not {args.bwd_first_weight}")
    if not args.object_temporal_weight >= 0:
        raise SystemExit(f"--object-temporal-weight is a loss weight, 0 or more, not {args.object_temporal_weight}")
    if not args.temporal_weight >= 0:
        raise SystemExit(f"--temporal-weight is a loss weight, 0 or more, not {args.temporal_weight}")
    if not 0 <= args.pool_drop <= 1:
        raise SystemExit(f"--pool-drop is a share of samples, in [0, 1], not {args.pool_drop}")
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    if args.bf16 and dev.type == "cpu" and not cpu_has_bf16():
        raise SystemExit("--bf16 needs a CPU with bfloat16 arithmetic (the cpuinfo flag avx512_bf16 or amx_bf16); this one "
                         "has neither, so bfloat16 would be emulated: session 56's run managed 5 steps in 5 minutes on "
                         "such a CPU, against 16 a minute in fp32. Leave --bf16 out on this machine.")
    t_start = time.time()

    state = {}
    src = args.src or (CKPT if os.path.exists(CKPT) else COMMITTED)
    if args.resume or args.stage == "dit":
        if os.path.exists(src):
            state = expand(torch.load(src, map_location="cpu"))
            log(f"loaded {src}: stages {list(state.get('stages', {}))}")
        elif args.stage == "dit":
            raise SystemExit("dit stage needs a trained autoencoder checkpoint")
    stages = state.setdefault("stages", {})

    ae = AutoEncoder(AEConfig(**state.get("ae_cfg", {})))
    if "ae" in state:
        ae.load_state_dict(state["ae"])
    # t and noise draws; a resumed run restores their state from the checkpoint
    rng = np.random.default_rng(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    if args.stage == "ae":
        ae.to(dev).train()
        ae.set_norm(torch.zeros(ae.cfg.channels), torch.ones(ae.cfg.channels))
        opt = torch.optim.Adam(ae.parameters(), lr=2e-3)
        st = stages.get("ae", {"step": 0, "frames": 0, "wall": 0.0})
        if args.resume and "ae_opt" in state:
            opt.load_state_dict(state["ae_opt"])
        fl = conv_flops(ae, torch.zeros(1, 3, 72, 128))
        log(f"AE params {sum(p.numel() for p in ae.parameters())}, forward FLOPs/frame {fl:.3e}, "
            f"train FLOPs/frame ~{3*fl:.3e}")
        it = loader("ae", 24, args.seed, workers=args.workers)
        last = time.time()
        while time.time() - t_start < args.minutes * 60:
            fr, wt = square_crop(*next(it), rng)
            fr, wt = fr.to(dev), wt.to(dev)
            lr = 2e-3 * min(1.0, (st["step"] + 1) / 50)
            if time.time() - t_start > args.minutes * 60 * 0.7:
                lr *= 0.3
            for g in opt.param_groups:
                g["lr"] = lr
            loss = ae_loss(ae, fr, wt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            st["step"] += 1
            st["frames"] += fr.shape[0]
            if st["step"] % 20 == 0:
                with torch.no_grad():
                    mse = ((ae(fr).clamp(-1, 1) - fr) ** 2).mean().item() / 4.0
                psnr = 10 * math.log10(1.0 / max(mse, 1e-10))
                log(f"ae step {st['step']} frames {st['frames']} loss {loss.item():.4f} psnr {psnr:.2f}")
            if st["step"] % 100 == 0:
                state.update({"ae_partial": ae.state_dict()})
        st["wall"] += time.time() - t_start
        # latent normalisation (per channel, folded into encoder/decoder graphs)
        ae.eval()
        with torch.no_grad():
            zs = []
            for _ in range(4):
                fr, _ = next(it)
                z = ae.encoder(fr.to(dev))
                zs.append(z.permute(1, 0, 2, 3).reshape(z.shape[1], -1))
            z = torch.cat(zs, dim=1)
            mean = z.mean(dim=1).cpu()
            std = z.std(dim=1).cpu()
        ae.cpu()
        ae.set_norm(mean, 1.0 / std)
        log(f"latent shift {mean.tolist()} scale {(1/std).tolist()}")
        stages["ae"] = st
        state.update({"ae": ae.state_dict(), "ae_cfg": asdict(ae.cfg), "ae_opt": opt.state_dict()})
        save(state, CKPT)
        log(f"saved {CKPT}")
        return

    # ---------------- DiT stage
    ae.eval()
    if args.noise_share is None:
        args.noise_share = noise_share_of(state)
    cfg = DiTConfig(**state["dit_cfg"]) if "dit_cfg" in state else default_dit_cfg()
    model = VideoModel(cfg)
    ema = VideoModel(cfg)
    ema.noise_share = args.noise_share  # the curve's probes and quick_eval sample as the pack will
    if "dit" in state:
        model.load_state_dict(state["dit"])
        ema.load_state_dict(state["dit_ema"])
    if args.reinit > 0:
        # theta <- (1 - r) theta + r theta_init ("shrink and perturb"; r = 1 starts the DiT afresh). A long
        # run can lose the plasticity to learn what it has not learned: the step-5453 pack, fine-tuned
        # on t = 1 alone, moved its object error 2x slower than a fresh DiT on the same clips.
        torch.manual_seed(args.seed)
        init = VideoModel(cfg)
        with torch.no_grad():
            for p, q in zip(model.parameters(), init.parameters()):
                p.mul_(1.0 - args.reinit).add_(q, alpha=args.reinit)
    if args.reinit > 0 or "dit" not in state:
        ema.load_state_dict(model.state_dict())
    model.to(dev).train()
    ema.to(dev).eval()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99), weight_decay=0.0)
    fresh_opt = args.reinit > 0 or "dit_opt" not in state
    if not fresh_opt:
        opt.load_state_dict(state["dit_opt"])
    st = stages.get("dit", {"step": 0, "samples": 0, "wall": 0.0})
    step0 = st["step"] if fresh_opt else 0  # a fresh optimiser warms up again
    if args.reinit > 0:
        st["ema_from"] = st["step"]
    if "rng" in state and args.resume:
        rng.bit_generator.state = state["rng"]["np"]
        gen.set_state(state["rng"]["torch"])
    fl16, ntok = dit_flops(cfg, FRAMES, 18, 32)
    nparams = sum(p.numel() for p in model.parameters())
    ae_fl = conv_flops(ae.encoder, torch.zeros(1, 3, 72, 128)) * FRAMES
    log(f"DiT params {nparams}, video tokens {ntok} (+{cfg.max_tokens} text), forward FLOPs/sample {fl16:.3e}, "
        f"train FLOPs/sample ~{3*fl16:.3e} + encoder {ae_fl:.3e}; batch {args.batch}")
    it = loader("dit", args.batch, args.seed + st["step"], ae=ae, workers=args.workers, conflict_p=args.conflict_p,
                bf16=args.bf16, spec_kw=spec_kw, encode=not args.encode_on_device, pin=dev.type == "cuda",
                readings=cfg.word_readings, before_start_p=args.before_start_p,
                before_start_depth=args.before_start_depth)
    enc_dev = copy.deepcopy(ae.encoder).to(dev).eval() if args.encode_on_device else None
    t_ck = t_ev = time.time()
    losses = []
    probe = None  # the object-error probe set, rendered once at the first curve point
    # this session's recipe, kept with the checkpoint (export copies the history into the manifest)
    session = {"dit_session": {"from_step": st["step"], "batch": args.batch, "lr": args.lr, "t2v_share": MASK_P[0],
                               "t1_share": T_AT_ONE, "conflict_p": args.conflict_p, "pool_drop": args.pool_drop, "reinit": args.reinit, "ema": args.ema, "device": args.device, "minutes": args.minutes,
                               "bf16": args.bf16, "cpu": cpu_name(), "ext_given": EXT_GIVEN, "temporal_weight": args.temporal_weight, "bwd_first_weight": args.bwd_first_weight,
                               "object_temporal_weight": args.object_temporal_weight, "noise_share": args.noise_share,
                               "before_start_p": args.before_start_p,
                               "before_start_depth": args.before_start_depth, "mask_p": dict(zip(MASK_KINDS, MASK_P)),
                               "spec_mix": dict(spec_kw)}}
    state.setdefault("history", []).append(session)
    seg_start = time.time()
    seg_wall0 = st["wall"]
    seg_samples0 = st["samples"]

    def checkpoint():
        st["wall"] = seg_wall0 + time.time() - seg_start
        state.update({"dit": model.state_dict(), "dit_ema": ema.state_dict(), "dit_opt": opt.state_dict(),
                      "dit_cfg": asdict(cfg), "rng": {"np": rng.bit_generator.state, "torch": gen.get_state()},
                      "flops_per_sample": 3 * fl16 + ae_fl})
        stages["dit"] = st
        session["dit_session"]["to_step"] = st["step"]
        save(state, CKPT)
        log(f"checkpoint step {st['step']} samples {st['samples']} wall {st['wall']:.0f}s")

    while time.time() - t_start < args.minutes * 60:
        lat, tok, msk, obj = next(it)
        lat, tok, msk, obj = (x.to(dev, non_blocking=True) for x in (lat, tok, msk, obj))
        if enc_dev is not None:  # the workers sent the clips as bytes
            lat = encode_batch(enc_dev, unit_range(lat), args.bf16)
        lr = args.lr * min(1.0, (st["step"] - step0 + 1) / 100)
        frac = (time.time() - t_start) / (args.minutes * 60)
        if frac > args.decay_from:  # anneal over the end of this session's share (cosine to 10%)
            lr *= 0.1 + 0.45 * (1 + math.cos(math.pi * (frac - args.decay_from) / (1 - args.decay_from)))
        for g in opt.param_groups:
            g["lr"] = lr
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=args.bf16):
            loss = dit_loss(model, lat, tok, msk, obj, rng, gen, pool_drop=args.pool_drop,
                            temporal_w=args.temporal_weight, noise_share=args.noise_share,
                            bwd_first_w=args.bwd_first_weight, object_temporal_w=args.object_temporal_weight)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        st["step"] += 1
        st["samples"] += lat.shape[0]
        k = st["step"] - st.get("ema_from", 0)  # steps since the DiT was (re)initialised
        d = min(args.ema, (1 + k) / (10 + k))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)
        losses.append(loss.item())
        if st["step"] % 25 == 0:
            el = time.time() - seg_start
            log(f"dit step {st['step']} samples {st['samples']} loss(avg25) {np.mean(losses[-25:]):.4f} "
                f"{st['samples'] / max(1, seg_wall0 + el):.2f} samples/s overall, "
                f"{(st['samples'] - seg_samples0) / max(1, el):.2f} in this run")
        if time.time() - t_ck > args.ckpt_minutes * 60:
            checkpoint()
            t_ck = time.time()
        if time.time() - t_ev > args.eval_minutes * 60:
            t_ev = time.time()
            try:
                import importlib
                import evaluate as ev
                importlib.reload(ev)
                from tools import object_error as oe
                importlib.reload(oe)
                probe = probe or oe.probe_set(ae.encoder, readings=cfg.word_readings)
                ema.eval()
                # the scorers run on the CPU (the same numbers on any training device)
                ema_cpu = ema if dev.type == "cpu" else copy.deepcopy(ema).cpu()
                obj = oe.object_error(ema_cpu, ae.encoder, probe=probe, share=args.noise_share)
                sc = ev.quick_eval(ema_cpu, ae, n=30) if args.quick_eval else None
                log(json.dumps({"step": st["step"], "samples": st["samples"], "wall": seg_wall0 + time.time() - seg_start,
                                "loss": float(np.mean(losses[-100:])), "object_error_t1": obj, "quick_eval": sc}), fn="curve.log")
            except Exception as e:  # the scorer must never kill training
                log(f"quick eval failed: {e!r}")
    checkpoint()


if __name__ == "__main__":
    main()
