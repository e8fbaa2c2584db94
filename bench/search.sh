#!/usr/bin/env bash
# Vector search beside FAISS on the same vectors: exact and HNSW, queries per
# second, graph build time and recall@10 against exact search (exact on the
# CPU in the table; on a GPU too, in a line of its own, when one is visible), on
#   - ae-mlp's 32-d codes (5 epochs): 60,000 train rows, the 10,000 test rows as queries;
#   - simclr-mlp's 128-d representations (1 epoch), the same rows and queries;
#   - word2vec's word table (every vocabulary word), every word as a query.
#
#   bench/search.sh
#
# Needs a built tree (scripts/build.sh), Debian's python3-faiss and python3-numpy
# (installed when missing). Training the three models takes about 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
strata=build/bin/strata
source bench/lib.sh
ensure_faiss

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
k=10

# index.npy queries.npy name -> one JSON line of figures; with a GPU visible,
# also exact search on it, as one line on stderr.
compare() {
  "$strata" search --index "$1" --query-file "$2" --k $k --exact --target=cpu --json > "$work/exact.json" 2> /dev/null
  "$strata" search --index "$1" --query-file "$2" --k $k --approximate --json > "$work/hnsw.json" 2> /dev/null
  if nvidia-smi -L > /dev/null 2>&1; then
    "$strata" search --index "$1" --query-file "$2" --k $k --target=cuda --json 2> /dev/null |
      "$python" -c "import json, sys; s = json.load(sys.stdin)['search']; \
        print(f\"$3: exact on {s['device']}: {s['queries_per_second']:,.0f} queries/s\", \
              f\"(setup {s['setup_seconds']:.2f} s, not counted)\")" >&2
  fi
  "$python" bench/reference/faiss_search.py --index "$1" --queries "$2" --k $k \
    --strata-exact "$work/exact.json" --strata-hnsw "$work/hnsw.json" |
    "$python" -c "import json, sys; r = json.load(sys.stdin); r['name'] = '$3'; print(json.dumps(r))"
}

for model in ae-mlp simclr-mlp; do
  epochs=$([ $model = ae-mlp ] && echo 5 || echo 1)
  "$strata" train models/$model.strata --epochs $epochs --seed 0 --checkpoint "$work/$model" --quiet >&2
  for split in train test; do
    "$strata" embed models/$model.strata --checkpoint "$work/$model" --split $split --out "$work/$model-$split.npy" >&2
  done
  compare "$work/$model-train.npy" "$work/$model-test.npy" "$model" >> "$work/report.jsonl"
done
"$strata" train models/word2vec.strata --seed 0 --checkpoint "$work/word2vec" --quiet >&2
"$strata" embed models/word2vec.strata --checkpoint "$work/word2vec" --split vocabulary --out "$work/words.npy" >&2
compare "$work/words.npy" "$work/words.npy" word2vec >> "$work/report.jsonl"

"$python" - "$work/report.jsonl" << 'PY'
import json, sys
print(f"{'':12}{'rows':>7}{'dim':>5}{'queries':>8} | {'exact q/s':>10}{'FAISS flat':>11} |"
      f" {'HNSW build s':>12}{'FAISS':>7} | {'HNSW q/s':>9}{'FAISS':>9} | {'recall@10':>9}{'FAISS':>7}")
for line in open(sys.argv[1]):
    r = json.loads(line)
    s, f, sh, fh = r["strata_exact"], r["faiss_flat"], r["strata_hnsw"], r["faiss_hnsw"]
    print(f"{r['name']:12}{r['rows']:7d}{r['dim']:5d}{r['queries']:8d} |"
          f" {s['queries_per_second']:10,.0f}{f['queries_per_second']:11,.0f} |"
          f" {sh['build_seconds']:12.2f}{fh['build_seconds']:7.2f} |"
          f" {sh['queries_per_second']:9,.0f}{fh['queries_per_second']:9,.0f} |"
          f" {sh['recall_at_k']:9.4f}{fh['recall_at_k']:7.4f}")
print(f"HNSW: m 16, ef_construction 200, ef_search 64 on both sides; cosine (inner product of unit rows); "
      f"FAISS on {r['faiss_threads']} OpenMP threads")
PY
