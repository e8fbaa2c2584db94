//===- CompileOptions.h - how a spec is compiled ----------------*- C++ -*-===//
//
// What every compiler entry point takes and throws, apart from what it
// compiles: the options of one compilation, its error, the stages `strata
// emit` can stop after. The compiler's parts (Compiler.cpp, the bundle
// manifest, ptxas, the pass pipelines) share these without depending on
// each other.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

namespace strata::compiler {

struct CompileOptions {
  int64_t batch = 0;          // 0: the spec's train batch
  int64_t totalSteps = 0;     // for the cosine schedule
  std::string mode = "train"; // train: @train_step; grad: @grad_step; forward: only @forward
  bool float64 = false;
  bool blas = true;
  std::string chip = "sm_90"; // GPU stages
  /// Run the GPU pipeline up to its parallel loops and execute those on the
  /// CPU (cuBLASLt calls go to the BLAS): tests the GPU path without a GPU.
  bool emulateGpu = false;
};

struct CompileError {
  std::string message;
};

/// The stages `strata emit` can stop after, beyond the frontend's: the CPU
/// path's and the GPU path's.
enum class Stage { Train, Loops, LLVM, Fused, Gpu, NVVM, PTX };

/// From now on every pipeline prints to stderr where its time went, pass by
/// pass (MLIR's timing manager in list form, as mlir-opt --mlir-timing), and
/// a bundle's compile the time ptxas took: `strata compile --timing`.
void reportPassTimes();

} // namespace strata::compiler
