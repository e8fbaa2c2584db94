//===- Pipelines.h - the named pass pipelines, built in one place -*- C++ -*-===//
//
// The driver and the tests run the same pipelines: `strata-train-pipeline`
// (fix the batch, autodiff, bind parameters), `strata-cpu-pipeline` (decompose,
// lower to linalg, bufferize, loops, LLVM). Each is a textual pass pipeline, so
// `strata emit --stage=S` can print the exact `strata-opt` command that
// reproduces a stage. `strata-gpu-pipeline` shares the first half and then
// maps what is not a GEMM onto kernels, through NVVM to PTX.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/DialectRegistry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::strata {

struct TrainPipelineOptions {
  int64_t batch = 0;
  int64_t totalSteps = 0;
  std::string mode = "train"; // train | grad | forward (no autodiff) | embed (forward, no noise)
};

enum class CpuStage { Loops, LLVM };

struct CpuPipelineOptions {
  CpuStage stopAfter = CpuStage::LLVM;
  bool blas = true; // 2-D matmuls call the BLAS; else generated loops
};

/// builtin.module(...) from @forward to @train_step/@grad_step and an
/// arena-bound @forward.
std::string trainPipeline(const TrainPipelineOptions &options);

/// builtin.module(...) from the train stage to loops or to the LLVM dialect.
std::string cpuPipeline(const CpuPipelineOptions &options);

/// builtin.module(...) from the loops stage to the LLVM dialect: the rest of
/// cpuPipeline after it stopped at CpuStage::Loops.
std::string cpuLoopsToLLVMPipeline();

/// Tiled: the parallel loops just before they become kernels, which a CPU can
/// run (sequentially) to test everything the GPU path does to the program.
enum class GpuStage { Fused, Tiled, Gpu, NVVM, PTX };

struct GpuPipelineOptions {
  GpuStage stopAfter = GpuStage::PTX;
  std::string chip = "sm_90";
  int64_t blockSize = 256; // threads per block of an elementwise kernel
  /// libdevice.10.bc of the CUDA toolkit, linked into the kernels for the math
  /// functions (__nv_expf, ...); see findLibdevice().
  std::string libdevice;
};

/// Where the CUDA toolkit may be, in the order searched: $CUDA_HOME,
/// $CUDA_ROOT, $CUDA_PATH (those set), then /usr/local/cuda.
std::vector<std::string> cudaToolkitRoots();

/// libdevice from the first of cudaToolkitRoots() that has it; "" when none
/// has it.
std::string findLibdevice();

/// builtin.module(...) from the train stage to fused linalg, kernels in the
/// gpu dialect, NVVM, or PTX (a gpu.binary holding one PTX module).
std::string gpuPipeline(const GpuPipelineOptions &options);

/// builtin.module(...) from compiler/kernels/top-k.mlir (scf.parallel loops
/// already mapped to blocks and threads) to kernels in the gpu dialect, NVVM
/// or PTX; at Tiled, only the inlining, which leaves the loops a CPU can run.
std::string topKKernelsPipeline(const GpuPipelineOptions &options);

/// builtin.module(...) from compiler/kernels/top-k.mlir to the LLVM dialect
/// for the CPU, its parallel loops run one iteration after another: how
/// test/gpu/top-k-kernels.mlir checks the kernels without a GPU.
std::string topKKernelsOnCpuPipeline();

/// Every dialect, interface model and pass the pipelines use (this is the one
/// file that includes InitAllDialects/InitAllPasses).
void registerCompilerDialects(DialectRegistry &registry);
void registerCompilerPasses();

} // namespace mlir::strata
