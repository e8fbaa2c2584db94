"""batch_norm_torch.py CHECKPOINT.safetensors REP.npy: batch-norm.strata's
running statistics against the training set's per-pixel mean and (unbiased)
variance, and what `strata embed` wrote (the eval form) against PyTorch's
F.batch_norm(training=False) on the checkpoint's statistics and scale."""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from interop import images, read_safetensors


def main(checkpoint, rep_path):
    params, _ = read_safetensors(checkpoint)
    t = {name: torch.from_numpy(np.array(value)).double() for name, value in params.items()}
    train = torch.from_numpy(images("train", 60000)).double()
    mean_gap = (t["batch_norm0.running_mean"] - train.mean(0)).abs().max().item()
    var_gap = (t["batch_norm0.running_var"] - train.var(0)).abs().max().item()
    moved = (t["batch_norm0.running_var"] - 1).abs().max().item()
    print(f"running statistics: largest gap to the training set's mean {mean_gap:.4f}, "
          f"variance {var_gap:.4f}: {'close' if mean_gap < 0.03 and var_gap < 0.03 and moved > 0.5 else 'FAR'}")
    rep = np.load(rep_path)
    test = torch.from_numpy(images("test", rep.shape[0])).double()
    expected = F.batch_norm(test, t["batch_norm0.running_mean"], t["batch_norm0.running_var"],
                            t["batch_norm0.gamma"], t["batch_norm0.beta"], training=False, eps=1e-5).numpy()
    diff = np.abs(rep - expected).max() / np.abs(expected).max()
    print(f"eval form: max difference {diff:.1e} of the largest value: {'equal' if diff < 1e-5 else 'DIFFERENT'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
