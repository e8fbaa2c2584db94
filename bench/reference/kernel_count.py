#!/usr/bin/python3
"""How many GPU kernels PyTorch eager launches for one train step of each
reference workload, derived on a machine without a GPU.

  kernel_count.py [ae-mlp|vae-mlp|simclr-mlp|bert-mini-mlm|all]

One training step of bench/reference/workloads.py (forward, loss, backward,
the optimizer with foreach=True as on CUDA, zero_grad(set_to_none=True))
runs under the autograd profiler on the CPU, after a first step that
creates the optimizer's state. On CUDA a GEMM (mm, addmm, bmm, baddbmm) is
one cuBLAS call and a foreach op one multi-tensor-apply kernel (up to 110
tensors per launch), whatever their CPU implementations call inside; every
other leaf ATen op that computes launches one kernel, and ops that only make
views or allocate (view, t, expand, empty, ...) launch none. This is a
derivation, not a CUDA trace, and neither bound holds: CUDA implementations
that split an op into several kernels (layer norm's backward) count higher,
CPU implementations that add a fill before a reduction count lower on CUDA,
and the profiler's tree of backward ops varies a little from run to run, so
the totals move by a few. Run `strata bench --dry` beside it for Strata's
figures.

Prints one JSON object per workload.
"""
import json
import sys

import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
import workloads  # noqa: E402

NO_KERNEL = {
    "aten::empty", "aten::empty_like", "aten::empty_strided", "aten::view", "aten::t",
    "aten::transpose", "aten::as_strided", "aten::expand", "aten::reshape", "aten::_reshape_alias",
    "aten::detach", "aten::detach_", "aten::resolve_conj", "aten::resolve_neg", "aten::unsqueeze",
    "aten::squeeze", "aten::permute", "aten::select", "aten::slice", "aten::alias",
    "aten::lift_fresh", "aten::result_type", "aten::_unsafe_view", "aten::numpy_T",
    "aten::set_", "aten::is_nonzero", "aten::item", "aten::_local_scalar_dense", "aten::to",
    "aten::_to_copy", "aten::size", "aten::stride", "aten::contiguous", "aten::resize_",
    "aten::narrow", "aten::split", "aten::split_with_sizes", "aten::chunk", "aten::unbind",
}
GEMMS = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"}


def is_unit(name):
    """Ops that are one launch on CUDA whatever their CPU implementation calls."""
    return name in GEMMS or name.startswith("aten::_foreach_")


def launches(profile):
    """The op name of every launch: a unit op, or a leaf ATen op under none."""
    names = []
    for e in profile.function_events:
        if not e.name.startswith("aten::"):
            continue
        parent, inside_unit = e.cpu_parent, False
        while parent is not None:
            # Under .to(): CPU scalars converted for an op, kernel arguments on CUDA.
            if is_unit(parent.name) or parent.name in ("aten::to", "aten::_to_copy"):
                inside_unit = True
                break
            parent = parent.cpu_parent
        if inside_unit:
            continue
        if is_unit(e.name) or not any(c.name.startswith("aten::") for c in e.cpu_children):
            names.append(e.name)
    return names


def count(name):
    w = workloads.make(name)
    inputs = w.batch()
    w.step(inputs)  # the first step creates the optimizer's state
    with torch.autograd.profiler.profile() as profile:
        w.step(inputs)
    leaves = launches(profile)
    gemms = [n for n in leaves if n in GEMMS]
    kernels = [n for n in leaves if n not in GEMMS and n not in NO_KERNEL]
    counts = {}
    for n in kernels:
        counts[n] = counts.get(n, 0) + 1
    return {"reference": "pytorch-eager", "model": name, "batch": workloads.BATCH[name],
            "torch": torch.__version__, "kernels_per_step": len(kernels),
            "library_calls_per_step": len(gemms), "launches_per_step": len(kernels) + len(gemms),
            "kernels_by_op": dict(sorted(counts.items(), key=lambda kv: -kv[1]))}


def main():
    torch.set_num_threads(1)  # fewer threads, fewer ops without a parent in the profile
    names = sys.argv[1:] or ["all"]
    if names == ["all"]:
        names = workloads.REFERENCE
    for name in names:
        print(json.dumps(count(name)))


if __name__ == "__main__":
    main()
