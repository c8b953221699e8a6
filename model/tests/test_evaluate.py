"""The scorer (model/evaluate.py) judges the renderer's own clips right and plainly wrong clips wrong,
so a score from it means something about the model."""
import json
import os
import subprocess
import sys

import numpy as np

import evaluate as ev
from conftest import MODEL, ROOT
from studio_model import world
from studio_model.world import SceneSpec

sys.path.insert(0, os.path.join(MODEL, "tools"))  # compare_scores, second_draw, scores_table: imported in their tests

W, H, T = 128, 72, 16


def test_reference_clips_score_right():
    rng = np.random.default_rng(7)
    specs = ev.eval_specs(rng, len(world.MOTIONS), 1, motions=world.MOTIONS, camera_p=0.0) + ev.eval_specs(rng, 4, 2, camera_p=0.0)
    for s in specs:
        r = ev.score_t2v(world.render(s, W, H, T), s, W, H)
        assert r["all"], (s, r)


def test_wrong_clips_score_wrong():
    s = world.parse("a red ball moves right on a grass field")
    ref = world.render(s, W, H, T)
    empty = world.render(SceneSpec(scene="field", objects=[], camera=None), W, H, T)
    assert not ev.score_t2v(empty, s, W, H)["colour"][0]
    blue = world.render(world.parse("a blue ball moves right on a grass field"), W, H, T)
    assert not ev.score_t2v(blue, s, W, H)["all"]
    left = world.render(world.parse("a red ball moves left on a grass field"), W, H, T)
    r = ev.score_t2v(left, s, W, H)
    assert r["colour"][0] and not r["motion"][0]
    snow = world.render(world.parse("a red ball moves right in the snow"), W, H, T)
    assert not ev.score_t2v(snow, s, W, H)["scene"]
    assert ev.score_t2v(ref, s, W, H)["all"]


def test_a_spinning_box_comes_back_to_its_outline_every_four_frames():
    """session 61: the world turns a spinning object once a window, so a box (the same after a quarter turn) has
    its outline back every 4 frames, one time slice of tokens; a box held square to the frame is no spin"""
    s = world.parse("a blue box spins on the sand")
    spinning = world.render(s, W, H, T)
    m = ev.colour_masks(spinning, ev.background(s, W, H, 0.0), "blue")
    c = ev.outline_change(m)
    assert c[0] == 0 and c[2] > 0.2 and c[4] < 0.05 and c[6] > 0.2, np.round(c, 2)
    held = world.render(world.parse("a blue box sits on the sand"), W, H, T)
    assert not ev.score_t2v(held, s, W, H)["motion"][0]
    assert ev.score_t2v(spinning, s, W, H)["motion"][0]


def test_seam_check():
    s = world.parse("a red ball moves right in the sky")
    a = world.render(s, W, H, T, tau0=0.0)
    assert ev.seam_ok(a, 4)[0]
    jumped = a.copy()
    jumped[4:] = world.render(world.parse("a red ball moves left in the sky"), W, H, T)[4:]
    assert not ev.seam_ok(jumped, 4)[0]


def test_conflict_check():
    """image-to-video with a prompt naming another scene: a clip that keeps the picture's scene passes,
    one that switches to the prompt's scene after the first frame fails."""
    s = world.parse("a red ball moves right over the sea")
    kept = world.render(s, W, H, T)
    assert ev.score_conflict(kept, s, W, H)["scene_kept"]
    switched = world.render(world.parse("a red ball moves right on a grass field"), W, H, T)
    switched[0] = kept[0]
    r = ev.score_conflict(switched, s, W, H)
    assert not r["scene_kept"] and r["psnr_second"] < 20


def test_a_subset_of_tasks_gets_the_prompts_of_a_full_run(monkeypatch):
    """evaluate.py --tasks (two processes sharing one evaluation, then --merge) must score each task on
    the prompts the full run gives it: a skipped task still draws its prompts from the shared stream."""
    import argparse
    seen = []

    def fake_generate(model, ae, prompts, cond_frames=None, given=None, W=128, H=72, seed=0, **kw):
        if model is ev.SKIP:
            raise ev.Skipped
        seen.append((seed, tuple(prompts)))
        return [np.zeros((T, H, W, 3), np.uint8) for _ in prompts]

    monkeypatch.setattr(ev, "generate", fake_generate)
    args = argparse.Namespace(seed=5, n1=4, n2=3, n_square=2, n_i2v=3, n_ext=2, n_chain=5, n_infill=2, n_conflict=2)
    full = ev.run_tasks("model", None, args, 4, ev.TASKS)
    assert list(full) == ev.TASKS
    all_calls = list(seen)
    for t in ev.TASKS:
        seen.clear()
        part = ev.run_tasks("model", None, args, 4, [t])
        assert list(part) == [t]
        assert [r["prompt"] for r in part[t]] == [r["prompt"] for r in full[t]]
        assert set(seen) <= set(all_calls) and seen


