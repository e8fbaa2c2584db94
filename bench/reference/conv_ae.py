#!/usr/bin/python3
"""models/conv-ae.strata's recipe in PyTorch: Strata's quality reference.

The same layers (NCHW here, NHWC in Strata): 3x3 convolutions 1-32-64 with
stride 2 and padding 1, a 32-d linear code, a linear back to 64x7x7, then
conv 64-32, nearest 2x upsampling, conv 32-16, upsampling, conv 16-1 and a
sigmoid; MSE against the input. Strata's inits: convolutions He-uniform
(bound sqrt(6 / fan_in)), linears Xavier-uniform, biases zero. Adam 1e-3,
batch 256, last partial batch dropped; probes as ae_mlp.py's.

  conv_ae.py [--epochs 5] [--seed 0]     one JSON object on stdout

Run with Debian's /usr/bin/python3 (python3-torch, python3-numpy).
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ae_mlp import knn, linear_probe, reference_setup, train  # noqa: E402
from workloads import xavier  # noqa: E402


def he(conv):
    nn.init.kaiming_uniform_(conv.weight, nonlinearity="relu")
    nn.init.zeros_(conv.bias)
    return conv


class ConvAe(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = he(nn.Conv2d(1, 32, 3, stride=2, padding=1))
        self.enc2 = he(nn.Conv2d(32, 64, 3, stride=2, padding=1))
        self.code = xavier(nn.Linear(3136, 32))
        self.expand = xavier(nn.Linear(32, 3136))
        self.dec1 = he(nn.Conv2d(64, 32, 3, padding=1))
        self.dec2 = he(nn.Conv2d(32, 16, 3, padding=1))
        self.dec3 = he(nn.Conv2d(16, 1, 3, padding=1))

    def encode(self, x):
        h = F.relu(self.enc1(x.view(-1, 1, 28, 28)))
        h = F.relu(self.enc2(h))
        # Strata flattens NHWC: the code reads (y, x, channel) order.
        return self.code(h.permute(0, 2, 3, 1).reshape(len(x), 3136))

    def forward(self, x):
        h = F.relu(self.expand(self.encode(x)).view(-1, 7, 7, 64).permute(0, 3, 1, 2))
        h = F.relu(self.dec1(h))
        h = F.relu(self.dec2(F.interpolate(h, scale_factor=2, mode="nearest")))
        y = self.dec3(F.interpolate(h, scale_factor=2, mode="nearest"))
        return torch.sigmoid(y.reshape(len(x), 784))


@torch.no_grad()
def codes(model, images):
    return torch.cat([model.encode(images[i:i + 1000]) for i in range(0, len(images), 1000)])


def main():
    args, (images, labels), (test_images, test_labels) = reference_setup(__doc__, 5)
    model = ConvAe()
    start = time.perf_counter()
    final = train(model, images, args.epochs, 256, args.seed)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        test_loss = float(sum(F.mse_loss(model(test_images[i:i + 1000]), test_images[i:i + 1000])
                              for i in range(0, len(test_images), 1000)) / (len(test_images) // 1000))
    z, zt = codes(model, images), codes(model, test_images)
    print(json.dumps({"reference": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "epochs": args.epochs, "seed": args.seed, "final_loss": final,
                      "train_seconds": seconds, "step_ms": 1000 * seconds / (args.epochs * (len(images) // 256)),
                      "test_loss": test_loss,
                      "linear_probe_accuracy": linear_probe(z, labels, zt, test_labels, args.seed),
                      "knn_accuracy": knn(z, labels, zt, test_labels)}))


if __name__ == "__main__":
    sys.exit(main())
