#!/usr/bin/python3
"""The ae-mlp recipe of WORKLOADS.md in PyTorch: Strata's CPU reference.

Same data (Debian's Fashion-MNIST IDX files, pixels / 255), same model
(784-512-128-32-128-512-784, ReLU, sigmoid output, MSE against the input),
same optimizer (Adam lr 1e-3, batch 256, last partial batch dropped), same
evaluation (test MSE; linear probe = logistic regression on standardized z,
Adam lr 1e-2, 100 epochs, batch 1024; kNN = cosine, k = 20, majority vote,
ties to the lowest class). Initialization follows the Strata spec (Xavier
uniform weights, zero biases) unless --init=torch asks for nn.Linear's own.

  ae_mlp.py quality [--epochs 5] [--seed 0] [--init strata|torch]
  ae_mlp.py speed [--batch 256] [--steps 50] [--warmup 10]

Each prints one JSON object on stdout. Run it with Debian's /usr/bin/python3
(python3-torch, python3-numpy); with libopenblas0-pthread installed so torch
does not fall back to the reference BLAS.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = os.environ.get("STRATA_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def load(split):
    prefix = os.path.join(DATA, "train" if split == "train" else "t10k")
    with gzip.open(prefix + "-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(prefix + "-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


class AeMlp(nn.Module):
    def __init__(self, init):
        super().__init__()
        sizes = [784, 512, 128, 32, 128, 512, 784]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        if init == "strata":
            for layer in self.layers:
                nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)

    def encode(self, x):
        for layer in self.layers[:2]:
            x = F.relu(layer(x))
        return self.layers[2](x)

    def forward(self, x):
        h = self.encode(x)
        for layer in self.layers[3:5]:
            h = F.relu(layer(h))
        return torch.sigmoid(self.layers[5](h))


def train(model, images, epochs, batch, seed, loss_of=None):
    """Adam 1e-3 over shuffled batches; `loss_of(x)` defaults to ae-mlp's MSE."""
    loss_of = loss_of or (lambda x: F.mse_loss(model(x), x))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    steps = len(images) // batch
    loss = None
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=generator)
        for s in range(steps):
            loss = loss_of(images[order[s * batch:(s + 1) * batch]])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return float(loss)


@torch.no_grad()
def embed(model, images):
    return torch.cat([model.encode(images[i:i + 1000]) for i in range(0, len(images), 1000)])


def linear_probe(z, y, zt, yt, seed):
    mean, std = z.mean(0), z.std(0, unbiased=False) + 1e-8
    z, zt = (z - mean) / std, (zt - mean) / std
    probe = nn.Linear(z.shape[1], 10)
    nn.init.zeros_(probe.weight)
    nn.init.zeros_(probe.bias)
    optimizer = torch.optim.Adam(probe.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(100):
        order = torch.randperm(len(z), generator=generator)
        for i in range(0, len(z), 1024):
            idx = order[i:i + 1024]
            loss = F.cross_entropy(probe(z[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return float((probe(zt).argmax(1) == yt).float().mean())


@torch.no_grad()
def knn(z, y, zt, yt, k=20):
    z, zt = F.normalize(z, dim=1), F.normalize(zt, dim=1)
    correct = 0
    for i in range(0, len(zt), 256):
        top = (zt[i:i + 256] @ z.T).topk(k, dim=1).indices
        votes = F.one_hot(y[top], 10).sum(1)
        correct += int((votes.argmax(1) == yt[i:i + 256]).sum())
    return correct / len(zt)


def reference_setup(doc, epochs):
    """The command line of a quality reference (--epochs, --seed, --threads),
    torch seeded and threaded by it, and Fashion-MNIST's splits."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return args, load("train"), load("test")


def quality(args):
    torch.manual_seed(args.seed)
    images, labels = load("train")
    test_images, test_labels = load("test")
    model = AeMlp(args.init)
    start = time.perf_counter()
    final = train(model, images, args.epochs, 256, args.seed)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        test_mse = float(sum(F.mse_loss(model(test_images[i:i + 1000]), test_images[i:i + 1000])
                             for i in range(0, len(test_images), 1000)) / 10)
    z, zt = embed(model, images), embed(model, test_images)
    return {"reference": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "init": args.init, "epochs": args.epochs, "seed": args.seed, "final_loss": final,
            "train_seconds": seconds, "test_loss": test_mse,
            "linear_probe_accuracy": linear_probe(z, labels, zt, test_labels, args.seed),
            "knn_accuracy": knn(z, labels, zt, test_labels)}


def speed(args):
    torch.manual_seed(0)
    images, _ = load("train")
    model = AeMlp("strata")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for s in range(args.warmup + args.steps):
        x = images[s * args.batch % (len(images) - args.batch):][:args.batch]
        start = time.perf_counter()
        loss = F.mse_loss(model(x), x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        times.append((time.perf_counter() - start) * 1000)
    measured = sorted(times[args.warmup:])
    return {"reference": "pytorch-eager", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "batch": args.batch, "warmup_steps": args.warmup, "timed_steps": args.steps,
            "median_step_ms": statistics.median(measured),
            "step_ms_p10": measured[int(0.1 * (len(measured) - 1) + 0.5)],
            "step_ms_p90": measured[int(0.9 * (len(measured) - 1) + 0.5)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--epochs", type=int, default=5)
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--init", choices=["strata", "torch"], default="strata")
    s = sub.add_parser("speed")
    s.add_argument("--batch", type=int, default=256)
    s.add_argument("--steps", type=int, default=50)
    s.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="intra-op threads (default: every CPU, as OpenBLAS uses)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps(quality(args) if args.mode == "quality" else speed(args)))


if __name__ == "__main__":
    sys.exit(main())
