#!/usr/bin/env bash
# bert-mini-mlm's train step on the CPU, Strata against PyTorch eager, at a
# batch the 2-core CI machine can time (default 8 sequences of 128 tokens):
#   bash bench/bert-mini-cpu.sh [BATCH]
# Run from anywhere after scripts/build.sh; installs python3-torch if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ensure_torch
batch=${1:-8}
build/bin/strata bench models/bert-mini-mlm.strata --batch "$batch" --steps 10 --warmup 2
(cd bench/reference && "$python" step_time.py bert-mini-mlm --batch "$batch" --steps 10 --warmup 2)
