#!/usr/bin/python3
"""The vae-mlp recipe of WORKLOADS.md in PyTorch: Strata's quality reference.

Model and loss are workloads.VaeMlp (Xavier-uniform weights, zero biases,
BCE-with-logits summed over pixels + KL, both averaged over the batch); Adam
lr 1e-3, batch 256, last partial batch dropped. Reported as Strata's eval
reports it: the test negative ELBO (one sample of eps per image, mean over
the test set), and linear-probe / kNN test accuracy of mu, with
ae_mlp.py's probe and kNN recipes.

  vae_mlp.py [--epochs 10] [--seed 0]     one JSON object on stdout

Run with Debian's /usr/bin/python3 (python3-torch, python3-numpy).
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ae_mlp import knn, linear_probe, reference_setup, train  # noqa: E402
from workloads import VaeMlp  # noqa: E402


@torch.no_grad()
def mu_of(model, images):
    return torch.cat([model.mu(F.relu(model.enc(images[i:i + 1000])))
                      for i in range(0, len(images), 1000)])


def main():
    args, (images, labels), (test_images, test_labels) = reference_setup(__doc__, 10)
    model = VaeMlp()
    start = time.perf_counter()
    final = train(model, images, args.epochs, 256, args.seed, model.loss)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        test_loss = float(sum(model.loss(test_images[i:i + 1000]) for i in range(0, len(test_images), 1000))
                          / (len(test_images) // 1000))
    z, zt = mu_of(model, images), mu_of(model, test_images)
    print(json.dumps({"reference": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "epochs": args.epochs, "seed": args.seed, "final_loss": final,
                      "train_seconds": seconds, "test_loss": test_loss,
                      "linear_probe_accuracy": linear_probe(z, labels, zt, test_labels, args.seed),
                      "knn_accuracy": knn(z, labels, zt, test_labels)}))


if __name__ == "__main__":
    sys.exit(main())
