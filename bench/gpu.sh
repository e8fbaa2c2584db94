#!/usr/bin/env bash
# Strata on a GPU beside PyTorch, in one call on the GPU machine.
#
#   bash bench/gpu.sh prepare DIR      # here, on the CPU machine, after scripts/build.sh
#   bash DIR/gpu.sh run DIR OUT        # there: correctness, step times, OUT/RESULTS.md
#
# With the device tool: prepare gpu-bench (gitignored, about 58 MB), carry it,
# and run `bash gpu-bench/gpu.sh run gpu-bench $OUT` as the one command.
#
# prepare puts in DIR everything the GPU machine (CUDA and PyTorch, no LLVM,
# no network) needs: strata-run, the bundles compiled for sm_90, each
# bundle's CPU loss after the same steps, the cost model's estimates, the
# Fashion-MNIST files, the KJV text and the PyTorch reference scripts.
#
# run, on the GPU:
#   1. the correctness list of test/gpu/strata-run-train.test: each bundle's
#      loss after N steps against the CPU's, within 1e-3 relative;
#   2. the six workloads of ../shared/GPU-BASELINE.md: Strata's step from
#      strata-run's loop time at two step counts, (t(N2) - t(N1)) / (N2 - N1),
#      beside PyTorch eager, torch.compile default and reduce-overhead (median
#      of 50 CUDA-event-timed steps after 10, bench/reference/gpu_step_time.py)
#      and the cost model's estimate;
# and writes OUT/RESULTS.md as it goes (copy it to bench/RESULTS.md). Each
# step has a timeout; GPU_BENCH_MODES picks PyTorch's modes (default: all
# three), GPU_BENCH_WORKLOADS the workloads.
set -euo pipefail

# model:steps:batch (0: the spec's batch), as test/gpu/strata-run-train.test.
CHECKS="ae-mlp:30:0 vae-mlp:30:0 dae-mlp:30:0 simclr-mlp:30:0 clip-mlp:30:0 bert-mini-mlm:10:16
bert-mini-mlm:10:64 bert-cpu-mlm:10:16 conv-ae:20:64 simclr-conv:10:64 vit-simclr:10:64 glove:30:0
word2vec:30:0"
# workload:spec:batch:N1:N2 (spec under models/, or shared: ../shared).
WORKLOADS="ae-mlp:ae-mlp:256:50:550 vae-mlp:vae-mlp:256:50:550 simclr-mlp:simclr-mlp:512:50:550
bert-mini-mlm:bert-mini-mlm:64:10:60 simclr-mlp-4096:simclr-mlp:4096:20:120
bert-base-v8k:shared/bert-base-v8k:32:3:13"

