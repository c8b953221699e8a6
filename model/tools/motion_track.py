"""Where does a motion go wrong? The object's track in generated clips against the world's own clip.

  /usr/bin/python3 model/tools/motion_track.py --ckpt model/checkpoints/world-s.pt --motions left right up --n 3

For each prompt it prints the evaluation's verdict (`evaluate.motion_ok`, with its reason) and the
object's centre x, y and area (thousandths of height^2) at frames 0, 5, 10 and 15, for the reference
clip and the generated one. The scores say only "motion wrong"; this says how: pack 0.6.0 puts an
object that should travel left in the middle of the frame, where a still one would be, and draws it
several times too big (session 9).

  /usr/bin/python3 model/tools/motion_track.py --ckpt CKPT --layout --n 4

--layout asks instead what the model makes of the words left and right, which name three things in
WORLD.md: a motion ("moves right": the object travels right), a camera pan ("the camera pans right": a
still object travels left in the frame) and a position ("on the right": it stays at x = 0.75). For each
reading it prints the object's mean centre x at the first and last frame and its travel, generated
against the world's. Pack 0.8.0 put the object near x = 0.5 in every case and moved it about the same
small way whichever reading the prompt meant (session 12).

  /usr/bin/python3 model/tools/motion_track.py --ckpt CKPT --speeds --n 6

--speeds asks whether a travel fails for its length on the token grid or for its word: left, right, up
and down at each speed word, the mean travel (x, y) generated against the world's, and how many the
evaluation calls right. "slowly moves right" crosses the same number of tokens per time slice as
"moves up"; pack 0.9.0 moved up 0.23 of the height (world 0.37) and slowly right 0.05 the wrong way
(world 0.23), so it is the word (session 13: 6 prompts per row, in this mode's first form, whose seeds
differed).

  /usr/bin/python3 model/tools/motion_track.py --ckpt CKPT --speeds --n 2 --guidance 3

--guidance samples every probe at another guidance than the pack's (as `evaluate.py --guidance`).

  /usr/bin/python3 model/tools/motion_track.py --engine ort --ckpt CKPT --backward --motions right --n 2 --every-frame

--every-frame prints the tracks at all sixteen frames rather than at frames 0, 5, 10 and 15: session 49
found the backward right-goers wrong in frames 0-3 alone (the first temporal token), which the four
shown frames hide.

  /usr/bin/python3 model/tools/motion_track.py --ckpt CKPT --pairs

--pairs asks what happens to the travels beside a second object: a red ball and a blue box with the
motions of PAIRS, each object's travel (x, y) from its first to its last seen frame, generated against
the world's. Pack 0.11.0 moved neither object in any pair with a sideways travel (session 21): it draws
two objects but not which of them goes where. It also prints where each object is first seen, world ->
generated: 0.12.0 starts the first object named near x = 0.3 and the second near 0.7 whatever their
motions, where the world starts a travel from a place that depends on it (a first object that goes left
starts at 0.65, right of the second, and the two cross), so a travel from there would leave the frame
(session 23).

  /usr/bin/python3 model/tools/motion_track.py --ckpt CKPT --seams --n 6

--seams asks whether an object's size jumps where two time slices of tokens meet: for one-object clips
whose object keeps its size in the world (travels, bounce, spin, still), the mean |log| change of its
area from each frame to the next, across a token boundary (every patch_t frames) and inside a token.
The world's is zero; 0.12.0's was 0.18 across and 0.10 inside (session 23; DiTConfig.seam_out).

  /usr/bin/python3 model/tools/motion_track.py --engine ort --ckpt CKPT --backward --motions left right up down --n 3

--backward asks the same of backward extensions, set up as the evaluation's (`evaluate.extend_clips`): the
model is given the world's clip's first frames (its last `extend_overlap` frames of a window at tau0 =
-10/16) and draws the frames before them. The world's travels are straight lines, so before tau 0 an
object going left comes in from the right edge (on the ground, up and down stop at the ground); falls are
left out, as the evaluation leaves them (the world's fall rises again before tau 0). Pack 0.28.0 follows the
world's track from about frame 5, but in the first frames, where the world's object is still off the canvas,
draws it whole near the opposite edge, as if the travel wrapped round (session 47).

  /usr/bin/python3 model/tools/motion_track.py --engine ort --ckpt CKPT --spins --n 4

--spins asks how far spinning boxes, triangles and stars turn: 1 - IoU of the object's mask against frame 0
(`evaluate.outline_change`, what `motion_ok` asks to reach 0.15), at every other frame, world against generated.
The world turns a spinning object once a window, 22.5 degrees a frame; a box looks the same after a quarter
turn, so its outline comes back every 4 frames, one time slice of tokens: the world's box reads 0, 0.29, 0, 0.29,
... 0.33.0 and runs 60-61 draw boxes that creep, 0.03-0.09 in the mean of 4 prompts (session 61).

  /usr/bin/python3 model/tools/motion_track.py --ckpt CKPT --spins --denoised --n 4

--spins --denoised asks whether the denoiser can keep a turn it is shown: the world's clip, through the
autoencoder and noised to t = 1, 0.8, ... 0.2, and the outline of the DiT's x0 prediction at each t (PyTorch
only: it calls the denoiser once, not the sampler). 0.33.0 keeps 0.11 / 0.05 of the box's 0.29 / 0 even at
t = 0.2, where the noise hides almost nothing, while the autoencoder alone keeps 0.28: the turn is lost in the
denoiser, not in the sampler or the decoder (session 62; train.py --object-temporal-weight 0.5 for 20 minutes,
run 62b, did not bring it back).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

import evaluate as ev  # noqa: E402
from studio_model import world  # noqa: E402
from studio_model.nets import extend_overlap  # noqa: E402

W, H = 128, 72
SHOWN = [0, 5, 10, 15]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--motions", nargs="+", default=["left", "right", "up", "down", "fall"], choices=world.MOTIONS)
    ap.add_argument("--n", type=int, default=4, help="prompts per motion")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--layout", action="store_true", help="the readings of left and right: motion, pan, position")
    ap.add_argument("--speeds", action="store_true", help="left, right, up and down at each speed: travel and verdict")
    ap.add_argument("--pairs", action="store_true", help="two objects with two motions: each one's travel")
    ap.add_argument("--seams", action="store_true", help="the object's size change across token boundaries and inside tokens")
    ap.add_argument("--spins", action="store_true", help="spinning boxes, triangles and stars: how far the outline turns, frame by frame")
    ap.add_argument("--denoised", action="store_true",
                    help="with --spins: the denoiser's x0 prediction of the world's clip noised to t = 1 ... 0.2, not the sampler's clip")
    ap.add_argument("--every-frame", action="store_true", help="print the tracks at every frame, not only at frames 0, 5, 10 and 15")
    ap.add_argument("--backward", action="store_true", help="backward extensions (as evaluate.run_extend) instead of text-to-video")
    ap.add_argument("--guidance", type=float, default=None,
                    help="the sampler's guidance for every probe (default: the pack's); does guidance change how far objects travel?")
    ap.add_argument("--engine", choices=["torch", "ort"], default="torch",
                    help="where the graphs run (evaluate.py --engine): ort is onnxruntime-node, as in the app")
    args = ap.parse_args()
    if args.denoised and not (args.spins and args.engine == "torch"):
        ap.error("--denoised reads the denoiser's prediction of a spinning object: use it with --spins and --engine torch")
    torch.set_num_threads(args.threads)
    model, ae, st = ev.load(args.ckpt, args.engine, args.threads)
    if args.layout:
        return layout(model, ae, args)
    if args.speeds:
        return speeds(model, ae, args)
    if args.pairs:
        return pairs(model, ae, args)
    if args.seams:
        return seams(model, ae, args, st["dit_cfg"]["patch_t"])
    if args.spins:
        return spins(model, ae, args)
    rng = np.random.default_rng(args.seed)
    motions = [m for m in args.motions if not (args.backward and m == "fall")]
    specs = ev.eval_specs(rng, args.n * len(motions), 1, motions=motions, camera_p=0.0)
    prompts = [ev.person_prompt(rng, s) for s in specs]
    tau0 = 0.0
    if args.backward:
        tau0, _, clips = ev.extend_clips(model, ae, specs, prompts, args.seed, extend_overlap(model.cfg), backward=True,
                                         W=W, H=H, guidance=args.guidance)
    else:
        clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed, guidance=args.guidance)
    shown = list(range(ev.FRAMES)) if args.every_frame else SHOWN
    right = 0
    for prompt, spec, clip in zip(prompts, specs, clips):
        o = spec.objects[0]
        rm, gm = object_masks(spec, clip, tau0=tau0)
        ok, why = ev.motion_ok(o, gm, rm, W, H)
        right += bool(ok)
        print(f"{o.motion} {o.speed or ''} {'right' if ok else 'WRONG'} ({why}) | {prompt}")
        for name, m in (("reference", rm), ("generated", gm)):
            a, x, y = ev.track(m, W, H)
            print(f"  {name:9s} x {np.round(x[shown], 2)} y {np.round(y[shown], 2)} area {np.round(a[shown] * 1000, 1)}")
    print(f"motion right in {right} of {len(prompts)}")


# (label, motion, position, camera): one still or travelling ball per case
LAYOUT_CASES = [("moves right", "right", None, None), ("moves left", "left", None, None),
                ("camera pans right", "still", None, "pan_right"), ("camera pans left", "still", None, "pan_left"),
                ("on the right", "still", "right", None), ("on the left", "still", "left", None)]


def object_masks(spec, clip, k=0, tau0=0.0):
    """the k-th object's colour masks [T,H,W] in the world's clip (the window from tau0) and in the generated one"""
    o = spec.objects[k]
    bg = ev.background(spec, W, H, tau0)
    ref = world.render(spec, W, H, ev.FRAMES, tau0=tau0)
    return ev.colour_masks(ref, bg, o.colour), ev.colour_masks(clip, bg, o.colour)


def ends(m):
    """[[x, y] at the first frame the object is seen in, [x, y] at the last]; nan where seen in fewer than 2"""
    _, x, y = ev.track(m, W, H)
    seen = np.where(~np.isnan(x))[0]
    if len(seen) < 2:
        return np.full((2, 2), np.nan)
    return np.array([[x[seen[0]], y[seen[0]]], [x[seen[-1]], y[seen[-1]]]])


def probe_spec(k, scene, camera=None, shape=None, **obj):
    """the k-th prompt of a probe's row: one object of the k-th shape (or `shape`) and colour, in the scene-th scene"""
    o = world.ObjectSpec(shape=shape or world.SHAPES[k % len(world.SHAPES)], colour=world.COLOURS[(3 * k + 1) % len(world.COLOURS)], **obj)
    return world.SceneSpec(scene=world.SCENE_NAMES[scene % len(world.SCENE_NAMES)], objects=[o], camera=camera)


