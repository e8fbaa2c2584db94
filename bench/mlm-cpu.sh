#!/usr/bin/env bash
# The CPU masked-token recipe (models/bert-cpu-mlm.strata) trained by Strata,
# then by PyTorch eager for the same wall time on the same rows; held-out
# masked-token loss and accuracy of both, tokens per second, and the unigram
# baseline (always the most frequent training token):
#   bash bench/mlm-cpu.sh [OUT_DIR]
# Run from anywhere after scripts/build.sh; installs python3-torch if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
ensure_torch
out=${1:-$(mktemp -d)}
mkdir -p "$out"
spec=models/bert-cpu-mlm.strata
build/bin/strata tokenize "$spec" --split train --rows "$out/train.npy"
build/bin/strata tokenize "$spec" --split test --rows "$out/test.npy"
build/bin/strata train "$spec" --checkpoint "$out/strata" --log "$out/strata.jsonl" --json | tee "$out/train.json"
build/bin/strata eval "$spec" --checkpoint "$out/strata" --json | tee "$out/eval.json"
seconds=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["train_seconds"])' "$out/train.json")
"$python" bench/reference/mlm_cpu.py "$out/train.npy" "$out/test.npy" --seconds "$seconds" | tee "$out/pytorch.json"
"$python" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
train, ev, ref = (json.load(open(f"{out}/{n}.json")) for n in ("train", "eval", "pytorch"))
tokens = 64 * 64
print(f"{'':24} {'steps':>6} {'seconds':>8} {'tokens/s':>9} {'test loss':>10} {'masked acc':>11}")
print(f"{'strata (cpu)':24} {train['steps']:>6} {train['train_seconds']:>8.0f} "
      f"{tokens * train['steps'] / train['train_seconds']:>9.0f} {ev['test_loss']:>10.4f} {ev['test_masked_accuracy']:>11.4f}")
print(f"{ref['framework']:24} {ref['steps']:>6} {ref['train_seconds']:>8.0f} "
      f"{ref['tokens_per_second']:>9} {ref['test_loss']:>10.4f} {ref['test_masked_accuracy']:>11.4f}")
print(f"{'unigram (token ' + str(ref['unigram_token']) + ')':24} {'':>6} {'':>8} {'':>9} {'':>10} {ref['unigram_accuracy']:>11.4f}")
PY
