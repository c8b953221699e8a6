"""Evaluate the pack with our own scorer written from shared/WORLD.md.

  /usr/bin/python3 model/evaluate.py [--ckpt model/checkpoints/world-s.pt] [--out model/runs/eval.json]
                                     [--manifest resources/models/world-s/manifest.json]

Every scored frame comes out of the sampler (sampler.py, same as the manifest) and the decoder.
The renderer is only used to build the given pictures / conditioning clips and the references the
generated clips are compared with.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import defaultdict

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from studio_model import world  # noqa: E402
from studio_model.nets import extend_overlap  # noqa: E402
from studio_model.world import ObjectSpec, SceneSpec, PALETTE, SCENE_NAMES  # noqa: E402
from studio_model.sampler import GUIDANCE, STEPS, TASK_GUIDANCE, decode_clip, encode_clip, guidance_for, sample, start_noise, to_tensor, to_u8  # noqa: E402
from studio_model.text import MAX_TOKENS  # noqa: E402

FRAMES = 16
PAL = np.array(list(PALETTE.values()), np.float32)
PAL_NAMES = list(PALETTE)


# ------------------------------------------------------------------ prompts a person would type
EXTRA_TEMPLATES = [
    "{np} that {vp} {scene}",
    "show me {np} which {vp} {scene}",
    "{scene}: {np} {vp}",
    "i want {np} {vp_ing} {scene}",
    "{np} {vp_ing} {scene}",
    "{np}, {scene}, {vp}",
]


def person_prompt(rng, spec: SceneSpec) -> str:
    """Either the generator's phrasing (other seed) or a held-out template; sometimes an unknown word."""
    if len(spec.objects) == 1 and rng.random() < 0.4:
        o = spec.objects[0]
        np_ = world._noun_phrase(rng, o)
        if o.position:
            np_ += " " + world.POSITIONS[o.position]
        sc = world.SCENE_PHRASES[spec.scene][rng.integers(len(world.SCENE_PHRASES[spec.scene]))]
        tpl = EXTRA_TEMPLATES[rng.integers(len(EXTRA_TEMPLATES))]
        s = tpl.format(np=np_, vp=world._verb_phrase(rng, o), vp_ing=world._verb_phrase(rng, o, ing=True), scene=sc)
        if spec.camera:
            s += ", " + world.CAMERA_PHRASES[spec.camera][0]
    else:
        s = world.phrase(rng, spec)
    if rng.random() < 0.1:
        extra = ["cinematic", "shiny", "beautiful", "4k", "lovely"][rng.integers(5)]
        s = extra + " " + s if rng.random() < 0.5 else s + ", " + extra
    return s


def eval_specs(rng, n, n_obj, motions=None, camera_p=0.15):
    out = []
    for i in range(n):
        spec = world.random_spec(rng, n_obj=n_obj, distinct_colours=True, camera_p=camera_p)
        if motions is not None:
            spec.objects[0].motion = motions[i % len(motions)]
            if spec.objects[0].motion == "still":
                spec.objects[0].speed = None
        out.append(spec)
    return out


# ------------------------------------------------------------------ generation
def load(ckpt, engine="torch", threads=2):
    """(model, ae, checkpoint state) in eval mode, from the EMA weights (the ones the pack exports).
    engine 'ort': those weights exported as a pack's graphs and run in onnxruntime-node, the app's runtime
    (tools/ort_engine.py); the sampler and the scorers are the same."""
    from export import load_modules
    # imported here, not at the top: a training run's curve points reload this module against the
    # studio_model it started with, which may be older than this file (session 42 lost two points so)
    from studio_model.sampler import noise_share_of
    ae, model, st = load_modules(ckpt)
    model.noise_share = noise_share_of(st)
    if engine == "ort":
        from tools import ort_engine
        model, ae = ort_engine.from_modules(model, ae, threads)
    return model, ae, st


# --guidance: one guidance for every task; None: each task's own, as the pack's manifest gives them
GUIDANCE_ALL = None
# --noise-share: one starting-noise share for every generation; None: the model's own (noise_share_of its checkpoint)
NOISE_SHARE = None


def noise_share_for(model):
    """the starting-noise share generate() samples this model with: --noise-share, else the model's own"""
    return model.noise_share if NOISE_SHARE is None else NOISE_SHARE


class Skipped(Exception):
    """raised by generate() for the SKIP model: a task left out of --tasks draws its prompts and stops"""


