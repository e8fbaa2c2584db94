#!/usr/bin/python3
"""Median train-step time of a reference workload in PyTorch on a GPU: eager,
torch.compile's default mode, or its reduce-overhead mode (CUDA graphs).

usage: gpu_step_time.py NAME --mode eager|default|reduce-overhead [--steps 50] [--warmup 10]

As ../shared/GPU-BASELINE.md measured its peers: fp32 with TF32 off, the
fused Adam/AdamW, the batch already on the GPU (BERT's masking is part of
the step, as it is of Strata's), each step timed with CUDA events, the median
of `steps` after `warmup` (the first compiled steps compile). Prints one JSON
line: {"workload", "mode", "batch", "median_step_ms", "first_step_s",
"peak_bytes", "torch"}."""
import argparse
import json
import statistics
import time

import torch

import workloads

parser = argparse.ArgumentParser()
parser.add_argument("name")
parser.add_argument("--mode", default="eager", choices=["eager", "default", "reduce-overhead"])
parser.add_argument("--steps", type=int, default=50)
parser.add_argument("--warmup", type=int, default=10)
args = parser.parse_args()

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
w = workloads.make(args.name, device="cuda", fused=True)
inputs = w.batch()
step = w.step if args.mode == "eager" else torch.compile(w.step, mode=args.mode)

start = time.perf_counter()
step(inputs)
torch.cuda.synchronize()
first = time.perf_counter() - start
torch.cuda.reset_peak_memory_stats()
times = []
for i in range(args.warmup + args.steps):
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    step(inputs)
    end.record()
    end.synchronize()
    if i >= args.warmup:
        times.append(begin.elapsed_time(end))
print(json.dumps({"workload": args.name, "mode": args.mode, "batch": int(inputs.shape[0]),
                  "median_step_ms": statistics.median(times), "first_step_s": first,
                  "peak_bytes": torch.cuda.max_memory_allocated(), "torch": torch.__version__}))