def layout(model, ae, args):
    rng = np.random.default_rng(args.seed)
    specs, labels = [], []
    for label, motion, position, camera in LAYOUT_CASES:
        for k in range(args.n):
            specs.append(probe_spec(k, k, camera=camera, motion=motion, position=position))
            labels.append(label)
    prompts = [world.phrase(rng, s) for s in specs]
    clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed, guidance=args.guidance)
    rows = {}
    for label, spec, clip in zip(labels, specs, clips):
        rows.setdefault(label, []).append([tuple(ends(m)[:, 0]) for m in object_masks(spec, clip)])
    print(f"{'prompt says':18s} {'reference x first -> last (travel)':36s} generated x first -> last (travel)")
    for label, _, _, _ in LAYOUT_CASES:
        r = np.array(rows[label], dtype=np.float64)  # [n, ref/gen, first/last]
        cells = []
        for j in (0, 1):
            a, b = np.nanmean(r[:, j, 0]), np.nanmean(r[:, j, 1])
            cells.append(f"{a:.2f} -> {b:.2f} ({b - a:+.2f})")
        print(f"{label:18s} {cells[0]:36s} {cells[1]}  [{args.n} prompts]")


def speeds(model, ae, args):
    cases = [(m, s) for m in ("right", "left", "up", "down") for s in ("slowly", None, "quickly")]
    rng = np.random.default_rng(args.seed)
    specs = []
    for motion, speed in cases:
        specs += [probe_spec(k, k + 2, motion=motion, speed=speed) for k in range(args.n)]
    prompts = [world.phrase(rng, s) for s in specs]
    clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed, guidance=args.guidance)
    rows = {}
    for spec, clip in zip(specs, clips):
        o = spec.objects[0]
        rm, gm = object_masks(spec, clip)
        travel = [tuple(e[1] - e[0]) for e in (ends(rm), ends(gm))]  # (x, y) last minus first
        ok, _ = ev.motion_ok(o, gm, rm, W, H)
        rows.setdefault((o.motion, o.speed), []).append((travel, bool(ok)))
    print(f"{'motion':7s}{'speed':9s}travel x, y: world     generated     right")
    for motion, speed in cases:
        r = rows[(motion, speed)]
        t = np.array([tr for tr, _ in r], dtype=np.float64)  # [n, world/generated, x/y]
        w, g = np.nanmean(t[:, 0], axis=0), np.nanmean(t[:, 1], axis=0)
        print(f"{motion:7s}{speed or '':9s}{w[0]:+.2f} {w[1]:+.2f}    {g[0]:+.2f} {g[1]:+.2f}    "
              f"{sum(ok for _, ok in r)}/{len(r)}")


