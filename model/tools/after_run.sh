#!/bin/bash
# After a training run, with no minute lost: waits for train.py to finish, then runs the probes and the full
# evaluation in two parts, one after the other, in onnxruntime-node (--engine ort; about 30 minutes in PyTorch), and merges them.
#   nohup model/tools/after_run.sh model/runs-s14 > model/runs-s14/after.log 2>&1 &
# Writes into the run folder: speeds.txt, layout.txt, eval-a.json, eval-b.json, eval.json and the times, then
# second.txt: the second draw of the shipped checkpoint and the run's (tools/second_draw.py, 6 more minutes),
# which decides where the sums on the 252 prompts are within a few prompts, and third.txt, a draw of seed 2028 the
# shipped pack was never chosen on (session 60; 5 more minutes); then pairs.txt and seams.txt, the
# two probes each session's notes report (motion_track.py --pairs and --seams, 2 more minutes).
set -u
RUN=$(cd "${1:?usage: after_run.sh RUN_FOLDER, the folder that holds ckpt.pt}" && pwd)
cd "$(dirname "$0")/.."
while pgrep -f "train.py --stage dit" >/dev/null; do sleep 10; done
[ -f "$RUN/ckpt.pt" ] || { echo "after_run.sh: there is no $RUN/ckpt.pt to evaluate" >&2; exit 1; }
date +%T > "$RUN/eval-start.txt"
/usr/bin/python3 tools/motion_track.py --engine ort --ckpt "$RUN/ckpt.pt" --speeds --n 2 --threads 2 > "$RUN/speeds.txt" 2>&1
/usr/bin/python3 tools/motion_track.py --engine ort --ckpt "$RUN/ckpt.pt" --layout --n 4 --threads 2 > "$RUN/layout.txt" 2>&1
date +%T >> "$RUN/eval-start.txt"
/usr/bin/python3 evaluate.py --engine ort --ckpt "$RUN/ckpt.pt" --tasks t2v,t2v_square,i2v,i2v_conflict --out "$RUN/eval-a.json" > "$RUN/eval-a.log" 2>&1
/usr/bin/python3 evaluate.py --engine ort --ckpt "$RUN/ckpt.pt" --tasks extend_forward,extend_backward,chained_extension,infill --out "$RUN/eval-b.json" > "$RUN/eval-b.log" 2>&1
/usr/bin/python3 evaluate.py --merge "$RUN/eval-a.json" "$RUN/eval-b.json" --out "$RUN/eval.json" > "$RUN/eval-merge.log" 2>&1
date +%T > "$RUN/eval-end.txt"
/usr/bin/python3 tools/second_draw.py checkpoints/world-s.pt "$RUN/ckpt.pt" > "$RUN/second.txt" 2>&1
/usr/bin/python3 tools/second_draw.py --seed 2028 checkpoints/world-s.pt "$RUN/ckpt.pt" > "$RUN/third.txt" 2>&1
date +%T >> "$RUN/eval-end.txt"
/usr/bin/python3 tools/motion_track.py --engine ort --ckpt "$RUN/ckpt.pt" --pairs > "$RUN/pairs.txt" 2>&1
/usr/bin/python3 tools/motion_track.py --engine ort --ckpt "$RUN/ckpt.pt" --seams > "$RUN/seams.txt" 2>&1
date +%T >> "$RUN/eval-end.txt"
