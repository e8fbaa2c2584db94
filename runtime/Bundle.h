//===- Bundle.h - reading a compiled GPU program -----------------*- C++ -*-===//
//
// `strata compile --target=cuda -o DIR` writes DIR/manifest.json and
// DIR/kernels.ptx (compiler/BundleManifest.cpp). This is the runtime's side: the
// manifest as structs, and the parameters of one kernel launch packed the way
// cuLaunchKernel takes them. No CUDA and no LLVM here, so both are tested on
// any machine; runtime/cuda/ runs them on a GPU.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"
#include "Error.h"
#include "Function.h"
#include "ParamInit.h"

#include <array>
#include <map>
#include <string>
#include <vector>

namespace strata::runtime {

struct BundleError : Error {
  using Error::Error;
};

/// A static view of a function argument: its memref descriptor is (arg's
/// pointer + byteOffset) as the aligned pointer, then offset, sizes, strides.
/// byteOffset is a multiple of 16 (the compiler checks), and argument
/// buffers are 256-byte aligned, because kernels assume 16-byte-aligned
/// bases for their 128-bit loads and stores.
struct BufferView {
  int arg = 0;
  int64_t byteOffset = 0;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
  DType dtype = DType::F32;
};

/// A scalar kernel argument: a literal, or a scalar function argument (seed,
/// step). `type` is f32, f64, i32, i64 or index.
struct ScalarOperand {
  int arg = -1; // >= 0: the function's argument
  double value = 0;
  std::string type;
};

struct KernelOperand {
  bool isBuffer = false;
  BufferView buffer;
  ScalarOperand scalar;
};

struct LaunchCommand {
  std::string kernel;
  std::array<int64_t, 3> grid{1, 1, 1}, block{1, 1, 1};
  std::vector<KernelOperand> args;
};

/// What a GEMM does after the product: nothing, + bias (a row vector per
/// column of C), + bias then ReLU, or write the column sums of B into `bias`
/// (the bias gradient, when C = X^T dY is a weight gradient).
enum class Epilogue { None, Bias, ReluBias, BiasGradient };

/// C = op(A) op(B) (+ C when accumulate), row-major views; then the epilogue.
struct GemmCommand {
  BufferView a, b, c;
  bool transposeA = false, transposeB = false, accumulate = false;
  Epilogue epilogue = Epilogue::None;
  BufferView bias; // with an epilogue
};

struct Command {
  bool isLaunch = true;
  LaunchCommand launch;
  GemmCommand gemm;
};

struct BundleFunction {
  std::vector<ArgSpec> args; // roles as runtime::Function names them
  std::vector<Command> schedule;
};

struct Bundle {
  std::string dir, model, chip;
  DataSource data; // what the spec's train section reads
  int64_t batch = 0;
  uint64_t seed = 0;
  /// The learning-rate schedule compiled into the train step and the run
  /// length it spans (0 for a constant rate, or a bundle that predates it).
  std::string schedule = "constant";
  int64_t scheduleSteps = 0;
  std::string ptx; // the kernels
  std::string cubin; // the kernels assembled for `chip`; empty when the bundle has none
  std::vector<ParamEntry> params;
  /// The spec's `init pretrained(...)`: parameters of `initParams` start from
  /// the safetensors file `initPath` (frozen or not, the train step knows).
  std::string initParams, initPath;
  std::map<std::string, BundleFunction> functions;
  int64_t arenaSize() const; // elements of the parameter arena
};

/// Reads DIR/manifest.json, DIR/kernels.ptx and the cubin the manifest
/// names, if any; throws BundleError naming
/// what is missing or malformed.
Bundle readBundle(const std::string &dir);

/// A bundle from its manifest's text, its PTX and its cubin (empty if none),
/// compiled in memory (`strata train --target=cuda`); `where` names it in
/// errors.
Bundle parseBundle(const std::string &manifest, const std::string &ptx, const std::string &cubin,
                   const std::string &where);

/// One launch's parameters in the NVVM calling convention: a memref is
/// (allocated, aligned, offset, sizes..., strides...), an index an i64.
/// `pointers` (cuLaunchKernel's kernelParams) point into `storage`.
struct PackedParams {
  std::vector<uint64_t> storage; // one 8-byte slot per parameter
  std::vector<void *> pointers;
};

/// `addresses[i]`: the device address of function argument i (0 for
/// scalars); `scalars[i]`: the value of scalar argument i (seed, step).
PackedParams packLaunch(const LaunchCommand &launch, const std::vector<uint64_t> &addresses,
                        const std::vector<int64_t> &scalars);

} // namespace strata::runtime
