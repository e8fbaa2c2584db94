#!/usr/bin/env bash
# conv-ae's 5-epoch recipe on the CPU, Strata beside PyTorch, and ae-mlp at
# the same epochs: test MSE, linear-probe and kNN accuracy of the 32-d code,
# train seconds.
#
#   bench/conv-ae-cpu.sh [EPOCHS]
#
# Needs a built tree (scripts/build.sh) and Debian's python3-torch and
# python3-numpy, which this script installs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-5}
strata=build/bin/strata
source bench/lib.sh
ensure_torch

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in conv-ae ae-mlp; do
  "$strata" train "models/$model.strata" --target=cpu --epochs "$epochs" --seed 0 --checkpoint "$work/$model" \
    --quiet --json > "$work/$model-train.json"
  "$strata" eval "models/$model.strata" --checkpoint "$work/$model" --json > "$work/$model-eval.json"
done
"$python" bench/reference/conv_ae.py --epochs "$epochs" --seed 0 > "$work/ref.json"
"$python" - "$work" "$epochs" << 'PY'
import json, sys
work, epochs = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(f"{work}/{name}.json"))
conv, conv_train, mlp, mlp_train, ref = (load(n) for n in ("conv-ae-eval", "conv-ae-train", "ae-mlp-eval",
                                                           "ae-mlp-train", "ref"))
print(f"{epochs} epochs, seed 0{'':10}{'conv-ae':>10}{'pytorch':>10}{'ae-mlp':>10}")
print(f"{'test MSE':26}{conv['test_loss']:10.5f}{ref['test_loss']:10.5f}{mlp['test_loss']:10.5f}")
print(f"{'linear probe on z':26}{conv['linear_probe_accuracy']:10.4f}{ref['linear_probe_accuracy']:10.4f}"
      f"{mlp['linear_probe_accuracy']:10.4f}")
print(f"{'kNN on z (k=20)':26}{conv['knn_accuracy']:10.4f}{ref['knn_accuracy']:10.4f}{mlp['knn_accuracy']:10.4f}")
print(f"{'train seconds':26}{conv_train['train_seconds']:10.1f}{ref['train_seconds']:10.1f}"
      f"{mlp_train['train_seconds']:10.1f}")
PY
