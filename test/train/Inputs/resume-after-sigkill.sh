#!/usr/bin/env bash
# resume-after-sigkill.sh STRATA SPEC WORKDIR: trains SPEC for 150 steps
# (checkpoints every 20) without interruption; trains it again, SIGKILLs it
# once its log passes step 70 (mid-epoch: an epoch is 234 steps), resumes it,
# and compares the two runs' per-step losses and final checkpoints.
set -euo pipefail
strata=$1 spec=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
args=(--steps 150 --seed 3 --checkpoint-every 20 --quiet)

"$strata" train "$spec" "${args[@]}" --checkpoint "$work/a" --log "$work/a.jsonl" > /dev/null

"$strata" train "$spec" "${args[@]}" --checkpoint "$work/b" --log "$work/b.jsonl" > /dev/null &
pid=$!
until [ -f "$work/b.jsonl" ] && [ "$(wc -l < "$work/b.jsonl")" -ge 70 ]; do
  if ! kill -0 "$pid" 2> /dev/null; then
    echo "the run ended before it could be killed" >&2
    exit 1
  fi
  sleep 0.005
done
kill -KILL "$pid"
wait "$pid" 2> /dev/null || true
logged=$(wc -l < "$work/b.jsonl")
if [ "$logged" -ge 150 ]; then
  echo "the run finished before the kill landed" >&2
  exit 1
fi
echo "killed at step $logged of 150"

"$strata" train "$spec" "${args[@]}" --checkpoint "$work/b" --log "$work/b.jsonl" --resume --json \
  | python3 -c 'import json, sys; print("resumed from step", json.load(sys.stdin)["first_step"])'

# Step and loss of every record; elapsed times differ by nature.
losses() { python3 -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["step"], repr(r["loss"]), repr(r["grad_norm"]))' "$1"; }
losses "$work/a.jsonl" > "$work/a.loss"
losses "$work/b.jsonl" > "$work/b.loss"
if cmp -s "$work/a.loss" "$work/b.loss"; then
  echo "loss curves identical over $(wc -l < "$work/a.loss") steps"
else
  diff "$work/a.loss" "$work/b.loss" | head >&2
  exit 1
fi
cmp "$work/a/checkpoint.safetensors" "$work/b/checkpoint.safetensors" && echo "final checkpoints identical"
