"""The built-in procedural world of shared/WORLD.md: prompt parser, prompt generator, renderer.

Used only to make training data and to evaluate. Nothing at generation time draws the world.
Coordinates: x in width fractions (0 left .. 1 right), y in height fractions (0 top .. 1 bottom),
sizes in height fractions. Time tau is measured in windows (one window = 2 s); tau may exceed 1
(continuation: a clip window may start at any tau0).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import List, Optional, Tuple

import numpy as np

PALETTE = {
    "red": (220, 40, 40), "orange": (245, 140, 30), "yellow": (240, 220, 40),
    "green": (40, 170, 60), "blue": (40, 90, 220), "purple": (140, 60, 200),
    "pink": (240, 120, 180), "white": (245, 245, 245), "black": (25, 25, 25),
}
COLOURS = list(PALETTE)

SKY_TOP, SKY_BOT = (110, 170, 235), (200, 225, 250)
SCENES = {
    # name: (sky_top, sky_bottom, ground or None)
    "sky": (SKY_TOP, SKY_BOT, None),
    "field": (SKY_TOP, SKY_BOT, (70, 150, 60)),
    "sea": (SKY_TOP, SKY_BOT, (30, 90, 160)),
    "night": ((15, 20, 50), (15, 20, 50), None),
    "desert": ((150, 200, 240), (225, 235, 245), (220, 190, 120)),
    "snow": ((190, 200, 210), (190, 200, 210), (240, 240, 245)),
}
SCENE_NAMES = list(SCENES)
GROUND_Y = 0.62
SCENE_PHRASES = {
    "sky": ["in the sky", "in the clouds"],
    "field": ["on a grass field", "in a meadow", "on the grass"],
    "sea": ["over the sea", "on the ocean", "by the water"],
    "night": ["at night", "under the stars"],
    "desert": ["in the desert", "on the sand"],
    "snow": ["in the snow", "on a snowy field"],
}

SHAPES = ["ball", "box", "triangle", "star", "ring"]
SHAPE_WORDS = {
    "ball": "ball", "circle": "ball", "sphere": "ball",
    "box": "box", "square": "box", "cube": "box", "block": "box",
    "triangle": "triangle", "pyramid": "triangle",
    "star": "star",
    "ring": "ring", "donut": "ring",
}
SIZES = {"small": 0.15, None: 0.25, "big": 0.40}
SIZE_WORDS = {"small": "small", "big": "big", "large": "big"}

MOTIONS = ["left", "right", "up", "down", "fall", "bounce", "spin", "grow", "shrink", "orbit", "still"]
# phrasing used by the generator: (motion) -> list of phrases (third person)
MOTION_PHRASES = {
    "left": ["moves left", "goes left", "slides left", "drifts left", "rolls left"],
    "right": ["moves right", "goes right", "slides right", "drifts right", "rolls right"],
    "up": ["moves up", "rises", "goes up"],
    "down": ["moves down", "sinks", "goes down"],
    "fall": ["falls", "drops"],
    "bounce": ["bounces", "jumps"],
    "spin": ["spins", "rotates", "turns"],
    "grow": ["grows", "gets bigger"],
    "shrink": ["shrinks", "gets smaller"],
    "orbit": ["circles", "goes around"],
    "still": ["stays still", "rests", "sits"],
}
MOTION_ING = {
    "left": ["moving left", "sliding left", "drifting left", "rolling left"],
    "right": ["moving right", "sliding right", "drifting right", "rolling right"],
    "up": ["moving up", "rising"], "down": ["moving down", "sinking"],
    "fall": ["falling", "dropping"], "bounce": ["bouncing", "jumping"],
    "spin": ["spinning", "rotating", "turning"], "grow": ["growing", "getting bigger"],
    "shrink": ["shrinking", "getting smaller"], "orbit": ["circling", "going around"],
    "still": ["staying still", "resting", "sitting"],
}
POSITIONS = {"left": "on the left", "right": "on the right", "middle": "in the middle",
             "top": "at the top", "bottom": "at the bottom"}
CAMERAS = [None, "pan_left", "pan_right", "zoom_in", "zoom_out"]
CAMERA_PHRASES = {
    "pan_left": ["the camera pans left", "camera pans left", "the camera is panning left"],
    "pan_right": ["the camera pans right", "camera pans right", "the camera is panning right"],
    "zoom_in": ["the camera zooms in", "camera zooms in", "the camera is zooming in"],
    "zoom_out": ["the camera zooms out", "camera zooms out", "the camera is zooming out"],
}
SPEEDS = {None: 1.0, "slowly": 0.5, "quickly": 2.0}

# Every word the pack knows (scene/object/motion words of WORLD.md plus the fillers people type).
FILLER_WORDS = (
    "a an the and is are of with while then there it its this that as also to from into onto "
    "one two another other second first both we see shows showing video clip scene shot "
    "very slow quick fast moving move moves going go goes sliding slide slides drifting drift drifts "
    "rolling roll rolls rising rise sinking sink falling fall dropping drop bouncing bounce jumping "
    "jump spinning spin rotating rotate turning turn growing grow getting get shrinking shrink "
    "circling circle going staying stay resting rest sitting sit panning pan zooming zoom pans zooms "
    "camera in on at over by under around up down left right middle top bottom center centre "
    "big bigger large small smaller still stays rests sits slowly quickly rises sinks falls drops "
    "bounces jumps spins rotates turns grows gets shrinks circles "
    "sky clouds grass field meadow sea ocean water night stars desert sand snow snowy out"
).split()

# optional aliases for motions (infinitives / gerunds / nouns the generator may not use)
DIR_WORDS = {"left", "right", "up", "down"}
SLOW_WORDS, QUICK_WORDS = ("slowly", "slow"), ("quickly", "quick", "fast")
# a place after on/at/in/to/from (the): "on the left", "at the top", "in the center"
PLACE_WORDS = ("left", "right", "middle", "top", "bottom", "center", "centre")
MOVE_VERBS = {"moves", "move", "moving", "goes", "go", "going", "slides", "slide", "sliding",
              "drifts", "drift", "drifting", "rolls", "roll", "rolling"}
SIMPLE_MOTION = {
    "rises": "up", "rise": "up", "rising": "up",
    "sinks": "down", "sink": "down", "sinking": "down",
    "falls": "fall", "fall": "fall", "falling": "fall", "drops": "fall", "drop": "fall", "dropping": "fall",
    "bounces": "bounce", "bounce": "bounce", "bouncing": "bounce",
    "jumps": "bounce", "jump": "bounce", "jumping": "bounce",
    "spins": "spin", "spin": "spin", "spinning": "spin",
    "rotates": "spin", "rotate": "spin", "rotating": "spin",
    "turns": "spin", "turn": "spin", "turning": "spin",
    "grows": "grow", "grow": "grow", "growing": "grow",
    "shrinks": "shrink", "shrink": "shrink", "shrinking": "shrink",
    "circles": "orbit", "circling": "orbit",
    "rests": "still", "rest": "still", "resting": "still",
    "sits": "still", "sit": "still", "sitting": "still", "still": "still",
}


def words_of(prompt: str) -> List[str]:
    """The tokenizer rule: lowercase, non [a-z0-9] -> space, split on whitespace."""
    return re.sub(r"[^a-z0-9]", " ", prompt.lower()).split()


@dataclass
class ObjectSpec:
    shape: str = "ball"
    colour: str = "red"
    size: Optional[str] = None          # None | small | big
    motion: str = "still"
    speed: Optional[str] = None         # None | slowly | quickly
    position: Optional[str] = None      # None | left | right | middle | top | bottom


@dataclass
class SceneSpec:
    scene: str = "field"
    objects: List[ObjectSpec] = field(default_factory=list)
    camera: Optional[str] = None
    unknown: List[str] = field(default_factory=list)


# ---------------------------------------------------------------- parser
def parse(prompt: str, known_words=None) -> SceneSpec:
    """Read a prompt into a SceneSpec (synonyms, word order, capitals, punctuation, 1-2 objects)."""
    ws = words_of(prompt)
    known = set(known_words) if known_words is not None else set(vocabulary_words())
    unknown = []
    for w in ws:
        if w not in known and w not in unknown:
            unknown.append(w)
    used = [False] * len(ws)

    # scene: the first scene noun wins (snowy field -> snow)
    scene = None
    for i, w in enumerate(ws):
        s = None
        if w in ("snow", "snowy"):
            s = "snow"
        elif w in ("sky", "clouds"):
            s = "sky"
        elif w in ("grass", "meadow") or (w == "field" and not (i > 0 and ws[i - 1] == "snowy")):
            s = "field"
        elif w in ("sea", "ocean", "water"):
            s = "sea"
        elif w in ("night", "stars"):
            s = "night"
        elif w in ("desert", "sand"):
            s = "desert"
        if s is not None:
            used[i] = True
            if scene is None:
                scene = s
    # camera: "camera ... pans/zooms <dir>"
    camera = None
    for i, w in enumerate(ws):
        if w in ("pans", "pan", "panning", "zooms", "zoom", "zooming"):
            nxt = ws[i + 1] if i + 1 < len(ws) else ""
            kind = "pan" if w.startswith("pan") else "zoom"
            if kind == "pan" and nxt in ("left", "right"):
                camera = f"pan_{nxt}"
                used[i] = used[i + 1] = True
            elif kind == "zoom" and nxt in ("in", "out"):
                camera = f"zoom_{nxt}"
                used[i] = used[i + 1] = True
    # positions: on/at/in (the) left/right/middle/top/bottom/center
    pos_at = {}
    for i, w in enumerate(ws):
        if used[i]:
            continue
        if w in PLACE_WORDS:
            j = i - 1
            if j >= 0 and ws[j] == "the":
                j -= 1
            if j >= 0 and ws[j] in ("on", "at", "in", "to", "from"):
                p = {"center": "middle", "centre": "middle"}.get(w, w)
                pos_at[i] = p
                used[i] = True
    # objects
    shape_idx = [i for i, w in enumerate(ws) if w in SHAPE_WORDS and not used[i]]
    # "circles" is a motion, "circle" a shape; "star" a shape, "stars" a scene
    shape_idx = shape_idx[:2]
    if not shape_idx:
        objs_bounds = [(0, len(ws))]
    elif len(shape_idx) == 1:
        objs_bounds = [(0, len(ws))]
    else:
        s2 = shape_idx[1]
        j = s2
        while j - 1 > shape_idx[0] and ws[j - 1] in (set(PALETTE) | set(SIZE_WORDS) | {"a", "an", "the", "another", "second", "one"}):
            j -= 1
        objs_bounds = [(0, j), (j, len(ws))]
    objects = []
    for k, (a, b) in enumerate(objs_bounds):
        o = ObjectSpec()
        o.shape = SHAPE_WORDS[ws[shape_idx[k]]] if shape_idx else "ball"
        colour = None
        for i in range(a, b):
            if used[i]:
                continue
            w = ws[i]
            if w in PALETTE and colour is None:
                colour = w
            elif w in SIZE_WORDS and not (i > 0 and ws[i - 1] == "gets"):
                o.size = SIZE_WORDS[w]
            elif w in SLOW_WORDS:
                o.speed = "slowly"
            elif w in QUICK_WORDS:
                o.speed = "quickly"
            elif i in pos_at:
                o.position = pos_at[i]
        o.colour = colour or "red"
        for i in sorted(pos_at):
            if a <= i < b:
                o.position = pos_at[i]
        # motion
        motion = None
        for i in range(a, b):
            if used[i]:
                continue
            w = ws[i]
            nxt = ws[i + 1] if i + 1 < b else ""
            if w in DIR_WORDS:
                motion = w
                break
            if w in ("gets", "get", "getting") and nxt in ("bigger", "smaller"):
                motion = "grow" if nxt == "bigger" else "shrink"
                break
            if w in ("bigger",):
                motion = "grow"; break
            if w in ("smaller",):
                motion = "shrink"; break
            if w == "around" or (w in ("goes", "go", "going") and nxt == "around"):
                motion = "orbit"
                break
            if w in ("circle",) and i != (shape_idx[k] if shape_idx else -1):
                motion = "orbit"
                break
            if w in SIMPLE_MOTION:
                motion = SIMPLE_MOTION[w]
                break
        o.motion = motion or "still"
        objects.append(o)
    return SceneSpec(scene=scene or "field", objects=objects, camera=camera, unknown=unknown)


# ---------------------------------------------------------------- generator
def _a(word):
    return "an" if word[0] in "aeiou" else "a"


def other_scene(rng: np.random.Generator, scene: str) -> str:
    """A scene drawn evenly from the other five: the prompt of a picture described wrongly (training
    teaches the frames to win; the evaluation checks that they do)."""
    others = [s for s in SCENE_NAMES if s != scene]
    return others[rng.integers(len(others))]


# how often a random prompt has a camera move, and an object a position word (train.py --camera-p / --position-p)
CAMERA_P, POSITION_P = 0.25, 0.2
# how often a random prompt has two objects (train.py --two-objects-p)
TWO_OBJECTS_P = 0.35


def random_spec(rng: np.random.Generator, n_obj=None, distinct_colours=False, camera_p=CAMERA_P,
                speed_p=0.25, position_p=POSITION_P, motion_w=None, two_objects_p=TWO_OBJECTS_P) -> SceneSpec:
    """motion_w: {motion: weight} for motions drawn more or less often than the others (default 1 each);
    None keeps the uniform draw, and with it the random stream, exactly as before (evaluation prompts)."""
    n = n_obj or (1 if rng.random() < 1.0 - two_objects_p else 2)
    motion_p = None
    if motion_w:
        w = np.array([float(motion_w.get(m, 1.0)) for m in MOTIONS])
        motion_p = w / w.sum()
    objs = []
    cols = list(rng.permutation(COLOURS))
    for k in range(n):
        col = cols[k] if distinct_colours else COLOURS[rng.integers(len(COLOURS))]
        o = ObjectSpec(
            shape=SHAPES[rng.integers(len(SHAPES))], colour=str(col),
            size=[None, None, None, "small", "big"][rng.integers(5)],
            motion=MOTIONS[rng.integers(len(MOTIONS)) if motion_p is None else rng.choice(len(MOTIONS), p=motion_p)],
            speed=(["slowly", "quickly"][rng.integers(2)] if rng.random() < speed_p else None),
            position=(list(POSITIONS)[rng.integers(5)] if rng.random() < position_p else None))
        if o.motion == "still":
            o.speed = None
        objs.append(o)
    cam = CAMERAS[1 + rng.integers(4)] if rng.random() < camera_p else None
    return SceneSpec(scene=SCENE_NAMES[rng.integers(len(SCENE_NAMES))], objects=objs, camera=cam)


def _noun_phrase(rng, o: ObjectSpec, article=True):
    words = [w for w, s in SHAPE_WORDS.items() if s == o.shape]
    shape_w = words[rng.integers(len(words))]
    size_w = None
    if o.size == "small":
        size_w = "small"
    elif o.size == "big":
        size_w = ["big", "large"][rng.integers(2)]
    adj = [o.colour] if size_w is None else ([size_w, o.colour] if rng.random() < 0.8 else [o.colour, size_w])
    np_ = " ".join(adj + [shape_w])
    if article:
        art = ["a", "the", ""][rng.choice(3, p=[0.7, 0.2, 0.1])]
        if art == "a":
            art = _a(np_)
        np_ = (art + " " + np_).strip()
    return np_


def _verb_phrase(rng, o: ObjectSpec, ing=False):
    table = MOTION_ING if ing else MOTION_PHRASES
    ph = table[o.motion][rng.integers(len(table[o.motion]))]
    if o.speed:
        if rng.random() < 0.5:
            ph = o.speed + " " + ph
        else:
            ph = ph + " " + o.speed
    return ph


def phrase(rng: np.random.Generator, spec: SceneSpec, style: int = None) -> str:
    """Turn a spec into a prompt with varied phrasing (templates 0..5)."""
    style = int(rng.integers(6)) if style is None else style
    scene_ph = SCENE_PHRASES[spec.scene][rng.integers(len(SCENE_PHRASES[spec.scene]))]
    clauses = []
    for k, o in enumerate(spec.objects):
        np_ = _noun_phrase(rng, o)
        pos = (" " + POSITIONS[o.position]) if o.position else ""
        if style in (3,) and k == 0:
            clauses.append(f"{np_}{pos} {_verb_phrase(rng, o, ing=True)}")
        else:
            clauses.append(f"{np_}{pos} {_verb_phrase(rng, o)}")
    joiner = [" and ", ", ", " while ", " and "][rng.integers(4)]
    if len(clauses) == 2 and joiner == " while " and style == 3:
        joiner = " and "
    body = joiner.join(clauses)
    cam = ""
    if spec.camera:
        cam = CAMERA_PHRASES[spec.camera][rng.integers(3)]
    if style == 0:
        s = f"{body} {scene_ph}"
    elif style == 1:
        s = f"{scene_ph}, {body}"
    elif style == 2:
        s = f"{body}, {scene_ph}"
    elif style == 3:
        s = f"{body} {scene_ph}"
    elif style == 4:
        s = f"there is {body} {scene_ph}"
    else:
        s = f"{scene_ph.capitalize()} {body}"
    if cam:
        s = s + [", ", " and ", " while ", ". "][rng.integers(4)] + cam
    # capitals and punctuation variants
    r = rng.random()
    if r < 0.15:
        s = s[0].upper() + s[1:]
    elif r < 0.2:
        s = s.upper()
    elif r < 0.3:
        s = s.title()
    if rng.random() < 0.25:
        s = s + [".", "!", "...", " ."][rng.integers(4)]
    return s


def random_prompt(rng, **kw) -> Tuple[str, SceneSpec]:
    spec = random_spec(rng, **kw)
    return phrase(rng, spec), spec


def vocabulary_words() -> List[str]:
    words = set(FILLER_WORDS) | set(PALETTE) | set(SHAPE_WORDS) | set(SIZE_WORDS) | set(SIMPLE_MOTION)
    words |= {"slowly", "quickly", "camera", "pans", "zooms", "in", "out", "snowy", "field"}
    for phs in list(SCENE_PHRASES.values()) + list(MOTION_PHRASES.values()) + list(MOTION_ING.values()) \
            + list(CAMERA_PHRASES.values()):
        for p in phs:
            words |= set(words_of(p))
    for p in POSITIONS.values():
        words |= set(words_of(p))
    return ["<pad>", "<unk>"] + sorted(words)


# ---------------------------------------------------------------- renderer
def _shape_below(shape, size):
    """distance from the centre to the lowest point (height units), unrotated."""
    if shape == "triangle":
        return size / math.sqrt(3) / 2  # circumradius R = side/sqrt3; bottom at R/2
    if shape == "star":
        return size / 2 * math.cos(math.radians(36))
    return size / 2


@dataclass
class ObjState:
    x: float
    y: float
    size: float
    angle: float


def object_track(o: ObjectSpec, scene: str, tau: np.ndarray, k: int = 0, n: int = 1,
                 asp: float = 16 / 9) -> List[ObjState]:
    """Centre (x width-frac, y height-frac), size (height-frac), angle (rad) at times tau (windows).
    aspect-independent except orbit radius in x (applied in render)."""
    ground = SCENES[scene][2] is not None
    floor = GROUND_Y if ground else 0.75
    f = SPEEDS[o.speed]
    s0 = SIZES[o.size]
    sh = o.shape
    rest_y = lambda s: floor - _shape_below(sh, s)
    # default start point
    if n == 1:
        x0 = 0.5
        y_free = 0.5
    else:
        x0 = 0.3 if k == 0 else 0.7
        y_free = 0.4 if k == 0 else 0.6
    y0 = rest_y(s0) if ground else y_free
    if o.position == "left":
        x0 = 0.25
    elif o.position == "right":
        x0 = 0.75
    elif o.position == "middle":
        x0 = 0.5
    elif o.position == "top":
        y0 = 0.25
    elif o.position == "bottom":
        y0 = rest_y(s0) if ground else 0.8
    m = o.motion
    out = []
    for tt in np.asarray(tau, dtype=np.float64):
        x, y, s, a = x0, y0, s0, 0.0
        if m in ("left", "right"):
            d = 0.5 * f
            xs = x0 if o.position in ("left", "right", "middle") else (0.5 - d / 2 if m == "right" else 0.5 + d / 2)
            if n == 2 and o.position is None:
                xs += (-0.1 if k == 0 else 0.1)
            x = xs + (d if m == "right" else -d) * tt
        elif m in ("up", "down"):
            d = 0.4 * f
            if o.position in ("top", "bottom"):
                ys = y0
            elif ground:
                ys = rest_y(s0) if m == "up" else rest_y(s0) - d
            else:
                ys = y_free + d / 2 if m == "up" else y_free - d / 2
            y = ys + (-d if m == "up" else d) * tt
            if ground:
                y = min(y, rest_y(s0))
        elif m == "fall":
            ys = 0.15 if o.position != "bottom" else y0
            yl = rest_y(s0) if ground else 1.4
            tf = 0.7 / f
            y = ys + (yl - ys) * min(tt / tf, 1.0 if ground else 1e9) ** 2
        elif m == "bounce":
            hb = 0.25
            base = floor - _shape_below(sh, s0)
            y = base - hb * abs(math.sin(math.pi * 2.5 * f * tt))
        elif m == "spin":
            a = 2 * math.pi * f * tt
        elif m in ("grow", "shrink"):
            g = 1.8 ** (f * tt if m == "grow" else -f * tt)
            s = min(s0 * g, 1.2)
            if ground and o.position != "top":
                y = rest_y(s)
        elif m == "orbit":
            cy = (rest_y(s0) - 0.22) if ground and o.position not in ("top",) else y0
            ang = 2 * math.pi * f * tt
            x = x0 + 0.2 / asp * math.cos(ang)
            y = cy + 0.2 * math.sin(ang)
        out.append(ObjState(x, y, s, a))
    return out


_STAR_IN = 0.382


def _coverage(shape, dx, dy, size, angle):
    """dx, dy: offsets from centre in height units (arrays [..., S]); returns inside mask float."""
    if angle:
        c, s_ = math.cos(-angle), math.sin(-angle)
        dx, dy = c * dx - s_ * dy, s_ * dx + c * dy
    if shape == "ball":
        return (dx * dx + dy * dy <= (size / 2) ** 2)
    if shape == "ring":
        r2 = dx * dx + dy * dy
        return (r2 <= (size / 2) ** 2) & (r2 >= (size / 4) ** 2)
    if shape == "box":
        return (np.abs(dx) <= size / 2) & (np.abs(dy) <= size / 2)
    if shape == "triangle":
        R = size / math.sqrt(3)
        ins = np.ones(dx.shape, bool)
        for k in range(3):
            th = -math.pi / 2 + k * 2 * math.pi / 3  # vertex directions (tip up: y negative)
            # edge opposite... use inward normals: the edge normal directions are opposite to vertices
            nx, ny = -math.cos(th), -math.sin(th)
            ins &= (dx * nx + dy * ny) <= R / 2
        return ins
    if shape == "star":
        R = size / 2
        rho = np.sqrt(dx * dx + dy * dy)
        th = np.arctan2(dx, -dy)  # 0 = up, clockwise
        phi = np.mod(th, 2 * math.pi / 5)
        phi = np.where(phi > math.pi / 5, 2 * math.pi / 5 - phi, phi)
        px, py = rho * np.cos(phi), rho * np.sin(phi)
        ax, ay = R, 0.0
        bx, by = R * _STAR_IN * math.cos(math.pi / 5), R * _STAR_IN * math.sin(math.pi / 5)
        cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
        cross0 = (bx - ax) * (0 - ay) - (by - ay) * (0 - ax)
        return (cross * cross0 >= 0) & (rho <= R)
    raise ValueError(shape)


def _camera(camera, tt):
    """returns (pan_x in width fractions, zoom)"""
    if camera == "pan_left":
        return -0.3 * tt, 1.0
    if camera == "pan_right":
        return 0.3 * tt, 1.0
    if camera == "zoom_in":
        return 0.0, 1.5 ** tt
    if camera == "zoom_out":
        return 0.0, 1.5 ** (-tt)
    return 0.0, 1.0


def _stars(seed):
    r = np.random.default_rng(seed)
    return r.uniform(-1.0, 2.0, 45), r.uniform(0.0, 1.0, 45)


def _downsample(a, ss):
    """Mean over ss x ss blocks of the first two axes ([h*ss, w*ss, ...] -> [h, w, ...]), summed block
    by block (numpy's mean over two strided axes was most of the rendering time)."""
    acc = a[0::ss, 0::ss].astype(np.float32)
    for dy in range(ss):
        for dx in range(ss):
            if dy or dx:
                acc += a[dy::ss, dx::ss]
    return acc * np.float32(1.0 / (ss * ss))


def render(spec: SceneSpec, width=128, height=72, frames=16, tau0=0.0, seed=0, ss=2,
           return_masks=False):
    """Render frames [T,H,W,3] uint8 of the clip window starting at tau0 (in windows).
    Frame i is at tau = tau0 + i/frames. If return_masks, also per-object coverage [n,T,H,W]."""
    W, H = width, height
    asp = W / H
    sky_top, sky_bot, ground = SCENES[spec.scene]
    # subpixel sample grid
    off = (np.arange(ss) + 0.5) / ss
    px = (np.arange(W)[:, None] + off[None, :]).reshape(-1) / W  # [W*ss]
    py = (np.arange(H)[:, None] + off[None, :]).reshape(-1) / H
    U, V = np.meshgrid(px, py)  # [H*ss, W*ss]
    out = np.zeros((frames, H, W, 3), np.float32)
    masks = np.zeros((len(spec.objects), frames, H, W), np.float32)
    taus = tau0 + np.arange(frames) / frames
    tracks = [object_track(o, spec.scene, taus, k, len(spec.objects), asp) for k, o in enumerate(spec.objects)]
    st_x, st_y = _stars(seed)
    top = np.array(sky_top, np.float32)
    bot = np.array(sky_bot, np.float32)
    bg_cache = bg_small = bg_small_of = None
    for i, tt in enumerate(taus):
        pan, z = _camera(spec.camera, tt)
        X = (U - 0.5) / z + 0.5 + pan
        Y = (V - 0.5) / z + 0.5
        # background (horizontal-invariant: computed once unless the camera zooms)
        if bg_cache is None or spec.camera in ("zoom_in", "zoom_out"):
            if ground is None:
                g = np.clip(Y, 0, 1)
            else:
                g = np.clip(Y / GROUND_Y, 0, 1)
            img = top[None, None, :] * (1 - g[..., None]) + bot[None, None, :] * g[..., None]
            if ground is not None:
                gm = (Y >= GROUND_Y)[..., None]
                img = np.where(gm, np.array(ground, np.float32)[None, None, :], img)
            bg_cache = img
        img = bg_cache.copy()
        img = np.ascontiguousarray(img, dtype=np.float32)
        boxes = []
        for k, o in enumerate(spec.objects):
            stt = tracks[k][i]
            ox, oy = stt.x, stt.y
            # screen-space bounding box of the object (sub-sample grid indices)
            rad = stt.size * 0.75 * z  # height units on screen
            cu, cv = (ox - 0.5 - pan) * z + 0.5, (oy - 0.5) * z + 0.5
            x_lo = int(max(0, math.floor((cu - rad / asp) * W * ss) - 1))
            x_hi = int(min(W * ss, math.ceil((cu + rad / asp) * W * ss) + 1))
            y_lo = int(max(0, math.floor((cv - rad) * H * ss) - 1))
            y_hi = int(min(H * ss, math.ceil((cv + rad) * H * ss) + 1))
            if x_lo >= x_hi or y_lo >= y_hi:
                continue
            Xs, Ys = X[y_lo:y_hi, x_lo:x_hi], Y[y_lo:y_hi, x_lo:x_hi]
            cov = _coverage(o.shape, (Xs - ox) * asp, Ys - oy, stt.size, stt.angle)
            col = np.array(PALETTE[o.colour], np.float32)
            sub = img[y_lo:y_hi, x_lo:x_hi]
            img[y_lo:y_hi, x_lo:x_hi] = np.where(cov[..., None], col[None, None, :], sub)
            # the pixels the box touches (the sub-sample box widened to whole pixels)
            px_lo, px_hi, py_lo, py_hi = x_lo // ss, -(-x_hi // ss), y_lo // ss, -(-y_hi // ss)
            boxes.append((px_lo, px_hi, py_lo, py_hi))
            if return_masks:
                part = np.zeros(((py_hi - py_lo) * ss, (px_hi - px_lo) * ss), np.float32)
                part[y_lo - py_lo * ss:y_hi - py_lo * ss, x_lo - px_lo * ss:x_hi - px_lo * ss] = cov
                masks[k, i, py_lo:py_hi, px_lo:px_hi] = _downsample(part, ss)
        # The background's pixels are averaged once; per frame only the pixels an object touches are
        # averaged again. Same pixels as averaging the whole frame, at a fraction of the cost (rendering
        # shared the two cores with training).
        if bg_small is None or bg_small_of is not bg_cache:
            bg_small, bg_small_of = _downsample(bg_cache, ss), bg_cache
        out[i] = bg_small
        for px_lo, px_hi, py_lo, py_hi in boxes:
            out[i, py_lo:py_hi, px_lo:px_hi] = _downsample(img[py_lo * ss:py_hi * ss, px_lo * ss:px_hi * ss], ss)
        if spec.scene == "night":  # small white stars (1 pixel), behind objects
            su = np.round(((st_x - 0.5 - pan) * z + 0.5) * W - 0.5).astype(int)
            sv = np.round(((st_y - 0.5) * z + 0.5) * H - 0.5).astype(int)
            ok = (su >= 0) & (su < W) & (sv >= 0) & (sv < H)
            su, sv = su[ok], sv[ok]
            if len(spec.objects):
                occ = np.zeros((H, W), bool)
                bgc = np.array(sky_top, np.float32)
                occ = np.abs(out[i] - bgc).sum(-1) > 1
                keep = ~occ[sv, su]
                su, sv = su[keep], sv[keep]
            out[i, sv, su] = (245, 245, 245)
    fr = np.clip(np.round(out), 0, 255).astype(np.uint8)
    if return_masks:
        return fr, masks
    return fr


def object_positions(spec: SceneSpec, width=128, height=72, frames=16, tau0=0.0):
    """Ground-truth screen centres (x frac, y frac) and sizes per object per frame (for tests/eval)."""
    asp = width / height
    taus = tau0 + np.arange(frames) / frames
    res = []
    for k, o in enumerate(spec.objects):
        tr = object_track(o, spec.scene, taus, k, len(spec.objects), asp)
        rows = []
        for tt, st in zip(taus, tr):
            ox = st.x
            pan, z = _camera(spec.camera, tt)
            u = (ox - 0.5 - pan) * z + 0.5
            v = (st.y - 0.5) * z + 0.5
            rows.append((u, v, st.size * z, st.angle))
        res.append(np.array(rows))
    return res
