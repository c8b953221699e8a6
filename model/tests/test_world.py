"""The renderer draws what shared/WORLD.md says (checked numerically on the rendered pixels)."""
import math

import numpy as np
import pytest

from studio_model import world
from studio_model.world import PALETTE, SCENES, parse, render

W, H = 128, 72


def masks_of(prompt, w=W, h=H, tau0=0.0):
    spec = parse(prompt)
    fr, m = render(spec, w, h, 16, tau0=tau0, return_masks=True)
    return spec, fr, m


def centre(mask, w=W, h=H):
    ys, xs = np.nonzero(mask > 0.5)
    return (xs.mean() + 0.5) / w, (ys.mean() + 0.5) / h


def extent(mask):
    ys, xs = np.nonzero(mask > 0.5)
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


@pytest.mark.parametrize("colour", list(PALETTE))
def test_palette_colours_filled(colour):
    spec, fr, m = masks_of(f"a big {colour} box stays still in the sky")
    cy, cx = int(0.5 * H), int(0.5 * W)
    assert tuple(fr[0, cy, cx]) == PALETTE[colour]


@pytest.mark.parametrize("size,frac", [("small", 0.15), ("", 0.25), ("big", 0.40), ("large", 0.40)])
def test_sizes_are_fractions_of_height(size, frac):
    for shape in ("ball", "box"):
        _, _, m = masks_of(f"a {size} red {shape} rests in the sky")
        ex, ey = extent(m[0, 0])
        assert abs(ey - frac * H) <= 1.5 and abs(ex - frac * H) <= 1.5


def test_shapes_areas():
    s = 0.40 * H
    areas = {}
    for shape in ("ball", "box", "triangle", "star", "ring"):
        _, _, m = masks_of(f"a big red {shape} rests in the sky")
        areas[shape] = m[0, 0].sum()
    assert abs(areas["box"] - s * s) / (s * s) < 0.05
    assert abs(areas["ball"] - math.pi * s * s / 4) / (math.pi * s * s / 4) < 0.05
    assert abs(areas["ring"] - math.pi * s * s / 4 * 0.75) / (math.pi * s * s / 4 * 0.75) < 0.07
    assert abs(areas["triangle"] - math.sqrt(3) / 4 * s * s) / (math.sqrt(3) / 4 * s * s) < 0.06
    # triangle and star: tip up (the top row of the shape is narrower than its middle)
    for shape in ("triangle", "star"):
        _, _, m = masks_of(f"a big red {shape} rests in the sky")
        ys, xs = np.nonzero(m[0, 0] > 0.5)
        top = xs[ys == ys.min()]
        assert len(top) <= 3
    # ring has a hole in the middle
    _, fr, m = masks_of("a big red ring rests in the sky")
    assert m[0, 0, int(0.5 * H), int(0.5 * W)] == 0


def test_resting_objects_stand_on_ground():
    _, _, m = masks_of("a red box sits on the grass")
    ys, _ = np.nonzero(m[0, 0] > 0.5)
    assert abs((ys.max() + 1) / H - 0.62) < 1.5 / H


@pytest.mark.parametrize("pos,x,y", [("on the left", 0.25, None), ("on the right", 0.75, None),
                                     ("in the middle", 0.5, None), ("at the top", None, 0.25), ("at the bottom", None, 0.8)])
def test_position_words(pos, x, y):
    _, _, m = masks_of(f"a red ball {pos} rests in the sky")
    cx, cy = centre(m[0, 0])
    if x is not None:
        assert abs(cx - x) < 0.02
    if y is not None:
        assert abs(cy - y) < 0.03


def test_right_and_left_travel_half_width():
    for word, sign in (("moves right", 1), ("slides left", -1), ("rolls right", 1), ("drifts left", -1)):
        _, _, m = masks_of(f"a red ball {word} in the sky")
        x0, _ = centre(m[0, 0])
        x15, _ = centre(m[0, 15])
        assert abs((x15 - x0) - sign * 0.5 * 15 / 16) < 0.02
        xs = [centre(m[0, i])[0] for i in range(16)]
        assert np.allclose(np.diff(xs), np.diff(xs).mean(), atol=0.01)  # constant speed


