//===- CudaProgram.h - a bundle on a GPU -------------------------*- C++ -*-===//
//
// Runs a bundle's schedule (runtime/Bundle.h) with the CUDA driver API and
// cuBLASLt, no LLVM: the PTX module is loaded once (the driver JIT-compiles
// it for the device it finds), every kernel function is looked up once, each
// GEMM gets its cuBLASLt descriptors and algorithm (the heuristic's first
// choice) once, and each launch's parameters are packed once.
//
// A function's first call runs its schedule launch by launch (cuBLASLt sets
// itself up then); its second is captured into a CUDA graph, and every later
// call replays that graph with one launch. The step and the seed are kernel
// parameters, so the graph's nodes of the kernels that read them get their
// parameters set again before each replay. STRATA_CUDA_GRAPHS=0 turns graphs
// off (every call then launches kernel by kernel).
//
// Inputs come through a two-slot pipeline: the host writes a batch into
// pinned memory, a copy stream moves it to the device while the step before
// runs, and the compute stream moves it into the input buffer just before
// its step.
//
// Nothing in this file has run on a GPU yet: the machines of this project
// had none when it was written. It compiles and links in CI.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Bundle.h"
#include "Driver.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace strata::runtime {

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
  /// Whether calls of `function` replay a captured CUDA graph now.
  bool replaysGraph(const std::string &function) const;

  /// Copies each (role, host tensor) into the pinned memory of `slot` (0 or
  /// 1) and enqueues its transfer on the copy stream, after the step that
  /// last read this slot. Blocks only while the slot's previous transfer runs.
  void stageInputs(int slot, const std::vector<std::pair<std::string, const Tensor *>> &inputs);
  /// On the compute stream: waits for `slot`'s transfers and moves them into
  /// the input buffers; the next run() reads them.
  void takeInputs(int slot);
  /// Enqueues the copy of the one-element buffer `role` (the loss) into
  /// pinned memory of `slot`; readScalar(slot) waits for it and returns it.
  void readScalarAsync(const std::string &role, int slot);
  double readScalar(int slot);

  std::string deviceName() const;
  /// How the kernels were loaded: "cubin sm_90" (the bundle's, assembled for
  /// this device's architecture) or "ptx sm_90 (JIT for sm_100)".
  std::string kernelsLoaded() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace strata::runtime
