"""interop.py: Strata's files read by NumPy and PyTorch, and a PyTorch model
written for Strata. ae-mlp's encoder is relu(x W0 + b0) -> relu(. W1 + b1) ->
. W2 + b2, with Strata's `linearN.w` stored [in, out] (PyTorch's nn.Linear
weight is its transpose).

  interop.py numpy CHECKPOINT.safetensors Z.npy
      reads both with NumPy alone and recomputes the test codes from the weights
  interop.py torch CHECKPOINT.safetensors Z.npy
      the same weights loaded into a torch.nn autoencoder (load_state_dict)
  interop.py torch-train OUT.safetensors
      trains ae-mlp in PyTorch (200 steps, Adam 1e-3, batch 256, seed 0) and
      writes its parameters under Strata's names
"""
import gzip
import json
import os
import struct
import sys

import numpy as np

DATA = os.environ.get("STRATA_FASHION_MNIST") or "/usr/share/datasets/fashion-mnist"
SIZES = [784, 512, 128, 32, 128, 512, 784]


def images(split, count):
    name = "train" if split == "train" else "t10k"
    raw = gzip.open(os.path.join(DATA, f"{name}-images-idx3-ubyte.gz")).read()
    return np.frombuffer(raw, np.uint8, offset=16)[: count * 784].reshape(count, 784).astype(np.float32) / 255


def read_safetensors(path):
    """The safetensors layout by hand: u64 header length, JSON header, data."""
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(blob, np.float32, count=(end - start) // 4, offset=8 + n + start).reshape(
            info["shape"])
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, tensors):
    header, offset, chunks = {}, 0, []
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def numpy_codes(params, x):
    h = np.maximum(x @ params["linear0.w"] + params["linear0.b"], 0)
    h = np.maximum(h @ params["linear1.w"] + params["linear1.b"], 0)
    return h @ params["linear2.w"] + params["linear2.b"]


def autoencoder():
    import torch
    layers = []
    for i in range(6):
        layers.append(torch.nn.Linear(SIZES[i], SIZES[i + 1]))
        if i not in (2, 5):
            layers.append(torch.nn.ReLU())
    layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def linears(model):
    import torch
    return [m for m in model if isinstance(m, torch.nn.Linear)]


def main():
    mode = sys.argv[1]
    if mode in ("numpy", "torch"):
        params, meta = read_safetensors(sys.argv[2])
        z = np.load(sys.argv[3])
        print(f"npy: {z.shape[0]} x {z.shape[1]} {z.dtype}; checkpoint: {len(params)} tensors, "
              f"model {meta['model']}, step {meta['step']}")
        x = images("test", 1000)
        if mode == "numpy":
            mine = numpy_codes(params, x)
        else:
            import torch
            model = autoencoder()
            state = {}
            for i, layer in enumerate(linears(model)):
                index = [k for k, m in enumerate(model) if m is layer][0]
                state[f"{index}.weight"] = torch.from_numpy(params[f"linear{i}.w"].T.copy())
                state[f"{index}.bias"] = torch.from_numpy(params[f"linear{i}.b"].copy())
            model.load_state_dict(state, strict=True)
            with torch.no_grad():
                mine = model[:5](torch.from_numpy(x)).numpy()
        diff = np.abs(mine - z[:1000]).max() / np.abs(z[:1000]).max()
        print(f"{mode}: the codes of 1000 test images, recomputed from the checkpoint: "
              f"{'equal' if diff < 1e-5 else 'DIFFERENT'} (max relative difference {diff:.1e})")
    elif mode == "torch-train":
        import torch
        torch.manual_seed(0)
        model = autoencoder()
        x = torch.from_numpy(images("train", 60000))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for step in range(200):
            batch = x[torch.randint(0, 60000, (256,))]
            loss = torch.nn.functional.mse_loss(model(batch), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            mse = torch.nn.functional.mse_loss(model(x[:4096]), x[:4096]).item()
        tensors = {}
        for i, layer in enumerate(linears(model)):
            tensors[f"linear{i}.w"] = layer.weight.detach().numpy().T
            tensors[f"linear{i}.b"] = layer.bias.detach().numpy()
        write_safetensors(sys.argv[2], tensors)
        print(f"torch: 200 steps, train MSE {mse:.4f}; wrote {len(tensors)} tensors")
        print(json.dumps({"torch_mse": mse}), file=open(sys.argv[2] + ".json", "w"))


if __name__ == "__main__":
    main()