def test_right_starts_near_02():
    _, _, m = masks_of("a red ball moves right in the sky")
    assert abs(centre(m[0, 0])[0] - 0.25) < 0.06


def test_slowly_and_quickly():
    _, _, m = masks_of("a red ball slowly moves right in the sky")
    assert abs(centre(m[0, 15])[0] - centre(m[0, 0])[0] - 0.25 * 15 / 16) < 0.02
    _, _, m = masks_of("a small red ball moves up quickly in the sky")
    ys = [centre(m[0, i])[1] for i in range(8)]
    assert abs((ys[7] - ys[0]) + 0.8 * 7 / 16) < 0.02


def test_up_down_travel_04_height():
    for word, sign in (("rises", -1), ("moves up", -1), ("sinks", 1), ("moves down", 1)):
        _, _, m = masks_of(f"a small red ball {word} in the sky")
        dy = centre(m[0, 15])[1] - centre(m[0, 0])[1]
        assert abs(dy - sign * 0.4 * 15 / 16) < 0.02


def test_fall_accelerates_and_stops_on_ground():
    _, _, m = masks_of("a red ball falls on the grass")
    ys = np.array([centre(m[0, i])[1] for i in range(16)])
    v = np.diff(ys)
    assert ys[0] < 0.3
    assert v[1] > v[0] and v[5] > v[2]  # accelerates
    assert abs(ys[-1] - (0.62 - 0.125)) < 0.02 and abs(v[-1]) < 1e-3  # rests on the ground
    _, _, m = masks_of("a red ball drops in the sky")  # no ground: leaves the frame
    assert m[0, 15].sum() == 0


def test_bounce_at_least_two_bounces():
    for scene, floor in (("on the grass", 0.62), ("in the sky", 0.75)):
        spec = parse(f"a small red ball bounces {scene}")
        fr, m = render(spec, W, H, 64, return_masks=True)  # finer time sampling
        bottoms = np.array([(np.nonzero(m[0, i] > 0.5)[0].max() + 1) / H for i in range(64)])
        touches = (bottoms > floor - 1.5 / H)
        n_touch = np.sum(touches[1:] & ~touches[:-1])
        assert n_touch >= 2
        assert bottoms.max() <= floor + 1.5 / H


def test_spin_one_full_turn():
    spec = parse("a big red triangle spins in the sky")
    tr = world.object_track(spec.objects[0], spec.scene, np.arange(17) / 16)
    assert abs(tr[16].angle - 2 * math.pi) < 1e-6 and abs(tr[4].angle - math.pi / 2) < 1e-6
    _, _, m = masks_of("a big red triangle spins in the sky")
    c0, c8 = centre(m[0, 0]), centre(m[0, 8])
    assert abs(c0[0] - c8[0]) < 0.01
    assert (np.abs(m[0, 0] - m[0, 8]) > 0.5).sum() > 50  # half a turn: tip down


def size_ratio(prompt):
    """linear size of the first object in the last frame over the first (from its covered area)"""
    _, _, m = masks_of(prompt)
    return math.sqrt(m[0, 15].sum() / m[0, 0].sum())


def test_grow_shrink_factor_18():
    spec = parse("a red box grows in the sky")
    tr = world.object_track(spec.objects[0], spec.scene, np.array([0.0, 1.0]))
    assert abs(tr[1].size / tr[0].size - 1.8) < 1e-6
    assert abs(size_ratio("a red box gets bigger in the sky") - 1.8 ** (15 / 16)) < 0.05
    assert abs(size_ratio("a big red box shrinks in the sky") - 1.8 ** (-15 / 16)) < 0.05


