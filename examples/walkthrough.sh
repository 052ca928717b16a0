#!/usr/bin/env bash
# The README's walk-through, in a fresh folder: what `make demo` runs until the town simulator lands.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
credence="$here/.venv/bin/credence"
work="${1:-$here/demo}"
rm -rf "$work" && mkdir -p "$work" && cp -r "$here/examples" "$work/examples"
cd "$work"
export CREDENCE_DB="sqlite:///$work/walk.sqlite" CREDENCE_NOW=2026-11-01
export CREDENCE_RULEBOOKS="$here/rulebooks"
run() { printf '\n$ credence %s\n' "$*"; "$credence" "$@"; }
run init
run check "$here/rulebooks"
run load
run register examples/subjects.csv
run ingest examples/records.csv
run score P-0001 --at 2026-04-01
run score P-0001
run decide P-0008 rail.high-speed --at 2026-11-12
run lists
run notices P-0008
run appeal file P-0008 --record court:2026-LU0102-ZHI-877 --reason "paid in full"
run appeal decide 1 --overturn --reviewer judge-wu --reason "receipt verified"
run decide P-0008 rail.high-speed --at 2026-11-12
run public-register
run verify
