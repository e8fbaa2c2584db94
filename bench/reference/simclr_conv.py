#!/usr/bin/python3
"""models/simclr-conv.strata's recipe in PyTorch: Strata's quality reference.

Two views of each image, each: a random resized crop (scale 0.4-1, aspect
ratio 3/4-4/3, bilinear at pixel centres), a horizontal flip with
probability 1/2, brightness (x * f) and contrast ((x - mean) * f + mean) with
factors uniform in [0.6, 1.4], clamped to [0, 1], and random erasing (rate
1/2, a rectangle of sides uniform in 1..12 set to zero). Encoder: three 3x3
convolutions (32-64-128, padding 1) each with batch norm and ReLU, 2x2 max
pooling after the first two, global average pooling; head 128-128-64;
NT-Xent at temperature 0.5. Strata's inits: convolutions He-uniform,
linears Xavier-uniform, biases zero, batch norm (1, 0). Adam 1e-3, batch
256, last partial batch dropped. Reported as Strata's eval reports it:
linear-probe and kNN test accuracy of the encoder's 128-d output, batch
norm in eval mode.

  simclr_conv.py [--epochs 10] [--seed 0]     one JSON object on stdout

Run with Debian's /usr/bin/python3 (python3-torch, python3-numpy).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ae_mlp import knn, linear_probe, reference_setup  # noqa: E402
from conv_ae import he  # noqa: E402
from workloads import xavier  # noqa: E402


def random_resized_crop(img, min_scale=0.4, ratios=(3 / 4, 4 / 3)):
    """img [B, 28, 28]: each image's crop, resized back by bilinear sampling."""
    b, h, w = img.shape
    area = torch.empty(b).uniform_(min_scale, 1.0) * h * w
    ratio = torch.exp(torch.empty(b).uniform_(math.log(ratios[0]), math.log(ratios[1])))
    cw = torch.sqrt(area * ratio).clamp(1, w)
    ch = torch.sqrt(area / ratio).clamp(1, h)
    left = torch.rand(b) * (w - cw)
    top = torch.rand(b) * (h - ch)
    # Output pixel centre i samples at top + (i + 0.5) * ch / h - 0.5 (input pixels).
    i = torch.arange(h, dtype=torch.float32) + 0.5
    sy = (top[:, None] + i[None] * (ch / h)[:, None] - 0.5).clamp(0, h - 1)
    sx = (left[:, None] + i[None] * (cw / w)[:, None] - 0.5).clamp(0, w - 1)
    y0, x0 = sy.floor().long(), sx.floor().long()
    y1, x1 = (y0 + 1).clamp(max=h - 1), (x0 + 1).clamp(max=w - 1)
    fy, fx = (sy - y0)[:, :, None], (sx - x0)[:, None, :]
    rows = torch.arange(b)[:, None, None]

    def at(y, x):
        return img[rows, y[:, :, None], x[:, None, :]]

    top_row = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx
    bottom_row = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx
    return top_row + (bottom_row - top_row) * fy


def random_erase(img, rate=0.5, max_size=12):
    b, h, w = img.shape
    eh = torch.randint(1, max_size + 1, (b,))
    ew = torch.randint(1, max_size + 1, (b,))
    top = (torch.rand(b) * (h + 1 - eh)).long()
    left = (torch.rand(b) * (w + 1 - ew)).long()
    y = torch.arange(h)[None, :, None]
    x = torch.arange(w)[None, None, :]
    inside = ((y >= top[:, None, None]) & (y < (top + eh)[:, None, None]) &
              (x >= left[:, None, None]) & (x < (left + ew)[:, None, None]))
    erase = (torch.rand(b) < rate)[:, None, None]
    return img.masked_fill(inside & erase, 0.0)


def augment(x):
    img = random_resized_crop(x.view(-1, 28, 28))
    flip = torch.rand(len(img)) < 0.5
    img = torch.where(flip[:, None, None], img.flip(-1), img)
    img = img * torch.empty(len(img), 1, 1).uniform_(0.6, 1.4)
    mean = img.mean((1, 2), keepdim=True)
    img = ((img - mean) * torch.empty(len(img), 1, 1).uniform_(0.6, 1.4) + mean).clamp(0, 1)
    return random_erase(img).view(-1, 1, 28, 28)


class SimclrConv(nn.Module):
    def __init__(self):
        super().__init__()
        block = lambda cin, cout: [he(nn.Conv2d(cin, cout, 3, padding=1)), nn.BatchNorm2d(cout), nn.ReLU()]
        self.encoder = nn.Sequential(*block(1, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2),
                                     *block(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(xavier(nn.Linear(128, 128)), nn.ReLU(), xavier(nn.Linear(128, 64)))

    def loss(self, x, temperature=0.5):
        views = torch.cat([augment(x), augment(x)], 0)
        z = F.normalize(self.head(self.encoder(views)), dim=1)
        n = z.shape[0]
        sim = (z @ z.t() / temperature).masked_fill(torch.eye(n, dtype=torch.bool), float("-inf"))
        return F.cross_entropy(sim, (torch.arange(n) + n // 2) % n)

    @torch.no_grad()
    def represent(self, images):
        self.eval()
        return torch.cat([self.encoder(images[i:i + 1000].view(-1, 1, 28, 28))
                          for i in range(0, len(images), 1000)])


def main():
    args, (images, labels), (test_images, test_labels) = reference_setup(__doc__, 10)
    model = SimclrConv()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    steps = len(images) // 256
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(len(images), generator=generator)
        for s in range(steps):
            loss = model.loss(images[order[s * 256:(s + 1) * 256]])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    z, zt = model.represent(images), model.represent(test_images)
    print(json.dumps({"reference": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "epochs": args.epochs, "seed": args.seed, "final_loss": float(loss),
                      "train_seconds": seconds, "step_ms": 1000 * seconds / (args.epochs * steps),
                      "linear_probe_accuracy": linear_probe(z, labels, zt, test_labels, args.seed),
                      "knn_accuracy": knn(z, labels, zt, test_labels)}))


if __name__ == "__main__":
    sys.exit(main())
