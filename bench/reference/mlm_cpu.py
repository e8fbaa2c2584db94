#!/usr/bin/python3
"""models/bert-cpu-mlm.strata's recipe in PyTorch, trained for a wall-time budget.

The same token rows as Strata's (written by `strata tokenize --rows`), the same
model (pre-LayerNorm encoder, d 128, 2 layers, 2 heads, FFN 512, learned
positions, padding masked out of attention), the same masking (15% of the
non-reserved tokens: 80% mask id 1, 10% a random id >= 3, 10% kept) and
optimizer (AdamW lr 1e-3, wd 0.01, batch 64, cosine with 200 warmup steps).
The schedule's length is the number of steps that fit the budget, measured on
the first steps. Reported as `strata eval` reports it: held-out masked-token
loss and accuracy, means over batches of 64 rows, plus the unigram baseline
(always the most frequent training token).

  mlm_cpu.py TRAIN.npy TEST.npy [--seconds 1200] [--seed 0]   one JSON object

Run with Debian's /usr/bin/python3 (python3-torch, python3-numpy).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import xavier  # noqa: E402

VOCAB, D, T, LAYERS, HEADS, FFN = 4096, 128, 64, 2, 2, 512
PAD, MASK, RESERVED, BATCH = 0, 1, 3, 64


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.q, self.k, self.v, self.o = (xavier(nn.Linear(D, D)) for _ in range(4))
        self.up, self.down = xavier(nn.Linear(D, FFN)), xavier(nn.Linear(FFN, D))

    def split(self, t):
        b, n, _ = t.shape
        return t.view(b, n, HEADS, D // HEADS).transpose(1, 2)

    def forward(self, x, padding):
        h = self.ln1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        scores = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(D // HEADS)) + padding
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape)
        x = x + self.o(attended)
        return x + self.down(F.gelu(self.up(self.ln2(x))))


class BertCpuMlm(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.pos = nn.Parameter(torch.randn(T, D) * 0.02)
        self.layers = nn.ModuleList(EncoderLayer() for _ in range(LAYERS))
        self.ln = nn.LayerNorm(D)
        self.out = xavier(nn.Linear(D, VOCAB))

    def logits(self, masked, tokens):
        keep = (tokens != PAD).float()
        padding = ((keep - 1.0) * 1e9)[:, None, None, :]
        x = self.embed(masked) + self.pos
        for layer in self.layers:
            x = layer(x, padding)
        return self.out(self.ln(x))


def mask(tokens, generator):
    picked = (torch.rand(tokens.shape, generator=generator) < 0.15) & (tokens >= RESERVED)
    labels = torch.where(picked, tokens, torch.full_like(tokens, -100))
    roll = torch.rand(tokens.shape, generator=generator)
    random_ids = torch.randint(RESERVED, VOCAB, tokens.shape, generator=generator)
    masked = torch.where(picked & (roll < 0.8), torch.full_like(tokens, MASK), tokens)
    masked = torch.where(picked & (roll >= 0.8) & (roll < 0.9), random_ids, masked)
    return masked, labels


def loss_and_accuracy(model, tokens, generator):
    masked, labels = mask(tokens, generator)
    logits = model.logits(masked, tokens)
    loss = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1), ignore_index=-100)
    scored = labels != -100
    hits = (logits.argmax(-1) == labels) & scored
    return loss, hits.sum().float() / scored.sum().clamp(min=1)


def learning_rate(step, total, lr=1e-3, warmup=200):
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return 0.5 * lr * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(model, rows, seed):
    generator = torch.Generator().manual_seed(seed + 1)
    losses, accuracies = [], []
    for b in range(len(rows) // BATCH):
        loss, accuracy = loss_and_accuracy(model, rows[b * BATCH:(b + 1) * BATCH], generator)
        losses.append(float(loss))
        accuracies.append(float(accuracy))
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)


def unigram_accuracy(train_rows, test_rows):
    """Always guessing the most frequent training token, over the tokens masking can pick."""
    train_ids = train_rows[train_rows >= RESERVED]
    test_ids = test_rows[test_rows >= RESERVED]
    top = int(torch.bincount(train_ids, minlength=VOCAB).argmax())
    return top, float((test_ids == top).float().mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train_rows")
    parser.add_argument("test_rows")
    parser.add_argument("--seconds", type=float, default=1200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_rows = torch.from_numpy(np.load(args.train_rows).astype(np.int64))
    test_rows = torch.from_numpy(np.load(args.test_rows).astype(np.int64))
    model = BertCpuMlm()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    generator = torch.Generator().manual_seed(args.seed)
    per_epoch = len(train_rows) // BATCH

    total, step, order = None, 0, None
    start = time.perf_counter()
    while total is None or step < total:
        if step % per_epoch == 0:
            order = torch.randperm(len(train_rows), generator=generator)
        batch = train_rows[order[(step % per_epoch) * BATCH:(step % per_epoch + 1) * BATCH]]
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, total or 10**9)
        loss, _ = loss_and_accuracy(model, batch, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        if total is None and step == 20:  # the schedule spans what fits the budget
            total = max(int(args.seconds / ((time.perf_counter() - start) / step)), step)
        if time.perf_counter() - start > args.seconds:
            break
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = evaluate(model, test_rows, args.seed)
    top, unigram = unigram_accuracy(train_rows, test_rows)
    print(json.dumps({
        "framework": f"pytorch {torch.__version__} eager", "threads": torch.get_num_threads(),
        "steps": step, "train_seconds": round(seconds, 1),
        "tokens_per_second": round(step * BATCH * T / seconds),
        "final_loss": round(float(loss), 4), "test_loss": round(test_loss, 4),
        "test_masked_accuracy": round(test_accuracy, 4),
        "unigram_token": top, "unigram_accuracy": round(unigram, 4)}))


if __name__ == "__main__":
    main()
