#!/usr/bin/env bash
# Ingest of a text-layer PDF before and after a change, in the same run (issue 15: OCR and the
# positioned header reading must not make ingest of born-digital letters slower). Runs the criterion
# bench `node/ingest/text_pdf_46KB_full_path` (stage + hash + analysis child + blob + commit) at REF
# in a temporary worktree, saves it as the baseline `ref`, then runs the same bench on the working
# tree against it; criterion prints the change with its confidence interval.
# Usage: benches/ingest-regression.sh [REF]   (default 9a3181b, the commit before OCR landed)
# Both builds share target/ (only the kasa crate is rebuilt). Nothing else should run meanwhile.
set -eu
cd "$(dirname "$0")/.."
ref=${1:-9a3181b}
# Beside this tree: the bench reads ../shared/samples relative to the crate.
wt="$(cd .. && pwd)/kasa-bench-ref-$$"
git worktree add -q --detach "$wt" "$ref"
trap 'git worktree remove --force "$wt"' EXIT
here=$(pwd)
( cd "$wt" && CARGO_TARGET_DIR="$here/target" cargo bench -q --bench node -- ingest --save-baseline ref )
cargo bench -q --bench node -- ingest --baseline ref
