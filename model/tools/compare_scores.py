"""Prompts right out of n, row by row, for packs and runs side by side (what a session weighs before it
ships: is the run ahead on one object and not behind in sum?). Each argument is a pack's manifest.json
(its `evaluation.scores`) or an evaluate.py --out file (eval.json, its `scores`).

  /usr/bin/python3 model/tools/compare_scores.py resources/models/world-s/manifest.json model/runs-s20/eval.json
"""
import json
import sys

# (label, the row's path in the scores, the share counted); "sum" adds the "all" rows
ROWS = [("1 object", ("text_to_video", "1_object"), "all"), ("1 object, colour", ("text_to_video", "1_object"), "colour"),
        ("2 objects", ("text_to_video", "2_object"), "all"), ("2 objects, colour", ("text_to_video", "2_object"), "colour"),
        ("1:1", ("text_to_video_1x1", "1_object"), "all"), ("image-to-video", ("image_to_video",), "all"),
        ("extend forward", ("extend_forward",), "all"), ("extend backward", ("extend_backward",), "all"),
        ("chained", ("chained_extension",), "all"), ("in-filling", ("infill",), "all")]


def scores(path):
    with open(path) as f:
        d = json.load(f)
    return d["evaluation"]["scores"] if "evaluation" in d else d["scores"]


def row(s, keys):
    for k in keys:
        s = s[k]
    return s


def right(r, share="all"):
    """prompts right out of the row's n: the scores keep the share, rounded to 3 places"""
    return round(r[share] * r["n"])


def main(paths):
    S = [scores(p) for p in paths]
    total = [0] * len(S)
    print("| | " + " | ".join(paths) + " |\n|---" + "|---" * len(S) + "|")
    for label, keys, share in ROWS:
        cells = []
        for i, s in enumerate(S):
            r = row(s, keys)
            k = right(r, share)
            total[i] += k if share == "all" else 0
            cells.append(f"{k}/{int(r['n'])}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| sum of the all-right rows | " + " | ".join(str(t) for t in total) + " |")
    per = [row(s, ("text_to_video", "1_object"))["motion_per_kind"] for s in S]
    print("\none object, per motion: " + "; ".join(
        k + " " + " / ".join(f"{p.get(k, 0):.0%}" for p in per) for k in sorted(per[0])))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
