#!/bin/bash
# Ship a run as the built-in pack: the mechanical half of the end phase in one command, so a session's
# last half hour goes to the READMEs, the bench and the tests (the steps were typed by hand each session).
#   model/tools/ship_pack.sh model/runs-s24 0.14.0
# Needs RUN/ckpt.pt and after_run.sh's RUN/eval-a.json and RUN/eval-b.json. In order: the comparison with
# the shipped pack (printed first, for the record), the compact checkpoint and the pack's graphs with
# the version (snapshot.py --version), the scores into the manifest (evaluate.py --merge --manifest), the
# tokenizer fixture, the scores tables (RUN/scores_table.md, to paste into model/README.md; the outgoing
# pack's row put into model/pack_history.json, and every pack's tables in RUN/history_tables.md) and the
# probe image. It stops at the first step that fails; it commits nothing. Shipping the run a pack came
# from again writes the same bytes (session 24 ran it on runs-s23 as 0.13.0: git saw no change).
set -euo pipefail
RUN=$(cd "${1:?usage: ship_pack.sh RUN_FOLDER VERSION}" && pwd)
VERSION=${2:?usage: ship_pack.sh RUN_FOLDER VERSION (e.g. 0.14.0)}
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "ship_pack.sh: VERSION must look like 0.14.0, not '$VERSION'" >&2; exit 2; }
for f in ckpt.pt eval-a.json eval-b.json; do
  [ -f "$RUN/$f" ] || { echo "ship_pack.sh: $RUN/$f is missing (run after_run.sh first)" >&2; exit 1; }
done
cd "$(dirname "$0")/../.."
PY=${PY:-/usr/bin/python3}
MAN=resources/models/world-s/manifest.json

$PY model/evaluate.py --merge "$RUN/eval-a.json" "$RUN/eval-b.json" --out "$RUN/eval.json" > /dev/null
$PY model/tools/compare_scores.py "$MAN" "$RUN/eval.json"
# the outgoing pack's row of the history, before the new pack's manifest replaces it
$PY model/tools/scores_table.py --add-history "$MAN"
$PY model/snapshot.py --src "$RUN/ckpt.pt" --version "$VERSION"
$PY model/evaluate.py --merge "$RUN/eval-a.json" "$RUN/eval-b.json" --out "$RUN/eval.json" --manifest "$MAN"
$PY model/tools/make_tokenizer_fixture.py
$PY model/tools/scores_table.py "$MAN" > "$RUN/scores_table.md"
$PY model/tools/scores_table.py --history "$MAN" > "$RUN/history_tables.md"
$PY model/tools/probe.py --ckpt model/checkpoints/world-s.pt --out model/probe-world-s.png
echo "shipped $RUN as $VERSION; tables in $RUN/scores_table.md, every pack's in $RUN/history_tables.md (the outgoing pack's row is in model/pack_history.json). Left: both READMEs, npm run bench (alone), npm test, commit."
