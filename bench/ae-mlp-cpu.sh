#!/usr/bin/env bash
# ae-mlp on the CPU, Strata beside PyTorch, in one run on one machine.
#
#   bench/ae-mlp-cpu.sh speed     train-step time at batch 256 (median of 50
#                                 steps after 10 warm-up steps) and the ratio
#   bench/ae-mlp-cpu.sh quality   the 5-epoch recipe end to end: test MSE,
#                                 linear-probe and kNN accuracy, both sides
#
# Needs a built tree (scripts/build.sh) and Debian's python3-torch and
# python3-numpy, which this script installs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-speed}
strata=build/bin/strata
source bench/lib.sh
ensure_torch

field() { "$python" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

case "$mode" in
speed)
  ours=$("$strata" bench models/ae-mlp.strata --target=cpu --batch 256 --steps 50 --warmup 10)
  theirs=$("$python" bench/reference/ae_mlp.py speed --batch 256 --steps 50 --warmup 10)
  echo "strata:  $ours"
  echo "pytorch: $theirs"
  "$python" - "$ours" "$theirs" << 'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ratio = ours["median_step_ms"] / theirs["median_step_ms"]
print(f"ae-mlp batch 256 train step: strata {ours['median_step_ms']:.2f} ms, "
      f"pytorch eager {theirs['median_step_ms']:.2f} ms ({theirs['threads']} threads); "
      f"strata/pytorch = {ratio:.2f} ({1 / ratio:.2f}x {'faster' if ratio < 1 else 'slower'}); "
      f"strata compile {ours['compile_seconds']:.2f} s")
PY
  ;;
quality)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$strata" train models/ae-mlp.strata --target=cpu --epochs 5 --seed 0 --checkpoint "$work/ck" --quiet --json > "$work/train.json"
  "$strata" eval models/ae-mlp.strata --checkpoint "$work/ck" --json > "$work/eval.json"
  "$python" bench/reference/ae_mlp.py quality --epochs 5 --seed 0 > "$work/ref.json"
  "$python" - "$work" << 'PY'
import json, sys
work = sys.argv[1]
train, ours, ref = (json.load(open(f"{work}/{n}.json")) for n in ("train", "eval", "ref"))
print(f"{'':24}{'strata':>10}{'pytorch':>10}")
print(f"{'test MSE':24}{ours['test_loss']:10.4f}{ref['test_loss']:10.4f}")
print(f"{'linear probe accuracy':24}{ours['linear_probe_accuracy']:10.4f}{ref['linear_probe_accuracy']:10.4f}")
print(f"{'kNN accuracy (k=20)':24}{ours['knn_accuracy']:10.4f}{ref['knn_accuracy']:10.4f}")
print(f"{'train seconds (5 ep.)':24}{train['train_seconds']:10.1f}{ref['train_seconds']:10.1f}")
PY
  ;;
*)
  echo "usage: bench/ae-mlp-cpu.sh speed|quality" >&2
  exit 1
  ;;
esac