# the first object's motion, the second's: opposite travels, a travel beside a still or spinning object
PAIRS = [("left", "right"), ("right", "left"), ("left", "still"), ("still", "right"), ("up", "down"), ("right", "spin")]


def pairs(model, ae, args):
    rng = np.random.default_rng(args.seed)
    specs = [world.SceneSpec(scene=world.SCENE_NAMES[k % len(world.SCENE_NAMES)],
                             objects=[world.ObjectSpec(shape="ball", colour="red", motion=a),
                                      world.ObjectSpec(shape="box", colour="blue", motion=b)])
             for k, (a, b) in enumerate(PAIRS)]
    prompts = [world.phrase(rng, s) for s in specs]
    clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed, guidance=args.guidance)
    print("travel x, y (last seen minus first seen frame) and first seen x: world -> generated, per object")
    for prompt, spec, clip in zip(prompts, specs, clips):
        cells = []
        for k, o in enumerate(spec.objects):
            (w0, w1), (g0, g1) = (ends(m) for m in object_masks(spec, clip, k))
            w, g = w1 - w0, g1 - g0
            cells.append(f"{o.colour} {o.motion:6s} {w[0]:+.2f} {w[1]:+.2f} -> {g[0]:+.2f} {g[1]:+.2f} "
                         f"from x {w0[0]:.2f} -> {g0[0]:.2f}")
        print(" | ".join(cells) + f"   ({prompt})")


