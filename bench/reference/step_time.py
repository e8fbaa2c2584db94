#!/usr/bin/python3
"""Median train-step time of a reference workload in PyTorch eager on the CPU.

usage: step_time.py NAME [--batch B] [--steps N] [--warmup W]
Prints one JSON line: {"workload", "batch", "threads", "median_step_ms"}."""
import argparse
import json
import statistics
import time

import torch

import workloads

parser = argparse.ArgumentParser()
parser.add_argument("name")
parser.add_argument("--batch", type=int, default=None)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--warmup", type=int, default=3)
args = parser.parse_args()

w = workloads.make(args.name, batch_size=args.batch)
inputs = w.batch()
times = []
for i in range(args.warmup + args.steps):
    start = time.perf_counter()
    w.step(inputs)
    if i >= args.warmup:
        times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"workload": args.name, "batch": int(inputs.shape[0]), "threads": torch.get_num_threads(),
                  "median_step_ms": round(statistics.median(times), 2)}))