# Stands in for the model of a task left out of --tasks. Every task draws all of its prompts from the
# shared stream before it generates anything, so skipping a task this way leaves the next task's prompts
# exactly those of a full run (which is what lets two processes share one evaluation).
SKIP = object()


def generate(model, ae, prompts, cond_frames=None, given=None, W=128, H=72, seed=0, batch=8,
             steps=STEPS, guidance=None, task="text-to-video", on_step=None):
    """prompts: list[str]; cond_frames: list of uint8 [T,H,W,3] clips (or None) holding the given frames at
    their positions; given: list of lists of frame indices given; task: the manifest's task name, which picks
    the guidance when none is given; on_step(first, i, t, x0): the sampler's on_step for the batch of prompts
    from index `first` on. Returns list of uint8 clips [T,H,W,3]."""
    if model is SKIP:
        raise Skipped
    if guidance is None:
        guidance = GUIDANCE_ALL if GUIDANCE_ALL is not None else guidance_for(task)
    outs = []
    h, w = H // 4, W // 4
    null = torch.zeros(1, MAX_TOKENS, dtype=torch.int64)
    for s in range(0, len(prompts), batch):
        ps = prompts[s:s + batch]
        B = len(ps)
        tok = model.tokens(ps)
        cond = torch.zeros(B, ae.cfg.channels, FRAMES, h, w)
        mask = torch.zeros(B, 1, FRAMES, h, w)
        for j in range(B):
            k = s + j
            if given is not None and given[k]:
                lat = encode_clip(ae.encoder, to_tensor(cond_frames[k])[None])[0]
                for f in given[k]:
                    cond[j, :, f] = lat[:, f]
                    mask[j, :, f] = 1
        g = torch.Generator().manual_seed(seed * 100003 + s)
        noise = start_noise(cond.shape, noise_share_for(model), g)
        lat = sample(model, tok, null.expand(B, -1), cond, mask, steps=steps, guidance=guidance, noise=noise,
                     on_step=None if on_step is None else (lambda i, t, x0, s=s: on_step(s, i, t, x0)))
        fr = decode_clip(ae.decoder, lat)
        outs += [to_u8(f) for f in fr]
    return outs


# ------------------------------------------------------------------ scorer
def background(spec: SceneSpec, W, H, tau0=0.0):
    return world.render(SceneSpec(scene=spec.scene, objects=[], camera=spec.camera), W, H, FRAMES, tau0=tau0)


def scene_of(clip, spec, W, H, tau0=0.0):
    """nearest scene by median absolute difference to each scene's background (same camera)."""
    best, bs = None, 1e9
    for s in SCENE_NAMES:
        bg = world.render(SceneSpec(scene=s, objects=[], camera=spec.camera), W, H, FRAMES, tau0=tau0)
        ad = np.abs(clip.astype(np.float32) - bg.astype(np.float32)).sum(-1)  # [T,H,W]
        d = np.median(ad[:, : int(0.4 * H)]) + np.median(ad[:, int(0.78 * H):])
        if d < bs:
            best, bs = s, d
    return best


def colour_masks(clip, bg, colour):
    """pixels that differ from the expected background and whose nearest palette colour is `colour`."""
    c = clip.astype(np.float32)
    diff = np.abs(c - bg.astype(np.float32)).sum(-1) > 30
    d = ((c[..., None, :] - PAL[None, None, None]) ** 2).sum(-1)  # [T,H,W,9]
    near = d.argmin(-1)
    ok = np.sqrt(d.min(-1)) < 70
    return diff & ok & (near == PAL_NAMES.index(colour))


def track(m, W, H):
    """m [T,H,W] bool -> area [T] (fraction of frame height^2), centre x,y (fractions, nan if empty)"""
    T = m.shape[0]
    area = m.reshape(T, -1).sum(1).astype(np.float64)
    ys, xs = np.arange(H)[:, None] + 0.5, np.arange(W)[None, :] + 0.5
    cx = np.where(area > 0, (m * xs).reshape(T, -1).sum(1) / np.maximum(area, 1) / W, np.nan)
    cy = np.where(area > 0, (m * ys).reshape(T, -1).sum(1) / np.maximum(area, 1) / H, np.nan)
    return area / (H * H), cx, cy