def test_compare_scores_counts_prompts_right_per_row_and_their_sum(tmp_path, capsys):
    """tools/compare_scores.py: the shipped pack's manifest beside an eval.json that is one prompt better on
    one object and one worse on in-filling: the rows show it and the sums are level"""
    import compare_scores
    manifest = os.path.join(ROOT, "resources", "models", "world-s", "manifest.json")
    with open(manifest) as f:
        s = json.load(f)["evaluation"]["scores"]
    one, inf = s["text_to_video"]["1_object"], s["infill"]
    base_one, base_inf = round(one["all"] * one["n"]), round(inf["all"] * inf["n"])
    one["all"] = (base_one + 1) / one["n"]
    inf["all"] = (base_inf - 1) / inf["n"]
    other = tmp_path / "eval.json"
    other.write_text(json.dumps({"scores": s}))
    compare_scores.main([manifest, str(other)])
    out = capsys.readouterr().out
    assert f"| 1 object | {base_one}/88 | {base_one + 1}/88 |" in out
    assert f"| in-filling | {base_inf}/16 | {base_inf - 1}/16 |" in out
    sums = [line for line in out.splitlines() if line.startswith("| sum")][0].split("|")[2:4]
    assert sums[0].strip() == sums[1].strip()


def test_second_draw_counts_each_checkpoints_rows_side_by_side(tmp_path, capsys):
    """tools/second_draw.py on two rows files (what it keeps per checkpoint): one object 1/2 against 2/2,
    two objects 0/1 against 1/1, the motion that failed shown per kind, and the sums 1 and 3"""
    import second_draw

    def row(n_obj, motions, ok):
        return {"n_obj": n_obj, "all": ok, "scene": True, "colour": [True] * n_obj, "motion": [ok] * n_obj,
                "motions": motions}
    paths = []
    for name, oks in (("old", (True, False, False)), ("new", (True, True, True))):
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps({"rows": {"t2v": [row(1, ["left"], oks[0]), row(1, ["fall"], oks[1]),
                                                   row(2, ["up", "down"], oks[2])]}}))
        paths.append(str(p))
    second_draw.main(paths)
    out = capsys.readouterr().out
    assert "| 1 object | 1/2 | 2/2 |" in out
    assert "| 2 objects | 0/1 | 1/1 |" in out
    assert "| 1 object: fall, motion right | 0% | 100% |" in out
    assert "| 1 object: left, motion right | 100% | 100% |" in out
    assert out.rstrip().endswith("| sum | 1 | 3 |")
    # the third draw (session 60): the heading names the draw's seed, so a table pasted into the notes says which
    second_draw.main(paths[:1], seed=2028)
    assert capsys.readouterr().out.startswith("| another draw (seed 2028) | ")
    bad = subprocess.run([sys.executable, os.path.join(MODEL, "tools", "second_draw.py"), "--seed", "next", paths[0]],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "--seed wants a whole number" in bad.stderr


def test_scores_table_keeps_a_decimal_just_under_a_bar(capsys):
    """tools/scores_table.py: a score just under its floor or target must not read as it (79/88 is 89.8%,
    not "90%" beside a 90% target); other scores stay whole percent; the shipped table has both t2v rows"""
    import scores_table
    assert scores_table.pct_against(79 / 88, 0.6, 0.9) == "89.8%"
    assert scores_table.pct_against(0.598, 0.6, 0.9) == "59.8%"
    assert scores_table.pct_against(0.84, 0.6, 0.9) == "84%"
    assert scores_table.pct_against(0.9, 0.6, 0.9) == "90%"
    assert scores_table.pct_against(0.904, 0.6, 0.9) == "90%"
    assert scores_table.pct_against(0.898, None, None) == "90%"
    scores_table.main(os.path.join(ROOT, "resources", "models", "world-s", "manifest.json"))
    out = capsys.readouterr().out
    assert "| 1 object, 16:9 | 88 |" in out and "| 2 objects, 16:9 | 56 |" in out
    assert "| 60% | 90% |" in out and "| 40% | 75% |" in out


def test_pack_history_keeps_every_pack_and_takes_the_outgoing_one(tmp_path):
    """tools/scores_table.py: a pack's history row gives each score as the manifest holds it (with the table's
    decimal where whole percent would reach a bar the row has not); --add-history puts the outgoing pack at the
    head of the history once, however often it is shipped; --history prints the shipped pack first and every
    earlier one after it, with '-' where an early pack was not scored on a row"""
    import scores_table
    manifest = os.path.join(ROOT, "resources", "models", "world-s", "manifest.json")
    with open(manifest) as f:
        man = json.load(f)
    s = man["evaluation"]["scores"]
    rec = scores_table.record(man)
    one, two = s["text_to_video"]["1_object"], s["text_to_video"]["2_object"]
    assert rec["version"] == man["version"] and rec["step"] == man["training"]["steps"]
    assert rec["one"] == scores_table.pct_against(one["all"], *scores_table.bars(s, "1_object"))
    assert rec["two_per"]["bounce"] == f"{100 * two['motion_per_kind']['bounce']:.0f}%"
    assert rec["inf"] == f"{100 * s['infill']['all']:.0f}%"

    hist = tmp_path / "pack_history.json"
    old = scores_table.load_history()
    assert man["version"] not in [r["version"] for r in old], "the shipped pack belongs in the manifest, not the history"
    assert [r["version"] for r in old][-1] == "0.1.0" and all(r["step"] > 0 for r in old)
    scores_table.write_history(old, hist)
    scores_table.add_history(manifest, hist)
    scores_table.add_history(manifest, hist)
    rows = scores_table.load_history(hist)
    assert [r["version"] for r in rows] == [man["version"]] + [r["version"] for r in old]

    out = scores_table.history(manifest).splitlines()
    assert out[2].startswith(f"| {man['version']} ({man['training']['steps']}) | {rec['one']} | {rec['two']} |")
    assert out[3].startswith(f"| {old[0]['version']} ({old[0]['step']}) |")
    first = next(line for line in out if line.startswith("| 0.1.0 (5453) |"))
    assert "| - |" in first