#!/usr/bin/env bash
# Kernels per train step on the GPU path for each reference workload of
# ../shared/WORKLOADS.md: Strata's, read off the compiled schedule without a
# GPU (`strata bench --dry`), beside PyTorch eager's, derived from its
# autograd profile on the CPU (bench/reference/kernel_count.py says how).
#
#   bench/kernel-counts.sh
#
# Needs a built tree (scripts/build.sh) with the CUDA toolkit's libdevice,
# and Debian's python3-torch, which this script installs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
strata=build/bin/strata
source bench/lib.sh
ensure_torch

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for model in ae-mlp vae-mlp simclr-mlp bert-mini-mlm; do
  "$strata" bench "models/$model.strata" --dry --json > "$work/$model.strata.json"
done
"$python" bench/reference/kernel_count.py all > "$work/pytorch.jsonl"
"$python" - "$work" << 'PY'
import json, sys
work = sys.argv[1]
theirs = {j["model"]: j for j in map(json.loads, open(f"{work}/pytorch.jsonl"))}
print(f"{'workload':15}{'batch':>6} | {'strata kernels':>14}{'+ GEMMs':>8}{'= launches':>11} | "
      f"{'pytorch kernels':>15}{'+ GEMMs':>8}{'= launches':>11} | {'kernels':>8}{'launches':>9}")
for model, t in theirs.items():
    o = json.load(open(f"{work}/{model}.strata.json"))
    ok, og = o["kernels_per_step"], o["library_calls_per_step"]
    tk, tg = t["kernels_per_step"], t["library_calls_per_step"]
    print(f"{model:15}{o['batch']:6} | {ok:14}{og:8}{ok + og:11} | {tk:15}{tg:8}{tk + tg:11} | "
          f"{tk / ok:7.1f}x{(tk + tg) / (ok + og):8.1f}x")
print("last two columns: PyTorch eager's count over Strata's (higher: Strata launches fewer)")
PY
