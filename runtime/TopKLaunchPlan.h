//===- TopKLaunchPlan.h - how to launch exact search's GPU kernels -*- C++ -*-===//
//
// The top-k kernels of exact search (compiler/kernels/top-k.mlir) as the
// compiler hands them to the CUDA runtime (runtime/cuda/GpuSearch.h): their
// PTX, and for each host function (top_k_lanes, top_k_merge, top_k_gather)
// the kernel it launches and where each kernel parameter and the grid's and
// block's x extents come from among that function's arguments, in the order
// gpu-kernel-outlining chose. Plain data: the runtime reads no MLIR.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace strata::runtime {

/// A launch extent: host argument `arg`, or the constant `value` when arg < 0.
struct LaunchExtent {
  int arg = -1;
  int64_t value = 1;
};

struct KernelLaunchPlan {
  std::string kernel;
  std::vector<int> params; // host argument of each kernel parameter
  LaunchExtent blocks, threads;
};

struct TopKKernels {
  std::string ptx;
  std::map<std::string, KernelLaunchPlan> functions; // by host function
};

} // namespace strata::runtime