def _reversals(y, hyst=0.02):
    n, direction, ext = 0, 0, y[0]
    for v in y[1:]:
        if direction >= 0 and v < ext - hyst:
            if direction == 1:
                n += 1
            direction, ext = -1, v
        elif direction <= 0 and v > ext + hyst:
            if direction == -1:
                n += 1
            direction, ext = 1, v
        elif (direction == 1 and v > ext) or (direction == -1 and v < ext) or direction == 0:
            ext = v if direction != 0 else ext
    return n


def outline_change(m):
    """1 - IoU of each frame's mask [T,H,W] against the first frame's, [T]: how far a spinning outline has turned.
    A box looks the same after a quarter turn, so the world's (one turn a window) reads 0, 0.29, 0, ... every 2 frames"""
    inter = (m & m[0][None]).reshape(len(m), -1).sum(1)
    union = (m | m[0][None]).reshape(len(m), -1).sum(1)
    return 1 - inter / np.maximum(union, 1)


def motion_ok(o: ObjectSpec, gm, rm, W, H):
    """gm / rm: colour masks [T,H,W] of generated and reference clips for object o."""
    ga, gx, gy = track(gm, W, H)
    ra, rx, ry = track(rm, W, H)
    min_area = 3.0 / (H * H)
    rvis = ra > min_area
    vis = (ga > min_area) & rvis
    if rvis.sum() < 4:
        return bool((ga > min_area).sum() < 4), "reference not visible"
    if vis.sum() < max(3, 0.7 * rvis.sum()):
        return False, "not visible"
    i0 = int(np.argmax(vis))
    idx = np.where(vis)[0]
    gdx, gdy = gx[idx] - gx[i0], gy[idx] - gy[i0]
    rdx, rdy = rx[idx] - rx[i0], ry[idx] - ry[i0]
    gs = 0.5 * np.log(np.maximum(ga[idx], 1e-6) / max(ga[i0], 1e-6))
    rs = 0.5 * np.log(np.maximum(ra[idx], 1e-6) / max(ra[i0], 1e-6))
    m = o.motion
    if m == "bounce":
        rng_g, rng_r = np.ptp(gy[idx]), np.ptp(ry[idx])
        ok = rng_g >= 0.5 * rng_r and _reversals(gy[idx]) >= 2 and abs(gdx[-1] - rdx[-1]) < 0.1
        return ok, "bounce"
    if m == "orbit":
        ok = np.ptp(gx[idx]) >= 0.5 * np.ptp(rx[idx]) and np.ptp(gy[idx]) >= 0.5 * np.ptp(ry[idx])
        return ok, "orbit"
    if m == "spin" and o.shape in ("box", "triangle", "star"):
        still = np.abs(gdx - rdx).max() < 0.08 and np.abs(gdy - rdy).max() < 0.08
        change = outline_change(gm[idx]).max()  # idx[0] is i0: against the first frame the object is seen in
        return bool(still and change >= 0.15), "spin"
    scale_r = max(np.abs(rdx).max(), np.abs(rdy).max())
    tol = 0.06 + 0.2 * scale_r
    err = np.sqrt((gdx - rdx) ** 2 + (gdy - rdy) ** 2).mean()
    serr = np.abs(gs - rs).mean()
    ok = err < tol and serr < 0.15 + 0.2 * np.abs(rs).max()
    return bool(ok), f"track err {err:.3f} tol {tol:.3f} size err {serr:.3f}"


def colour_ok(gm, rm):
    """the object's colour drawn about as much as the world draws it: masks [T,H,W] of generated and reference"""
    ga, ra = gm.reshape(len(gm), -1).sum(1), rm.reshape(len(rm), -1).sum(1)
    return bool(ga.mean() >= 0.3 * ra.mean() and ga.mean() <= 3.0 * ra.mean() + 20)


def score_t2v(clip, spec, W, H, tau0=0.0):
    ref = world.render(spec, W, H, FRAMES, tau0=tau0)
    bg = background(spec, W, H, tau0)
    res = {"scene": scene_of(clip, spec, W, H, tau0) == spec.scene, "colour": [], "motion": []}
    for o in spec.objects:
        gm, rm = colour_masks(clip, bg, o.colour), colour_masks(ref, bg, o.colour)
        col_ok = colour_ok(gm, rm)
        res["colour"].append(col_ok)
        res["motion"].append(bool(motion_ok(o, gm, rm, W, H)[0]) if col_ok else False)
    res["all"] = bool(res["scene"] and all(res["colour"]) and all(res["motion"]))
    return res