# motions whose object keeps its size in the world, and so whose area should not change from frame to frame
SIZE_KEEPING = ["left", "right", "up", "down", "bounce", "spin", "still"]


def seams(model, ae, args, patch_t):
    specs = [probe_spec(k, k + 1, motion=m) for m in SIZE_KEEPING for k in range(args.n)]
    rng = np.random.default_rng(args.seed)
    prompts = [world.phrase(rng, s) for s in specs]
    clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed, guidance=args.guidance)
    jumps = []
    for spec, clip in zip(specs, clips):
        rm, gm = object_masks(spec, clip)
        ra, ga = rm.reshape(ev.FRAMES, -1).sum(1), gm.reshape(ev.FRAMES, -1).sum(1)
        if (ra < 4).any() or (ga < 4).any():
            continue  # leaves the frame in the world's clip, or not drawn: its area says nothing of seams
        jumps.append(np.abs(np.diff(np.log(ga))))
    if not jumps:
        raise SystemExit("--seams: no clip drew its object in every frame")
    j = np.mean(jumps, axis=0)  # [FRAMES - 1]: frame i to frame i + 1
    boundary = (np.arange(1, ev.FRAMES) % patch_t) == 0
    print(f"|log area change| from each frame to the next ({len(jumps)} clips; token boundary every {patch_t} frames, *):")
    print("  " + " ".join(f"{i}-{i + 1}{'*' if b else ''}:{v:.2f}" for i, (v, b) in enumerate(zip(j, boundary))))
    across, inside = j[boundary].mean(), j[~boundary].mean()
    print(f"across a boundary {across:.3f}, inside a token {inside:.3f}, ratio {across / inside:.2f} (the world: 0)")


