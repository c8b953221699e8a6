"""tools/pair_rows.py sorts each object of a two-object prompt into what went wrong; here the "generated"
clips are the world's own renders of other scenes, so each kind is known."""
import os
import sys

from conftest import MODEL
from studio_model import world
from studio_model.world import ObjectSpec, SceneSpec

sys.path.insert(0, os.path.join(MODEL, "tools"))
import evaluate as ev  # noqa: E402
import pair_rows  # noqa: E402

W, H = pair_rows.W, pair_rows.H


def verdict(asked, drawn, k=0):
    ref, bg = world.render(asked, W, H, ev.FRAMES), ev.background(asked, W, H)
    return pair_rows.object_verdict(asked.objects[k], world.render(drawn, W, H, ev.FRAMES), ref, bg)


def pair(first, second=ObjectSpec(shape="box", colour="blue", motion="spin")):
    return SceneSpec(scene="sky", objects=[first, second])


def test_each_kind_of_failure_is_named():
    left = ObjectSpec(shape="ball", colour="red", motion="left")
    asked = pair(left)
    kind, r0, g0, rt, gt = verdict(asked, asked)
    assert kind == "right" and abs(r0 - 0.65) < 0.03 and rt < -0.4
    # drawn still where a first object stands (x 0.3) instead of starting the travel right of the partner
    kind, r0, g0, rt, gt = verdict(asked, pair(ObjectSpec(shape="ball", colour="red", motion="still")))
    assert kind == "start" and abs(g0 - 0.3) < 0.03 and abs(gt) < 0.02
    # a ball asked to grow, drawn in its place but keeping its size
    grow = pair(ObjectSpec(shape="ball", colour="red", motion="grow"))
    assert verdict(grow, pair(ObjectSpec(shape="ball", colour="red", motion="still")))[0] == "size"
    # the ball drawn in another colour
    assert verdict(asked, pair(ObjectSpec(shape="ball", colour="green", motion="left")))[0] == "unseen"
    # travelling the wrong way from the right place
    right = ObjectSpec(shape="ball", colour="red", motion="right", position="right", speed="slowly")
    asked = pair(ObjectSpec(shape="ball", colour="red", motion="left", position="right", speed="slowly"))
    assert verdict(asked, pair(right))[0] == "track"
