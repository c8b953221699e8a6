#!/usr/bin/env bash
# The GPU machine (the `device` tool), in one call: resume the carried checkpoint on CUDA, train, and
# bring the run back. A session is lent that machine rarely and for 15 minutes in all, start included,
# so everything it needs is here and was run end to end on the CPU (DEVICE=cpu, below).
#
# Three limits of the tool shape it: it sends the tracked files and refuses more than 64 MiB (the two
# checkpoints and the pack are 105 MB when a run is carried in world-s-next.pt: then the run needs that one,
# not world-s.pt, and --slim takes world-s.pt out of the call; with no carried run, as after pack 0.10.0,
# the tree is about 62 MB and the run starts from world-s.pt, no --slim needed); it brings back
# at most 16 MiB a file (the compact checkpoint is 43 MB: it comes back in parts); and one command runs
# at most 10 minutes (MINUTES of training plus about a minute of loading, snapshot and copying).
#
#   here:  bash model/tools/gpu_run.sh --slim           # world-s.pt out of the index for the call
#   there: bash model/tools/gpu_run.sh MINUTES [SEED]   # device run, timeout_s 600: MINUTES 7 leaves room
#   here:  bash model/tools/gpu_run.sh --restore DIR    # DIR: the run's files_at; world-s.pt back in the
#                                                       # index, the parts joined into world-s-next.pt
# Then measure (object_error.py), and commit world-s-next.pt as after a CPU session.
set -euo pipefail
[ "${1:-}" = --restore ] && { DIR=$(realpath "${2:?"--restore DIR: the folder the run's files came back to"}"); }
cd "$(dirname "$0")/../.."   # the repository root
SLIM=model/checkpoints/world-s.pt
NEXT=model/checkpoints/world-s-next.pt
EXCLUDE=$(git rev-parse --git-path info/exclude)

case "${1:-}" in
--slim)
  [ -f "$NEXT" ] || { echo "there is no $NEXT: the run starts from $SLIM, which must go with it; no --slim needed" >&2; exit 1; }
  # untracked and ignored for the call only: nothing is deleted, and --restore puts it back
  git rm -q --cached "$SLIM"
  grep -qxF "/$SLIM" "$EXCLUDE" 2>/dev/null || echo "/$SLIM" >>"$EXCLUDE"
  echo "$SLIM is out of the index until '$0 --restore DIR' (do not commit in between)."
  echo "tracked now: $(git ls-files -z | xargs -0 du -cb | tail -1 | cut -f1) bytes (the tool takes 67108864)"
  exit 0
  ;;
--restore)
  git reset -q -- "$SLIM"
  sed -i "\#^/$SLIM\$#d" "$EXCLUDE"
  echo "$SLIM is back in the index."
  [ -f "$DIR/sha256" ] || { echo "$DIR has no sha256: the run did not finish; $NEXT is unchanged" >&2; exit 1; }
  cat "$DIR"/next.pt.part* >"$NEXT.tmp"
  [ "$(cut -d' ' -f1 "$DIR/sha256")" = "$(sha256sum "$NEXT.tmp" | cut -d' ' -f1)" ] ||
    { rm -f "$NEXT.tmp"; echo "the parts in $DIR do not join to the run's checkpoint; $NEXT is unchanged" >&2; exit 1; }
  mv "$NEXT.tmp" "$NEXT"
  mkdir -p model/runs-gpu && cp "$DIR"/*.log "$DIR"/*.out model/runs-gpu/ 2>/dev/null || true
  echo "$NEXT joined from the run's parts (sha256 checked); its logs are in model/runs-gpu/."
  exit 0
  ;;
esac

MINUTES=${1:?"MINUTES of training, or --slim / --restore DIR"}
SEED=${2:-$(date +%s)}
DEVICE=${DEVICE:-cuda}
WORKERS=${WORKERS:-$(($(nproc) - 2))}   # the trainer keeps two cores
OUT=${OUT:?"OUT: the folder whose files come back (the device tool sets it)"}
PY=${PY:-python3}                       # there, the python3 on PATH holds PyTorch with CUDA
export PYTHONUNBUFFERED=1

cd model
$PY -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available() and torch.cuda.get_device_name(0))"
RUN=runs-gpu
rm -rf "$RUN"
# Session 18's recipe (model/README.md), with the batch and the learning rate of a data-bound GPU:
# the workers only render (--encode-on-device), the trainer encodes and steps.
FROM=checkpoints/world-s-next.pt   # a carried run, else the shipped pack's checkpoint
[ -f "$FROM" ] || FROM=checkpoints/world-s.pt
STUDIO_RUNS=$RUN $PY train.py --stage dit --resume --from "$FROM" --device "$DEVICE" \
  --batch 64 --lr 4e-4 --decay-from 0.25 --ema 0.99 --t2v-share 0.5 --t1-share 0.4 --conflict-p 0.25 \
  --threads 2 --workers "$WORKERS" --encode-on-device --minutes "$MINUTES" --eval-minutes 3 --quick-eval 0 \
  --seed "$SEED" --bf16 --motion-weights left=2.5,right=2.5 --camera-p 0.35 --position-p 0.3 2>&1 |
  tee "$OUT/train.out"   # in $OUT as it goes: a call stopped at its limit still brings this back
$PY snapshot.py --src "$RUN/ckpt.pt" --to "$RUN/next.pt"
split -b 15000000 -d "$RUN/next.pt" "$OUT/next.pt.part"
(cd "$RUN" && sha256sum next.pt) >"$OUT/sha256"
cp "$RUN/train.log" "$OUT/"
cp "$RUN/curve.log" "$OUT/" 2>/dev/null || true
ls -l "$OUT"
