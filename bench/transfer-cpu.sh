#!/usr/bin/env bash
# Transfer with 1% of the labels: models/transfer-conv.strata's classifier on
# 600 labelled training images, its encoder simclr-conv's pretrained one
# (frozen, and fine-tuned) against the same classifier from scratch. Prints
# the test accuracy of each.
#
#   bench/transfer-cpu.sh [SIMCLR_CHECKPOINT]   (default runs/simclr_conv/checkpoint.safetensors,
#                                                which `strata train models/simclr-conv.strata` writes)
set -euo pipefail
cd "$(dirname "$0")/.."
pretrained=${1:-runs/simclr_conv/checkpoint.safetensors}
strata=build/bin/strata
[ -f "$pretrained" ] || { echo "no pretrained checkpoint at $pretrained: train models/simclr-conv.strata first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#runs/simclr_conv/checkpoint.safetensors#$pretrained#" models/transfer-conv.strata > "$work/frozen.strata"
sed 's#frozen: true#frozen: false#' "$work/frozen.strata" > "$work/fine-tuned.strata"
grep -v '^  init pretrained' "$work/frozen.strata" > "$work/scratch.strata"
for variant in frozen fine-tuned scratch; do
  "$strata" train "$work/$variant.strata" --seed 0 --checkpoint "$work/$variant" --quiet --json > "$work/$variant-train.json"
  "$strata" eval "$work/$variant.strata" --checkpoint "$work/$variant" --probe knn --json > "$work/$variant-eval.json"
done
python3 - "$work" << 'PY'
import json, sys
work = sys.argv[1]
print(f"{'600 labels (1%), 30 epochs':30}{'test accuracy':>15}{'train seconds':>15}")
for variant in ("frozen", "fine-tuned", "scratch"):
    ev = json.load(open(f"{work}/{variant}-eval.json"))
    tr = json.load(open(f"{work}/{variant}-train.json"))
    name = "from scratch" if variant == "scratch" else f"pretrained, {variant}"
    print(f"{name:30}{ev['test_accuracy']:15.4f}{tr['train_seconds']:15.1f}")
PY