def test_orbit_radius_02_height():
    _, _, m = masks_of("a small red ball circles in the sky")
    cs = np.array([centre(m[0, i]) for i in range(16)])
    c = cs.mean(0)
    r = np.sqrt(((cs[:, 0] - c[0]) * W / H) ** 2 + (cs[:, 1] - c[1]) ** 2)
    assert np.allclose(r, 0.2, atol=0.02)


def test_still_does_not_move():
    _, fr, m = masks_of("a red star stays still in the desert")
    assert np.abs(fr[0].astype(int) - fr[15].astype(int)).max() == 0


@pytest.mark.parametrize("scene", list(SCENES))
def test_scene_colours(scene):
    spec = world.SceneSpec(scene=scene, objects=[])
    fr = render(spec, W, H, 1)[0].astype(float)
    top, bot, ground = SCENES[scene]
    assert np.abs(fr[0, 64] - np.array(top)).max() <= 8
    if ground is None:
        assert np.abs(fr[-1, 64] - np.array(bot)).max() <= 8
    else:
        assert np.abs(fr[-1, 64] - np.array(ground)).max() <= 1
        assert np.abs(fr[int(0.62 * H) - 1, 64] - np.array(bot)).max() <= 8
    if scene == "night":
        assert (fr.min(-1) > 200).sum() >= 5  # small white stars
        assert np.abs(np.median(fr.reshape(-1, 3), 0) - np.array(top)).max() <= 1


def test_scene_words():
    for scene, phrases in world.SCENE_PHRASES.items():
        for p in phrases:
            assert parse(f"a red ball rests {p}").scene == scene


def test_camera_pan_slides_scene_other_way():
    _, _, m = masks_of("a red box rests in the sky, the camera pans left")
    dx = centre(m[0, 15])[0] - centre(m[0, 0])[0]
    assert abs(dx - 0.3 * 15 / 16) < 0.02
    _, _, m = masks_of("a red box rests in the sky, the camera pans right")
    assert abs(centre(m[0, 15])[0] - centre(m[0, 0])[0] + 0.3 * 15 / 16) < 0.02
    # the stars move too at night
    spec = parse("a red box rests at night, the camera pans right")
    fr = render(spec, W, H, 16)
    assert np.abs(fr[0].astype(int) - fr[15].astype(int)).max() > 100


def test_camera_zoom_scales_15():
    assert abs(size_ratio("a red box rests in the sky, the camera zooms in") - 1.5 ** (15 / 16)) < 0.05
    assert abs(size_ratio("a red box rests in the sky, the camera zooms out") - 1.5 ** (-15 / 16)) < 0.05


def test_square_canvas():
    _, fr, m = masks_of("a red ball moves right on the grass", 72, 72)
    assert fr.shape == (16, 72, 72, 3)
    ex, ey = extent(m[0, 0])
    assert abs(ey - 0.25 * 72) <= 1.5
    dx = centre(m[0, 15], 72, 72)[0] - centre(m[0, 0], 72, 72)[0]
    assert abs(dx - 0.5 * 15 / 16) < 0.02
    _, _, m = masks_of("a small red ball circles in the sky", 72, 72)
    cs = np.array([centre(m[0, i], 72, 72) for i in range(16)])
    r = np.sqrt((cs[:, 0] - cs[:, 0].mean()) ** 2 + (cs[:, 1] - cs[:, 1].mean()) ** 2)
    assert np.allclose(r, 0.2, atol=0.02)


def test_two_objects_and_continuation():
    spec, fr, m = masks_of("a green triangle falls in the desert and a pink ring circles")
    assert len(spec.objects) == 2 and m[0, 0].sum() > 0 and m[1, 0].sum() > 0
    assert tuple(fr[0][m[0, 0] == 1][0]) == PALETTE["green"]
    # a longer clip continues the motion: window 2 starts where window 1 ends
    _, _, m1 = masks_of("a small red ball moves right in the sky", tau0=0.0)
    _, _, m2 = masks_of("a small red ball moves right in the sky", tau0=15 / 16)
    assert abs(centre(m1[0, 15])[0] - centre(m2[0, 0])[0]) < 0.01
