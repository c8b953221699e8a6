"""Text-to-video on a second draw of prompts (seed 2027: 88 one-object, 112 two-object), for checkpoints side
by side: what decides between two packs whose sums on the 252 prompts are within a few prompts (session 27's
rule). `evaluate.py --merge` wants every task, so this runs `evaluate.py --tasks t2v` and scores the rows itself.
Each argument is a checkpoint (its rows are kept in /tmp/second-draw, keyed by the file's path, size and time, and
reused while it is unchanged) or such a rows file. About 2.5 minutes a checkpoint in onnxruntime on two cores.
`--seed N` draws another set of the same size instead: session 60 added the third draw, seed 2028, because
the shipped pack was chosen partly on seed 2027, so its score there leans high against any new run's.

  /usr/bin/python3 model/tools/second_draw.py model/checkpoints/world-s.pt model/runs-s28/ckpt.pt
  /usr/bin/python3 model/tools/second_draw.py --seed 2028 model/checkpoints/world-s.pt model/runs-s60/ckpt.pt
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import evaluate  # noqa: E402
from compare_scores import right  # noqa: E402

SEED = 2027
SIZES = ["--n1", "88", "--n2", "112"]


def rows_for(path, seed=SEED):
    """the t2v rows of a checkpoint on the draw of `seed` (run once, then read back)"""
    if path.endswith(".json"):
        out = path
    else:
        st = os.stat(path)
        key = f"{os.path.abspath(path)}-{st.st_size}-{int(st.st_mtime)}".replace("/", "_")
        key += "" if seed == SEED else f"-seed{seed}"
        os.makedirs("/tmp/second-draw", exist_ok=True)
        out = os.path.join("/tmp/second-draw", key + ".json")
        if not os.path.exists(out):
            subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "evaluate.py"), "--engine", "ort",
                            "--ckpt", path, "--tasks", "t2v", "--seed", str(seed), *SIZES, "--out", out], check=True)
    with open(out) as f:
        return json.load(f)["rows"]["t2v"]


def main(paths, seed=SEED):
    S = [evaluate.summarize_t2v(rows_for(p, seed)) for p in paths]
    print(f"| {'second' if seed == SEED else 'another'} draw (seed {seed}) | " + " | ".join(paths) + " |\n|---" + "|---" * len(S) + "|")
    for key, label in (("1_object", "1 object"), ("2_object", "2 objects")):
        print(f"| {label} | " + " | ".join(f"{right(s[key])}/{int(s[key]['n'])}" for s in S) + " |")
        kinds = sorted(set().union(*(s[key]["motion_per_kind"] for s in S)))
        for k in kinds:
            print(f"| {label}: {k}, motion right | " + " | ".join(f"{s[key]['motion_per_kind'].get(k, 0):.0%}" for s in S) + " |")
    print("| sum | " + " | ".join(str(right(s["1_object"]) + right(s["2_object"])) for s in S) + " |")


def whole_number(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--seed wants a whole number, e.g. --seed 2028, not {text!r}")
    return int(text)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", help="checkpoints or rows files, side by side")
    ap.add_argument("--seed", type=whole_number, default=SEED, help=f"the draw (default {SEED}, the second draw)")
    args = ap.parse_args()
    main(args.paths, args.seed)
