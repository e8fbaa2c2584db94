#!/usr/bin/env bash
# vae-mlp's 10-epoch recipe on the CPU, Strata beside PyTorch: test negative
# ELBO (nats), linear-probe and kNN accuracy of mu, train seconds.
#
#   bench/vae-mlp-cpu.sh [EPOCHS]
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
"$strata" train models/vae-mlp.strata --target=cpu --epochs "$epochs" --seed 0 --checkpoint "$work/ck" --quiet --json > "$work/train.json"
"$strata" eval models/vae-mlp.strata --checkpoint "$work/ck" --json > "$work/eval.json"
"$python" bench/reference/vae_mlp.py --epochs "$epochs" --seed 0 > "$work/ref.json"
"$python" - "$work" "$epochs" << 'PY'
import json, sys
work, epochs = sys.argv[1], sys.argv[2]
train, ours, ref = (json.load(open(f"{work}/{n}.json")) for n in ("train", "eval", "ref"))
print(f"vae-mlp, {epochs} epochs{'':7}{'strata':>10}{'pytorch':>10}")
print(f"{'test negative ELBO':24}{ours['test_loss']:10.2f}{ref['test_loss']:10.2f}"
      f"   ({100 * (ours['test_loss'] / ref['test_loss'] - 1):+.2f}%)")
print(f"{'linear probe on mu':24}{ours['linear_probe_accuracy']:10.4f}{ref['linear_probe_accuracy']:10.4f}")
print(f"{'kNN on mu (k=20)':24}{ours['knn_accuracy']:10.4f}{ref['knn_accuracy']:10.4f}")
print(f"{'train seconds':24}{train['train_seconds']:10.1f}{ref['train_seconds']:10.1f}")
PY
