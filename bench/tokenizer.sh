#!/usr/bin/env bash
# BPE training time on the KJV training verses, strata against the Hugging Face
# `tokenizers` trainer at the same vocabulary size (bert-mini-mlm's 8192).
# Run from the repository root after scripts/build.sh (which installs .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for run in 1 2 3; do
  build/bin/strata tokenize models/bert-mini-mlm.strata --split train -o "$tmp/t.json" --dump "$tmp/train.jsonl" | head -1
done
for run in 1 2 3; do
  .venv/bin/python bench/reference/tokenizer_train.py "$tmp/train.jsonl" 8192
done
