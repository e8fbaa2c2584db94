//===- CudaProgram.h - a bundle on a GPU -------------------------*- C++ -*-===//
//
// Runs a bundle's schedule (runtime/Bundle.h) with the CUDA driver API and
// cuBLASLt, no LLVM: the PTX module is loaded once (the driver JIT-compiles
// it for the device it finds), every kernel function is looked up once, each
// GEMM gets its cuBLASLt descriptors and algorithm (the heuristic's first
// choice) once, each launch's parameters are packed once (again per step only
// for launches that take the step), and a step enqueues the schedule on one
// stream.
//
// Not yet here: CUDA-graph capture of a step (the step number is a kernel
// parameter, so a graph needs its node parameters updated per step), and
// double-buffered input copies. Nothing in this file has run on a GPU yet:
// the machines of this project had none when it was written.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Bundle.h"

#include <memory>
#include <string>

namespace strata::runtime {

struct CudaError : Error {
  using Error::Error;
};

/// Whether a CUDA device is visible; `why` says why not.
bool cudaDeviceAvailable(std::string &why);

class CudaProgram {
public:
  /// Creates a context on device 0 and loads the bundle's kernels.
  explicit CudaProgram(const Bundle &bundle);
  ~CudaProgram();
  CudaProgram(const CudaProgram &) = delete;
  CudaProgram &operator=(const CudaProgram &) = delete;

  /// Device memory for every buffer argument of `function`, zeroed; arguments
  /// with the same role in several functions share one allocation.
  void allocate(const std::string &function);
  void upload(const std::string &role, const Tensor &host);
  void download(const std::string &role, Tensor &host);
  /// Enqueues one call of `function` on the stream with its scalar arguments
  /// (seed, step, by argument index; buffers ignored). Allocate first: the
  /// first call packs every launch's parameters for the buffers it finds.
  /// download() waits for the stream.
  void run(const std::string &function, const std::vector<int64_t> &scalars);
  std::string deviceName() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace strata::runtime
