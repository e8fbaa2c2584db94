#!/usr/bin/env bash
# simclr-conv's 10-epoch recipe on the CPU, Strata beside PyTorch: linear-probe
# and kNN test accuracy of the encoder's 128-d output, train seconds. Keeps
# Strata's checkpoint in runs/simclr_conv (bench/transfer-cpu.sh starts from it).
#
#   bench/simclr-conv-cpu.sh [EPOCHS]
#
# Needs a built tree (scripts/build.sh) and Debian's python3-torch and
# python3-numpy, which this script installs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}
strata=build/bin/strata
source bench/lib.sh
ensure_torch

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$strata" train models/simclr-conv.strata --target=cpu --epochs "$epochs" --seed 0 --checkpoint runs/simclr_conv \
  --quiet --json > "$work/train.json"
"$strata" eval models/simclr-conv.strata --checkpoint runs/simclr_conv --json > "$work/eval.json"
"$python" bench/reference/simclr_conv.py --epochs "$epochs" --seed 0 > "$work/ref.json"
"$python" - "$work" "$epochs" << 'PY'
import json, sys
work, epochs = sys.argv[1], sys.argv[2]
train, ours, ref = (json.load(open(f"{work}/{n}.json")) for n in ("train", "eval", "ref"))
print(f"simclr-conv, {epochs} epochs{'':6}{'strata':>10}{'pytorch':>10}")
print(f"{'linear probe on rep':24}{ours['linear_probe_accuracy']:10.4f}{ref['linear_probe_accuracy']:10.4f}")
print(f"{'kNN on rep (k=20)':24}{ours['knn_accuracy']:10.4f}{ref['knn_accuracy']:10.4f}")
print(f"{'train seconds':24}{train['train_seconds']:10.1f}{ref['train_seconds']:10.1f}")
PY