def spins(model, ae, args):
    shapes = ["box", "triangle", "star"]  # the shapes whose turn the evaluation scores (a ball or ring looks the same)
    specs = [probe_spec(k, k + 3, shape=sh, motion="spin") for sh in shapes for k in range(args.n)]
    rng = np.random.default_rng(args.seed)
    prompts = [world.phrase(rng, s) for s in specs]
    if args.denoised:
        return spins_denoised(model, ae, args, shapes, specs, prompts)
    clips = ev.generate(model, ae, prompts, W=W, H=H, seed=args.seed, guidance=args.guidance)
    rows = {}
    for spec, clip in zip(specs, clips):
        rm, gm = object_masks(spec, clip)
        ok, _ = ev.motion_ok(spec.objects[0], gm, rm, W, H)
        rows.setdefault(spec.objects[0].shape, []).append((ev.outline_change(rm), ev.outline_change(gm), bool(ok)))
    print("how far the outline has turned: 1 - IoU of its mask against frame 0, at frames 0, 2, ..., 14 (mean of the prompts)")
    for sh in shapes:
        w = np.mean([r[0] for r in rows[sh]], axis=0)[::2]
        g = np.mean([r[1] for r in rows[sh]], axis=0)[::2]
        print(f"{sh:9s} world     {' '.join(f'{v:.2f}' for v in w)}")
        print(f"{'':9s} generated {' '.join(f'{v:.2f}' for v in g)}   right {sum(r[2] for r in rows[sh])}/{len(rows[sh])}")


LEVELS = [1.0, 0.8, 0.6, 0.4, 0.2]


@torch.no_grad()
def spins_denoised(model, ae, args, shapes, specs, prompts):
    """--spins --denoised: the outline's turn in the world's clip, in its autoencoder round trip, and in the
    DiT's x0 prediction from that latent noised to each of LEVELS (x_t = (1 - t) x0 + t noise, as train.py)"""
    from studio_model.sampler import decode_clip, encode_clip, start_noise, to_tensor, to_u8
    refs = [world.render(s, W, H, ev.FRAMES) for s in specs]
    lat = encode_clip(ae.encoder, torch.stack([to_tensor(r) for r in refs]))
    text = model.text_encoder(model.tokens(prompts))
    B = len(specs)
    free = torch.zeros(B, 1, *lat.shape[2:])  # no frame given: text-to-video

    def frames(x):
        return to_u8(decode_clip(ae.decoder, x).reshape(-1, 3, H, W)).reshape(B, ev.FRAMES, H, W, 3)

    rows = [("world", refs), ("autoencoder", frames(lat))]
    for t in LEVELS:
        noise = start_noise(lat.shape, model.noise_share, torch.Generator().manual_seed(args.seed))
        x0 = model.dit((1 - t) * lat + t * noise, torch.full((B,), t), text, torch.zeros_like(lat), free)
        rows.append((f"x0 at t={t:.1f}", frames(x0)))
    print("how far the outline has turned (1 - IoU against frame 0, frames 0, 2, ..., 14; mean of the prompts):")
    print("the world's clip, its autoencoder round trip, and the denoiser's x0 prediction from it noised to t")
    for sh in shapes:
        for label, clips in rows:
            turn = [ev.outline_change(object_masks(s, np.asarray(c))[1]) for s, c in zip(specs, clips)
                    if s.objects[0].shape == sh]
            print(f"{sh:9s} {label:12s} {' '.join(f'{v:.2f}' for v in np.mean(turn, axis=0)[::2])}")


if __name__ == "__main__":
    main()