def psnr(a, b):
    mse = ((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean()
    return 99.0 if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)


def frame_changes(clip):
    c = clip.astype(np.float32)
    return np.abs(c[1:] - c[:-1]).mean(axis=(1, 2, 3))


def seam_ok(clip, seam):
    """seam: index of the first new frame. change across seam <= 1.5 x median change (floor 1 level)."""
    ch = frame_changes(clip)
    med = np.median(ch)
    return bool(ch[seam - 1] <= max(1.5 * med, 1.0)), float(ch[seam - 1]), float(med)


# ------------------------------------------------------------------ tasks
def t2v_prompts(rng, n1, n2):
    specs = eval_specs(rng, n1, 1, motions=world.MOTIONS) + eval_specs(rng, n2, 2)
    return specs, [person_prompt(rng, s) for s in specs]


def run_t2v(model, ae, rng, n1, n2, seed, W=128, H=72):
    specs, prompts = t2v_prompts(rng, n1, n2)
    clips = generate(model, ae, prompts, seed=seed, W=W, H=H)
    rows = []
    for p, s, c in zip(prompts, specs, clips):
        r = score_t2v(c, s, W, H)
        rows.append({"prompt": p, "n_obj": len(s.objects), "motions": [o.motion for o in s.objects], **r})
    return rows


def summarize_t2v(rows):
    out = {}
    for n in (1, 2):
        rs = [r for r in rows if r["n_obj"] == n]
        if not rs:
            continue
        d = {"n": len(rs), "all": np.mean([r["all"] for r in rs]), "scene": np.mean([r["scene"] for r in rs]),
             "colour": np.mean([all(r["colour"]) for r in rs]), "motion": np.mean([all(r["motion"]) for r in rs])}
        per = defaultdict(list)
        for r in rs:
            for m, ok, cok in zip(r["motions"], r["motion"], r["colour"]):
                per[m].append(ok)
        d["motion_per_kind"] = {m: round(float(np.mean(v)), 3) for m, v in sorted(per.items())}
        out[f"{n}_object"] = {k: (round(float(v), 3) if not isinstance(v, dict) else v) for k, v in d.items()}
    return out


def quick_eval(model, ae, n=30, seed=1234):
    """small text-to-video eval used for the learning curve."""
    was = model.training
    model.eval()
    rng = np.random.default_rng(seed)
    rows = run_t2v(model, ae, rng, int(n * 2 / 3), n - int(n * 2 / 3), seed)
    model.train(was)
    s = summarize_t2v(rows)
    return {k: {kk: vv for kk, vv in v.items() if kk != "motion_per_kind"} for k, v in s.items()}


def i2v_prompts(rng, n):
    specs = eval_specs(rng, n, 1, motions=[m for m in world.MOTIONS if m != "still"], camera_p=0.0)
    return specs, [person_prompt(rng, s) for s in specs]


def run_i2v(model, ae, rng, n, seed, W=128, H=72):
    specs, prompts = i2v_prompts(rng, n)
    refs = [world.render(s, W, H, FRAMES) for s in specs]
    clips = generate(model, ae, prompts, cond_frames=refs, given=[[0]] * n, seed=seed, W=W, H=H, task="image-to-video")
    rows = []
    for p, s, c, r in zip(prompts, specs, clips, refs):
        ps = psnr(c[0], r[0])
        bg = background(s, W, H)
        o = s.objects[0]
        mok = motion_ok(o, colour_masks(c, bg, o.colour), colour_masks(r, bg, o.colour), W, H)[0]
        rows.append({"prompt": p, "motion_kind": o.motion, "psnr_first": round(ps, 2), "first_ok": ps >= 28,
                     "motion": bool(mok), "all": bool(ps >= 28 and mok)})
    return rows


def score_conflict(clip, spec, W, H):
    """image-to-video where the prompt names another scene than the picture's: the picture is the truth,
    so the clip must stay in the picture's scene (and frame 2 near the picture's frame 2)."""
    ref = world.render(spec, W, H, FRAMES)
    return {"scene_kept": scene_of(clip, spec, W, H) == spec.scene, "psnr_second": round(psnr(clip[1], ref[1]), 2)}


def run_i2v_conflict(model, ae, rng, n, seed, W=128, H=72):
    """A person who drops a picture often describes it loosely or wrongly. Pack 0.3.0 kept the picture
    as frame 1 and switched to the prompt's scene from frame 2 on (14.8 dB)."""
    specs = eval_specs(rng, n, 1, motions=[m for m in world.MOTIONS if m != "still"], camera_p=0.0)
    told = [SceneSpec(scene=world.other_scene(rng, s.scene), objects=s.objects, camera=None) for s in specs]
    prompts = [person_prompt(rng, t) for t in told]
    refs = [world.render(s, W, H, FRAMES) for s in specs]
    clips = generate(model, ae, prompts, cond_frames=refs, given=[[0]] * n, seed=seed, W=W, H=H, task="image-to-video")
    rows = []
    for p, s, t, c in zip(prompts, specs, told, clips):
        r = score_conflict(c, s, W, H)
        rows.append({"prompt": p, "picture_scene": s.scene, "prompt_scene": t.scene, **r, "all": r["scene_kept"]})
    return rows


def extend_clips(model, ae, specs, prompts, seed, k, backward=False, W=128, H=72, guidance=None, steps=STEPS,
                 on_step=None):
    """Extensions of the world's clips at tau 0 by k given frames: the new window's tau0, the world's clips
    of it (the references) and the generated ones. Forward the window starts at tau0 = (16-k)/16 of the
    previous clip; backward it ends where that one began, so its given frames are its last k.
    tools/motion_track.py --backward and tools/first_token.py set up their probes here too (steps and on_step
    as generate's)."""
    tau_new = (FRAMES - k) / FRAMES if not backward else -(FRAMES - k) / FRAMES
    refs = [world.render(s, W, H, FRAMES, tau0=tau_new) for s in specs]
    given = list(range(k)) if not backward else list(range(FRAMES - k, FRAMES))
    clips = generate(model, ae, prompts, cond_frames=refs, given=[given] * len(specs), seed=seed, W=W, H=H,
                     guidance=guidance, task="extend-backward" if backward else "extend-forward", steps=steps,
                     on_step=on_step)
    return tau_new, refs, clips


def run_extend(model, ae, rng, n, seed, k, backward=False, W=128, H=72):
    mot = ["left", "right", "up", "down", "bounce", "spin", "grow", "shrink", "orbit", "still"] + ([] if backward else ["fall"])
    specs = eval_specs(rng, n, 1, motions=mot, camera_p=0.0)
    prompts = [person_prompt(rng, s) for s in specs]
    tau_new, refs, clips = extend_clips(model, ae, specs, prompts, seed, k, backward, W, H)
    rows = []
    for p, s, c, r in zip(prompts, specs, clips, refs):
        seam = k if not backward else FRAMES - k
        sok, jump, med = seam_ok(c, seam)
        bg = background(s, W, H, tau_new)
        o = s.objects[0]
        mok = motion_ok(o, colour_masks(c, bg, o.colour), colour_masks(r, bg, o.colour), W, H)[0]
        rows.append({"prompt": p, "motion_kind": o.motion, "seam_ok": sok, "jump": round(jump, 2), "median": round(med, 2),
                     "motion": bool(mok), "all": bool(sok and mok)})
    return rows


def run_chain(model, ae, rng, n, seed, k, links=5, W=128, H=72):
    specs = eval_specs(rng, n, 1, motions=["still", "spin", "bounce", "orbit"], camera_p=0.0)
    prompts = [person_prompt(rng, s) for s in specs]
    clips = generate(model, ae, prompts, seed=seed, W=W, H=H)
    chains = [[c] for c in clips]
    for li in range(links):
        conds = []
        for ch in chains:
            cf = np.zeros_like(ch[-1])
            cf[:k] = ch[-1][FRAMES - k:]
            conds.append(cf)
        new = generate(model, ae, prompts, cond_frames=conds, given=[list(range(k))] * n, seed=seed + 7 + li, W=W, H=H,
                       task="extend-forward")
        for ch, c in zip(chains, new):
            ch.append(c)
    rows = []
    for p, s, ch in zip(prompts, specs, chains):
        o = s.objects[0]
        bg = background(s, W, H)

        def stats(c):
            m = colour_masks(c, bg, o.colour)
            obj = np.abs(c.astype(np.float32) - bg.astype(np.float32)).sum(-1) > 30
            bgm = c[~obj].astype(np.float32).mean(0) if (~obj).any() else np.zeros(3)
            return bgm, math.sqrt(max(m.reshape(FRAMES, -1).sum(1).mean(), 0))

        b0, s0 = stats(ch[0])
        bl, sl = stats(ch[-1])
        seams = [seam_ok(c, k)[0] for c in ch[1:]]
        bg_ok = bool(np.abs(bl - b0).max() <= 4.0)
        size_ok = bool(s0 > 0 and abs(sl - s0) / s0 <= 0.15)
        rows.append({"prompt": p, "motion_kind": o.motion, "bg_ok": bg_ok, "bg_drift": round(float(np.abs(bl - b0).max()), 2),
                     "size_ok": size_ok, "seams_ok": bool(all(seams)), "all": bool(bg_ok and size_ok and all(seams))})
    return rows


def run_infill(model, ae, rng, n, seed, W=128, H=72):
    specs = eval_specs(rng, n, 1, motions=["right", "left"], camera_p=0.0)
    for s in specs:
        s.objects[0].speed = None
        s.objects[0].position = None
    prompts = [person_prompt(rng, s) for s in specs]
    refs = [world.render(s, W, H, FRAMES) for s in specs]
    clips = generate(model, ae, prompts, cond_frames=refs, given=[[0, FRAMES - 1]] * n, seed=seed, W=W, H=H, task="infill")
    rows = []
    for p, s, c, r in zip(prompts, specs, clips, refs):
        p0, p1 = psnr(c[0], r[0]), psnr(c[-1], r[-1])
        o = s.objects[0]
        bg = background(s, W, H)
        _, cx, _ = track(colour_masks(c, bg, o.colour), W, H)
        mid = cx[FRAMES // 2]
        mid_ok = bool(not np.isnan(mid) and 1 / 3 <= mid <= 2 / 3)
        rows.append({"prompt": p, "psnr_first": round(p0, 2), "psnr_last": round(p1, 2), "ends_ok": bool(p0 >= 28 and p1 >= 28),
                     "middle_x": None if np.isnan(mid) else round(float(mid), 3), "middle_ok": mid_ok,
                     "all": bool(p0 >= 28 and p1 >= 28 and mid_ok)})
    return rows


def frac(rows, key="all"):
    return round(float(np.mean([r[key] for r in rows])), 3) if rows else None


def per_kind(rows, key="all"):
    d = defaultdict(list)
    for r in rows:
        d[r["motion_kind"]].append(r[key])
    return {k: round(float(np.mean(v)), 3) for k, v in sorted(d.items())}


def summarize_ext(rows, k):
    return {"n": len(rows), "overlap": k, "all": frac(rows), "seam": frac(rows, "seam_ok"), "motion": frac(rows, "motion"),
            "motion_per_kind": per_kind(rows, "motion")}


def summarize_conflict(rows):
    return {"n": len(rows), "scene_kept": frac(rows, "scene_kept"),
            "mean_second_psnr": round(float(np.mean([r["psnr_second"] for r in rows])), 2) if rows else None}


def arg_parser():
    """the evaluation's options; tools that redraw its prompts (tools/backward_fails.py) take their counts from here"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "checkpoints", "world-s.pt"))
    ap.add_argument("--out", default=os.path.join(HERE, "runs", "eval.json"))
    ap.add_argument("--manifest", default=None)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--n1", type=int, default=88)
    ap.add_argument("--n2", type=int, default=56)
    ap.add_argument("--n-i2v", type=int, default=24)
    ap.add_argument("--n-ext", type=int, default=16)
    ap.add_argument("--n-chain", type=int, default=12,
                    help="chained extensions: the first 4 from the main stream (all there was before pack 0.7.0, "
                         "when one prompt moved the row 25 points), the rest from their own")
    ap.add_argument("--n-infill", type=int, default=16)
    ap.add_argument("--n-square", type=int, default=8)
    ap.add_argument("--n-conflict", type=int, default=16)
    ap.add_argument("--overlap", type=int, default=None,
                    help="frames an extension is given (default: the pack's, nets.extend_overlap)")
    ap.add_argument("--only", choices=["i2v_conflict", "chain_more"], default=None,
                    help="run one task alone (its prompts are drawn from their own seed, so they match the full run)")
    ap.add_argument("--tasks", default=",".join(TASKS),
                    help="comma-separated subset of " + ",".join(TASKS) + ": the same prompts as in a full run; "
                         "writes only the rows to --out, for --merge (two processes of 1 thread took 1,750 s against one of "
                         "2 threads' 1,784: no real gain; it is for running some tasks alone on the full run's prompts)")
    ap.add_argument("--merge", nargs="+", default=None, help="row files of --tasks runs: score them together")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engine", choices=["torch", "ort"], default="torch",
                    help="where the graphs run: PyTorch, or onnxruntime-node as in the app (the checkpoint exported "
                         "as a pack's graphs; the same scores to within a pixel level, several times faster)")
    ap.add_argument("--guidance", type=float, default=None,
                    help="one sampler guidance for every task (default: the pack's, per task)")
    ap.add_argument("--noise-share", type=float, default=None,
                    help="another starting-noise share than the checkpoint's (sampler.start_noise; default: that of its "
                         "last DiT session, 0 before session 42)")
    return ap


def main():
    args = arg_parser().parse_args()
    if args.noise_share is not None and not 0 <= args.noise_share < 1:
        sys.exit(f"--noise-share is a share of the noise, in [0, 1), not {args.noise_share}")
    torch.set_num_threads(args.threads)
    global GUIDANCE_ALL, NOISE_SHARE
    GUIDANCE_ALL = args.guidance
    NOISE_SHARE = args.noise_share
    t0 = time.time()
    if args.merge:
        parts = []
        for fn in args.merge:
            with open(fn) as f:
                parts.append(json.load(f))
        res = {t: r for p in parts for t, r in p["rows"].items()}
        missing = [t for t in TASKS if t not in res]
        if missing:
            sys.exit(f"--merge: no rows for {', '.join(missing)}; run evaluate.py --tasks with them too")
        if len({(p["overlap"], p["seed"], p["guidance_all"], p["samples"], p.get("engine", "torch"),
                 p.get("noise_share", 0.0)) for p in parts}) != 1:
            sys.exit("--merge: the parts were run with different checkpoints, seeds, guidance, overlaps, engines or noise shares")
        p0 = parts[0]
        write(args, summarize(res, p0["overlap"], p0["seed"], p0["guidance_all"], max(p["eval_wall_s"] for p in parts),
                              p0["samples"], p0.get("engine", "torch"), p0.get("noise_share", 0.0)), res, p0["guidance_all"])
        return
    model, ae, st = load(args.ckpt, args.engine, args.threads)
    share = noise_share_for(model)
    k = args.overlap or extend_overlap(model.cfg)
    samples = st.get("stages", {}).get("dit", {}).get("samples")
    if args.only == "i2v_conflict":
        rows = run_conflict(model, ae, args)
        print(json.dumps({"i2v_conflict": summarize_conflict(rows), "rows": rows}, indent=1))
        return
    if args.only == "chain_more":
        rows = run_chain_more(model, ae, args, k)
        print(json.dumps({"chain_more": {k: frac(rows, k) for k in ("all", "bg_ok", "size_ok", "seams_ok")}, "rows": rows}, indent=1))
        return
    chosen = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TASKS]
    if unknown:
        sys.exit(f"--tasks: unknown {', '.join(unknown)} (choose from {', '.join(TASKS)})")
    res = run_tasks(model, ae, args, k, chosen)
    if set(chosen) != set(TASKS):
        save_json(args.out, {"rows": res, "overlap": k, "seed": args.seed, "guidance_all": args.guidance,
                             "samples": samples, "engine": args.engine, "noise_share": share,
                             "eval_wall_s": round(time.time() - t0, 1)})
        print(json.dumps({t: frac(r) for t, r in res.items()}))
        return
    write(args, summarize(res, k, args.seed, args.guidance, round(time.time() - t0, 1), samples, args.engine, share), res,
          args.guidance)


def run_conflict(model, ae, args):
    """its own stream, so adding it left every other task's prompts as they were"""
    return run_i2v_conflict(model, ae, np.random.default_rng(args.seed + 7), args.n_conflict, args.seed + 7)


def run_chain_more(model, ae, args, k):
    """the chained prompts past the first 4, from their own stream too (so the other tasks' prompts stayed)"""
    return run_chain(model, ae, np.random.default_rng(args.seed + 8), max(args.n_chain - 4, 0), args.seed + 8, k)


def run_tasks(model, ae, args, k, chosen):
    """the rows of the chosen tasks, each on the prompts it has in a full run"""
    rng = np.random.default_rng(args.seed)
    # in this order: each task after the first draws its prompts where the one before stopped
    runs = {
        "t2v": lambda m: run_t2v(m, ae, rng, args.n1, args.n2, args.seed),
        "t2v_square": lambda m: run_t2v(m, ae, rng, args.n_square, 0, args.seed + 5, W=72, H=72),
        "i2v": lambda m: run_i2v(m, ae, rng, args.n_i2v, args.seed + 1),
        "extend_forward": lambda m: run_extend(m, ae, rng, args.n_ext, args.seed + 2, k),
        "extend_backward": lambda m: run_extend(m, ae, rng, args.n_ext, args.seed + 3, k, backward=True),
        "chained_extension": lambda m: run_chain(m, ae, rng, min(args.n_chain, 4), args.seed + 4, k) + run_chain_more(m, ae, args, k),
        "infill": lambda m: run_infill(m, ae, rng, args.n_infill, args.seed + 6),
        "i2v_conflict": lambda m: run_conflict(m, ae, args),
    }
    assert list(runs) == TASKS
    res = {}
    for t, run in runs.items():
        if t in chosen:
            res[t] = run(model)
        else:
            try:
                run(SKIP)
            except Skipped:
                pass
    return res


TASKS = ["t2v", "t2v_square", "i2v", "extend_forward", "extend_backward", "chained_extension", "infill", "i2v_conflict"]


def summarize(res, k, seed, guidance_all, wall, samples, engine="torch", noise_share=0.0):
    """the scores of a full set of task rows; guidance_all: the --guidance used for every task, None: the pack's;
    noise_share: the starting-noise share the clips were sampled with"""
    n_prompts = sum(len(v) for v in res.values())
    return {
        "prompts": n_prompts,
        "text_to_video": summarize_t2v(res["t2v"]),
        "text_to_video_1x1": summarize_t2v(res["t2v_square"]),
        "image_to_video": {"n": len(res["i2v"]), "all": frac(res["i2v"]), "first_frame_28db": frac(res["i2v"], "first_ok"),
                           "motion": frac(res["i2v"], "motion"), "motion_per_kind": per_kind(res["i2v"], "motion"),
                           "mean_first_psnr": round(float(np.mean([r["psnr_first"] for r in res["i2v"]])), 2)},
        "extend_forward": summarize_ext(res["extend_forward"], k),
        "extend_backward": summarize_ext(res["extend_backward"], k),
        "chained_extension": {"n": len(res["chained_extension"]), "links": 5, "overlap": k, "all": frac(res["chained_extension"]),
                              "background": frac(res["chained_extension"], "bg_ok"), "size": frac(res["chained_extension"], "size_ok"),
                              "seams": frac(res["chained_extension"], "seams_ok")},
        "infill": {"n": len(res["infill"]), "all": frac(res["infill"]), "ends_28db": frac(res["infill"], "ends_ok"),
                   "passes_middle": frac(res["infill"], "middle_ok")},
        "i2v_conflicting_prompt": summarize_conflict(res["i2v_conflict"]),
        "floors": {"t2v_1_object": 0.6, "t2v_2_object": 0.4}, "targets": {"t2v_1_object": 0.9, "t2v_2_object": 0.75},
        "sampler": {"steps": STEPS, "guidance": GUIDANCE if guidance_all is None else guidance_all,
                    "task_guidance": TASK_GUIDANCE if guidance_all is None else {}, "noise_share": noise_share}, "seed": seed,
        "eval_wall_s": wall, "engine": engine,
        "checkpoint_samples_seen": samples,
    }


def save_json(path, obj):
    """rows and scores files (numpy scalars as numbers)"""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, default=lambda x: x.item() if hasattr(x, "item") else str(x))


def write(args, scores, res, guidance_all):
    save_json(args.out, {"scores": scores, "rows": res})
    print(json.dumps(scores, indent=1))
    if args.manifest:
        with open(args.manifest) as f:
            man = json.load(f)
        man["evaluation"] = {"command": "python3 model/evaluate.py --manifest "
                                        "resources/models/world-s/manifest.json" + (f" --seed {scores['seed']}")
                                        + (f" --guidance {guidance_all}" if guidance_all is not None else "")
                                        + (" --engine ort" if scores.get("engine") == "ort" else "")
                                        + (f" --noise-share {args.noise_share}" if args.noise_share is not None else ""),
                             "scorer": "model/evaluate.py (written from shared/WORLD.md)", "scores": scores}
        tmp = args.manifest + ".tmp"
        with open(tmp, "w") as f:
            json.dump(man, f, indent=2)
        os.replace(tmp, args.manifest)


if __name__ == "__main__":
    main()
