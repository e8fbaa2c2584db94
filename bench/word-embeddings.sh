#!/usr/bin/env bash
# word2vec and GloVe on the lower-cased KJV beside gensim's skip-gram with the
# same settings, on the same verses and words: training time, words per
# second, analogy accuracy (questions-words.txt) and WordSim-353 Spearman by
# gensim's own evaluators, and each side's nearest words and analogies.
#
#   bench/word-embeddings.sh
#
# Needs a built tree (scripts/build.sh), Debian's bible-kjv, and gensim from
# PyPI in .venv (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
strata=build/bin/strata
source bench/lib.sh
ensure_gensim

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$strata" tokenize models/word2vec.strata --dump "$work/words.jsonl" >&2
models=()
for model in word2vec glove; do
  "$strata" train "models/$model.strata" --target=cpu --seed 0 --checkpoint "$work/$model" --quiet --json > "$work/$model.train.json"
  "$strata" embed "models/$model.strata" --checkpoint "$work/$model" --split vocabulary \
    --out "$work/$model.npy" --vocab "$work/$model.txt" >&2
  models+=(--strata "$model" "$work/$model.npy" "$work/$model.txt" "$work/$model.train.json")
done
"$venv_python" bench/reference/word_embeddings.py --corpus "$work/words.jsonl" "${models[@]}" > "$work/report.json"
"$venv_python" - "$work/report.json" << 'PY'
import json, sys
report = json.load(open(sys.argv[1]))
sides = [name for name in report if name != "corpus_words"]
print(f"{report['corpus_words']:,} words in the training verses")
print(f"{'':18}{'epochs':>7}{'seconds':>9}{'words/s':>11}{'analogies':>11}{'(of)':>6}{'WS-353':>8}")
for name in sides:
    r = report[name]
    print(f"{name:18}{r['epochs']:7d}{r['train_seconds']:9.1f}{r['words_per_second']:11,.0f}"
          f"{r['analogy_accuracy']:11.4f}{r['analogy_questions']:6d}{r['wordsim353_spearman']:8.3f}")
for name in sides:
    print(f"\n{name}:")
    for query, words in report[name]["neighbours"].items():
        print(f"  {query:24} {' '.join(words)}")
PY
