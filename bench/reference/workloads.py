#!/usr/bin/python3
"""The four reference workloads of ../shared/WORKLOADS.md in PyTorch, as
Strata's specs in models/ write them: the peers that kernel counts and step
times are compared with.

  workloads.make(name, device="cpu", batch_size=None) -> Workload(model, optimizer, batch, step)

`batch()` returns one input batch (Fashion-MNIST-shaped uniform pixels, or
random token ids: timing and counting only, as WORKLOADS.md allows);
`step(inputs)` runs forward, loss, backward and the optimizer update and
returns the loss tensor. Every choice follows the spec of the same name:

- ae-mlp: bench/reference/ae_mlp.py's model (Xavier-uniform weights).
- vae-mlp: 784-512 ReLU, heads 512->32 for mu and logvar,
  z = mu + exp(0.5 logvar) eps, decoder 32-512 ReLU -> 784 logits;
  BCE-with-logits summed over pixels and averaged over the batch, plus
  KL(N(mu, sigma) || N(0, 1)) averaged over the batch; Adam 1e-3.
- simclr-mlp: two views per image, each shifted by up to 2 pixels (zero
  fill) plus gaussian noise of std 0.1; encoder 784-1024-1024-128 with ReLU
  then LayerNorm after each hidden linear; head 128-128-64; NT-Xent at
  temperature 0.5 on the cosine similarities of the 2B projections; Adam 1e-3.
- bert-mini-mlm: vocab 8192, learned positions, 4 pre-LayerNorm layers
  (d_model 256, 4 heads, FFN 1024 GELU), attention written out (Q K^T /
  sqrt(d), softmax, V), final LayerNorm, a vocab projection; 15% of the
  tokens picked for the loss (80% masked, 10% random, 10% kept);
  cross-entropy with ignore_index -100; AdamW 1e-4, weight decay 0.01.
- bert-base-v8k (../shared/bert-base-v8k.strata): the same at 12 layers,
  d_model 768, 12 heads, FFN 3072, 32 x 512 tokens.
- simclr-mlp-4096: simclr-mlp at 4,096 images (8,192 views).
"""
import collections
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ae_mlp import AeMlp  # noqa: E402

Workload = collections.namedtuple("Workload", "name model optimizer batch step")
BATCH = {"ae-mlp": 256, "vae-mlp": 256, "simclr-mlp": 512, "bert-mini-mlm": 64,
         "bert-base-v8k": 32, "simclr-mlp-4096": 4096}
# The four of WORKLOADS.md; the other two are its scale variants.
REFERENCE = ["ae-mlp", "vae-mlp", "simclr-mlp", "bert-mini-mlm"]


def xavier(layer):
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class VaeMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = xavier(nn.Linear(784, 512))
        self.mu = xavier(nn.Linear(512, 32))
        self.logvar = xavier(nn.Linear(512, 32))
        self.dec = xavier(nn.Linear(32, 512))
        self.out = xavier(nn.Linear(512, 784))

    def loss(self, x):
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.out(F.relu(self.dec(z)))
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
        kl = -0.5 * torch.sum(1 + logvar - mu * mu - torch.exp(logvar)) / x.shape[0]
        return bce + kl


def random_shift(images, max_shift):
    """Each [28, 28] image moved by its own (dy, dx) in [-max, max], zero fill."""
    b = images.shape[0]
    padded = F.pad(images, (max_shift,) * 4)
    dy = torch.randint(0, 2 * max_shift + 1, (b, 1, 1), device=images.device)
    dx = torch.randint(0, 2 * max_shift + 1, (b, 1, 1), device=images.device)
    rows = torch.arange(28, device=images.device).view(1, 28, 1) + dy
    cols = torch.arange(28, device=images.device).view(1, 1, 28) + dx
    flat = padded.reshape(b, -1)
    index = (rows * padded.shape[-1] + cols).reshape(b, -1)
    return torch.gather(flat, 1, index).reshape(b, 28, 28)


class SimclrMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            xavier(nn.Linear(784, 1024)), nn.ReLU(), nn.LayerNorm(1024),
            xavier(nn.Linear(1024, 1024)), nn.ReLU(), nn.LayerNorm(1024),
            xavier(nn.Linear(1024, 128)))
        self.head = nn.Sequential(xavier(nn.Linear(128, 128)), nn.ReLU(), xavier(nn.Linear(128, 64)))

    @staticmethod
    def augment(x):
        shifted = random_shift(x.view(-1, 28, 28), 2).reshape(-1, 784)
        return shifted + 0.1 * torch.randn_like(x)

    def loss(self, x, temperature=0.5):
        views = torch.cat([self.augment(x), self.augment(x)], 0)
        z = F.normalize(self.head(self.encoder(views)), dim=1)
        n = z.shape[0]
        sim = z @ z.t() / temperature
        sim = sim.masked_fill(torch.eye(n, dtype=torch.bool, device=x.device), float("-inf"))
        labels = (torch.arange(n, device=x.device) + n // 2) % n
        return F.cross_entropy(sim, labels)


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.q, self.k, self.v, self.o = (xavier(nn.Linear(d, d)) for _ in range(4))
        self.up, self.down = xavier(nn.Linear(d, ffn)), xavier(nn.Linear(ffn, d))

    def split(self, t):
        b, n, d = t.shape
        return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def forward(self, x):
        h = self.ln1(x)
        q, k, v = self.split(self.q(h)), self.split(self.k(h)), self.split(self.v(h))
        scores = q @ k.transpose(-1, -2) * (1.0 / math.sqrt(q.shape[-1]))
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape)
        x = x + self.o(attended)
        return x + self.down(F.gelu(self.up(self.ln2(x))))


class BertMiniMlm(nn.Module):
    VOCAB, D, T, MASK = 8192, 256, 128, 1
    LAYERS, HEADS, FFN = 4, 4, 1024

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(self.VOCAB, self.D)
        self.pos = nn.Parameter(torch.zeros(self.T, self.D))
        self.layers = nn.ModuleList(EncoderLayer(self.D, self.HEADS, self.FFN) for _ in range(self.LAYERS))
        self.ln = nn.LayerNorm(self.D)
        self.out = xavier(nn.Linear(self.D, self.VOCAB))

    def mask(self, tokens):
        picked = torch.rand(tokens.shape, device=tokens.device) < 0.15
        labels = torch.where(picked, tokens, torch.full_like(tokens, -100))
        roll = torch.rand(tokens.shape, device=tokens.device)
        random_ids = torch.randint_like(tokens, 3, self.VOCAB)
        masked = torch.where(picked & (roll < 0.8), torch.full_like(tokens, self.MASK), tokens)
        masked = torch.where(picked & (roll >= 0.8) & (roll < 0.9), random_ids, masked)
        return masked, labels

    def loss(self, tokens):
        masked, labels = self.mask(tokens)
        x = self.embed(masked) + self.pos
        for layer in self.layers:
            x = layer(x)
        logits = self.out(self.ln(x))
        return F.cross_entropy(logits.view(-1, self.VOCAB), labels.view(-1), ignore_index=-100)


class BertBaseV8k(BertMiniMlm):
    D, T, LAYERS, HEADS, FFN = 768, 512, 12, 12, 3072


def make(name, device="cpu", foreach=True, batch_size=None, fused=False):
    torch.manual_seed(0)
    b = batch_size or BATCH[name]
    if name == "ae-mlp":
        model = AeMlp("strata")
        loss = lambda x: F.mse_loss(model(x), x)  # noqa: E731
    elif name == "vae-mlp":
        model = VaeMlp()
        loss = model.loss
    elif name in ("simclr-mlp", "simclr-mlp-4096"):
        model = SimclrMlp()
        loss = model.loss
    elif name in ("bert-mini-mlm", "bert-base-v8k"):
        model = BertMiniMlm() if name == "bert-mini-mlm" else BertBaseV8k()
        loss = model.loss
    else:
        raise SystemExit(f"unknown workload '{name}' (one of {', '.join(BATCH)})")
    model.to(device)
    # fused=True: the single-kernel Adam/AdamW of CUDA builds (foreach is then unused).
    kind = {"fused": True} if fused else {"foreach": foreach}
    if name in ("bert-mini-mlm", "bert-base-v8k"):
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01, **kind)
        batch = lambda: torch.randint(3, model.VOCAB, (b, model.T), device=device)  # noqa: E731
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **kind)
        batch = lambda: torch.rand(b, 784, device=device)  # noqa: E731

    def step(inputs):
        value = loss(inputs)
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        optimizer.step()
        return value

    return Workload(name, model, optimizer, batch, step)
