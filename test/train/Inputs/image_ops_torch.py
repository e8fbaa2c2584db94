"""image_ops_torch.py CHECKPOINT.safetensors REP.npy: recomputes image-ops.strata's
representation of the test images in PyTorch (NCHW, so every tensor is
permuted from Strata's NHWC and every filter from HWIO to OIHW) and prints the
largest difference from what `strata embed` wrote."""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from interop import images, read_safetensors


def main(checkpoint, rep_path):
    params, _ = read_safetensors(checkpoint)
    rep = np.load(rep_path)
    x = torch.from_numpy(images("test", rep.shape[0]).reshape(-1, 1, 28, 28)).double()
    t = {name: torch.from_numpy(np.array(value)).double() for name, value in params.items()}
    oihw = lambda w: w.permute(3, 2, 0, 1)
    c1 = F.conv2d(x, oihw(t["conv2d0.w"]), t["conv2d0.b"], padding=1)
    c2 = F.conv2d(F.relu(c1), oihw(t["w2"]), stride=2, padding=(2, 1), dilation=(2, 1), groups=2)
    m = F.max_pool2d(c2, 3, stride=2, padding=1)
    a = F.avg_pool2d(m, 2, stride=1, padding=1)
    u = F.interpolate(a, scale_factor=2, mode="nearest")
    v = F.interpolate(m, scale_factor=3, mode="bilinear", align_corners=False)
    nhwc = lambda y: y.permute(0, 2, 3, 1).reshape(y.shape[0], -1)
    expected = torch.cat([nhwc(u), nhwc(v)], dim=1).numpy()
    scale = np.abs(expected).max()
    diff = np.abs(rep - expected).max() / scale
    print(f"torch: {rep.shape[0]} images, {rep.shape[1]} values each, "
          f"max difference {diff:.1e} of the largest value: {'equal' if diff < 1e-5 else 'DIFFERENT'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