prepare() {
  local dir=$1 root strata
  root=$(cd "$(dirname "$0")/.." && pwd)
  strata=$root/build/bin/strata
  [ -x "$root/build/bin/strata-run" ] || { echo "gpu.sh: build first (scripts/build.sh, with the CUDA toolkit)" >&2; exit 1; }
  rm -rf "$dir" && mkdir -p "$dir"/{bin,bundles,cpu,est,reference,data/fashion-mnist}
  cp "$root/build/bin/strata-run" "$dir/bin/"
  cp "$root/bench/gpu.sh" "$dir/"
  cp "$root"/bench/reference/{workloads.py,ae_mlp.py,gpu_step_time.py} "$dir/reference/"
  cp /usr/share/datasets/fashion-mnist/*.gz "$dir/data/fashion-mnist/"
  bible -f Gen1:1-Rev22:21 > "$dir/data/kjv.txt"
  git -C "$root" rev-parse --short HEAD > "$dir/commit"
  for entry in $CHECKS; do
    local m=${entry%%:*} rest=${entry#*:} n b flags=()
    n=${rest%%:*} b=${rest#*:}
    [ "$b" = 0 ] || flags=(--batch "$b")
    "$strata" compile "$root/models/$m.strata" --target=cuda --chip=sm_90 --steps "$n" "${flags[@]}" \
      -o "$dir/bundles/check-$m-$b" > /dev/null
    "$strata" train "$root/models/$m.strata" --target=cpu --steps "$n" "${flags[@]}" --quiet --json \
      --checkpoint "$dir/cpu/ck" > "$dir/cpu/$m-$b.json"
    rm -rf "$dir/cpu/ck"
    echo "prepared $m ($n steps, batch $b)" >&2
  done
  for entry in $WORKLOADS; do
    IFS=: read -r w spec batch n1 n2 <<< "$entry"
    local path=$root/models/$spec.strata
    [ "${spec%%/*}" = shared ] && path=$root/../shared/${spec#shared/}.strata
    "$strata" compile "$path" --target=cuda --chip=sm_90 --batch "$batch" --steps "$n2" -o "$dir/bundles/time-$w" > /dev/null
    "$strata" bench "$path" --dry --json --chip=sm_90 --batch "$batch" > "$dir/est/$w.json" 2> /dev/null
    echo "prepared $w (batch $batch)" >&2
  done
  du -sh "$dir" >&2
}

run() {
  local dir out
  dir=$(cd "$1" && pwd)
  mkdir -p "$2" && out=$(cd "$2" && pwd)
  command -v nvidia-smi > /dev/null || { echo "gpu.sh run: no nvidia-smi: run this on the GPU machine" >&2; exit 1; }
  export STRATA_FASHION_MNIST=$dir/data/fashion-mnist STRATA_KJV=$dir/data/kjv.txt
  for lib in /usr/local/cuda/lib64 /usr/local/cuda-13.0/targets/x86_64-linux/lib; do
    [ -d "$lib" ] && export LD_LIBRARY_PATH=$lib:${LD_LIBRARY_PATH:-}
  done
  local run=$dir/bin/strata-run
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/machine.txt"
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" >> "$out/machine.txt" 2>&1 || true

  : > "$out/correctness.jsonl"
  for entry in $CHECKS; do
    local m=${entry%%:*} rest=${entry#*:} n b
    n=${rest%%:*} b=${rest#*:}
    timeout 180 "$run" "$dir/bundles/check-$m-$b" --steps "$n" --json > "$out/gpu-$m-$b.json" 2> "$out/gpu-$m-$b.err" || true
    python3 - "$out/gpu-$m-$b.json" "$dir/cpu/$m-$b.json" "$m" "$n" "$b" >> "$out/correctness.jsonl" << 'EOF'
import json, sys
gpu_path, cpu_path, model, steps, batch = sys.argv[1:]
cpu = json.load(open(cpu_path))["final_loss"]
try:
    gpu = json.load(open(gpu_path))["final_loss"]
except Exception:
    gpu = None
rel = None if gpu is None else abs(gpu - cpu) / max(1.0, abs(cpu))
print(json.dumps({"model": model, "steps": int(steps), "batch": int(batch), "gpu": gpu, "cpu": cpu,
                  "relative_difference": rel, "ok": rel is not None and rel <= 1e-3}))
EOF
    tail -1 "$out/correctness.jsonl"
  done

  : > "$out/times.jsonl"
  local modes=${GPU_BENCH_MODES:-eager default reduce-overhead}
  for entry in $WORKLOADS; do
    IFS=: read -r w spec batch n1 n2 <<< "$entry"
    case " ${GPU_BENCH_WORKLOADS:-$w} " in *" $w "*) ;; *) continue ;; esac
    for n in "$n1" "$n2"; do
      timeout 300 "$run" "$dir/bundles/time-$w" --steps "$n" --json > "$out/time-$w-$n.json" 2> "$out/time-$w-$n.err" || true
    done
    python3 - "$w" "$n1" "$n2" "$out/time-$w-$n1.json" "$out/time-$w-$n2.json" "$dir/est/$w.json" >> "$out/times.jsonl" << 'EOF'
import json, sys
w, n1, n2, f1, f2, est = sys.argv[1:]
try:
    t1, t2 = json.load(open(f1))["train_seconds"], json.load(open(f2))["train_seconds"]
    ms = (t2 - t1) / (int(n2) - int(n1)) * 1e3
except Exception:
    ms = None
e = json.load(open(est))
print(json.dumps({"workload": w, "side": "strata", "median_step_ms": ms, "estimated_ms": e["estimated_step_ms"],
                  "kernels": e["kernels_per_step"], "gemms": e["library_calls_per_step"], "arena_bytes": e["arena_bytes"]}))
EOF
    for mode in $modes; do
      (cd "$dir/reference" && timeout 400 python3 gpu_step_time.py "$w" --mode "$mode") >> "$out/times.jsonl" \
        2> "$out/torch-$w-$mode.err" || echo "{\"workload\": \"$w\", \"side\": \"torch\", \"mode\": \"$mode\", \"failed\": true}" >> "$out/times.jsonl"
    done
    tail -n 4 "$out/times.jsonl"
    write_results "$dir" "$out"
  done
  write_results "$dir" "$out"
}

write_results() {
  python3 - "$1" "$2" << 'EOF'
import json, sys
dir, out = sys.argv[1:]
lines = ["# Strata on a GPU beside PyTorch (bench/gpu.sh)", "",
         "Machine: " + open(out + "/machine.txt").read().strip().replace("\n", "; "),
         "Commit: " + open(dir + "/commit").read().strip() + ". Command: `bash bench/gpu.sh prepare DIR` on the CPU "
         "machine, `bash DIR/gpu.sh run DIR OUT` on the GPU machine.", "",
         "## Correctness: loss after N steps, GPU (strata-run) against CPU (strata train)", "",
         "| model | steps | batch | GPU | CPU | relative difference |", "|---|---|---|---|---|---|"]
for line in open(out + "/correctness.jsonl"):
    r = json.loads(line)
    rel = "did not run" if r["relative_difference"] is None else f"{r['relative_difference']:.1e}" + ("" if r["ok"] else ": wrong")
    lines.append(f"| {r['model']} | {r['steps']} | {r['batch'] or 'spec'} | {r['gpu']} | {r['cpu']} | {rel} |")
lines += ["", "## Step time, ms (Strata: strata-run's loop; PyTorch: median of 50 CUDA-event-timed steps)", "",
          "| workload | Strata | estimate (bench --dry) | eager | compile default | reduce-overhead | best PyTorch / Strata |",
          "|---|---|---|---|---|---|---|"]
rows = {}
for line in open(out + "/times.jsonl"):
    r = json.loads(line)
    rows.setdefault(r["workload"], {})["strata" if r.get("side") == "strata" else r.get("mode")] = r
fmt = lambda v: "—" if v is None else f"{v:.3f}"
for w, r in rows.items():
    s = r.get("strata", {}).get("median_step_ms")
    torch = {m: (None if r.get(m, {}).get("failed") else r.get(m, {}).get("median_step_ms"))
             for m in ("eager", "default", "reduce-overhead")}
    best = min((v for v in torch.values() if v), default=None)
    ratio = "—" if not (s and best) else (f"{best / s:.2f}x faster" if best >= s else f"{s / best:.2f}x slower")
    lines.append(f"| {w} | {fmt(s)} | {fmt(r.get('strata', {}).get('estimated_ms'))} | {fmt(torch['eager'])} | "
                 f"{fmt(torch['default'])} | {fmt(torch['reduce-overhead'])} | {ratio} |")
open(out + "/RESULTS.md", "w").write("\n".join(lines) + "\n")
EOF
}

case "${1:-}" in
  prepare) [ $# -eq 2 ] || { echo "usage: gpu.sh prepare DIR" >&2; exit 1; }; prepare "$2" ;;
  run) [ $# -eq 3 ] || { echo "usage: gpu.sh run DIR OUT" >&2; exit 1; }; run "$2" "$3" ;;
  *) echo "usage: gpu.sh prepare DIR | gpu.sh run DIR OUT" >&2; exit 1 ;;
esac
