//===- Pipelines.cpp - the named pass pipelines, built in one place -------===//

#include "Pipelines.h"

#include "Passes.h"
#include "StrataDialect.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include <cstdlib>
#include <fstream>
#include <vector>

using namespace mlir;

std::string mlir::strata::trainPipeline(const TrainPipelineOptions &o) {
  std::string p = "builtin.module(func.func(strata-infer-shapes{batch=" + std::to_string(o.batch) + "}),";
  // mode=forward: evaluation needs only the arena-bound @forward, normalized by
  // running statistics; mode=embed the same, with training's random
  // corruptions switched off too.
  if (o.mode == "embed")
    p += "func.func(strata-running-statistics,strata-inference),";
  else if (o.mode == "forward")
    p += "func.func(strata-running-statistics),";
  else
    p += "strata-autodiff{mode=" + o.mode + " total-steps=" + std::to_string(o.totalSteps) + "},";
  return p + "strata-bind-params,canonicalize,cse)";
}

namespace {
/// From the train stage to linalg on tensors, elementwise chains fused into
/// their consumers: the kernel boundaries before bufferization.
/// No CSE after the lowering: merging equal tensor.empty or fill ops would
/// make several ops write one tensor, and bufferization would copy it.
/// On the GPU, scatter-adds into embedding tables become parallel sums in the
/// ids' order instead of the CPU's loop over the ids, and an elementwise op
/// writes over an input read for the last time, and a large activation is
/// recomputed for the backward pass (device memory is the scarcer).
/// A gather from an elementwise result reads that op's inputs instead, before
/// the fusion that decides what is materialized.
std::string toFusedLinalg(bool gpu) {
  return std::string("func.func(strata-decompose),canonicalize,cse,func.func(") +
         (gpu ? "strata-sorted-scatter-add," : "") + "strata-lower-to-linalg),canonicalize," +
         "func.func(strata-gather-through-elementwise,strata-fuse-elementwise),canonicalize" + (gpu ? ",func.func(strata-recompute-activations,strata-reuse-dead-inputs)" : "");
}

/// Tensors to memrefs; function results become out-parameters.
const char *kBufferize = "one-shot-bufferize{bufferize-function-boundaries "
                         "function-boundary-type-conversion=identity-layout-map},"
                         "drop-equivalent-buffer-results,buffer-results-to-out-params,"
                         "canonicalize,func.func(strata-elide-copies),canonicalize";

/// Long float reductions on the CPU (a million elements read or more) in
/// vector lanes.
const char *kSplitReductions = "func.func(strata-split-reductions{min-elements=1048576}),canonicalize";

/// Long float reductions on the GPU with fewer results than a wave has SMs
/// (the gradient norm over the arena): up to 1024 contiguous chunks, a block
/// each, then the chunks in order. From 131,072 elements: one block reads
/// about 8 elements a ns (GPU-BASELINE.md: 2M in 0.24 ms), so a split saves
/// more than its second launch (about 2 us) from about 20,000 on.
const char *kSplitReductionsIntoBlocks =
    "func.func(strata-split-reductions{min-elements=131072 lanes=1024 contiguous=true max-outputs=128}),"
    "canonicalize";

/// What the CPU computes with hand-built vector loops: SGD on embedding
/// tables row by touched row, and negative sampling rather than its
/// decomposition.
const char *kCpuKernels = "func.func(strata-sparse-sgd,strata-negative-sampling-kernels)";

/// Passes from the train stage to loops on memrefs.
std::string toLoops(bool blas) {
  std::string p = std::string(kCpuKernels) + "," + toFusedLinalg(/*gpu=*/false) + "," + kSplitReductions + "," + kBufferize +
                  ",buffer-deallocation-pipeline,";
  if (blas)
    p += "strata-matmul-to-blas,";
  return p + "func.func(convert-linalg-to-loops),canonicalize";
}

/// Passes from loops to the LLVM dialect. convert-math-to-libm calls libm
/// element by element for vector math without an LLVM intrinsic (erf), with
/// vector.extract/insert that the second convert-vector-to-llvm lowers.
const char *kLoopsToLLVM =
    "convert-bufferization-to-memref,convert-vector-to-scf,lower-affine,convert-scf-to-cf,"
    "expand-strided-metadata,convert-vector-to-llvm,finalize-memref-to-llvm,convert-math-to-llvm,"
    "convert-math-to-libm,convert-vector-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts";
/// From outlined kernels in one gpu.module to NVVM or PTX; nothing when the
/// pipeline stops at the gpu dialect.
std::string kernelsToPtx(const strata::GpuPipelineOptions &o) {
  if (o.stopAfter != strata::GpuStage::NVVM && o.stopAfter != strata::GpuStage::PTX)
    return "";
  std::string p = ",nvvm-attach-target{chip=" + o.chip + " O=3" + (o.libdevice.empty() ? "" : " l=" + o.libdevice) +
                  "},gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,convert-gpu-to-nvvm,"
                  "canonicalize,reconcile-unrealized-casts)";
  return o.stopAfter == strata::GpuStage::PTX ? p + ",gpu-module-to-binary{format=isa}" : p;
}
} // namespace

std::string mlir::strata::cpuPipeline(const CpuPipelineOptions &o) {
  std::string p = "builtin.module(" + toLoops(o.blas);
  if (o.stopAfter == CpuStage::LLVM)
    p += std::string(",") + kLoopsToLLVM;
  return p + ")";
}

std::string mlir::strata::cpuLoopsToLLVMPipeline() {
  return std::string("builtin.module(") + kLoopsToLLVM + ")";
}

std::string mlir::strata::gpuPipeline(const GpuPipelineOptions &o) {
  std::string p = "builtin.module(" + toFusedLinalg(/*gpu=*/true);
  if (o.stopAfter == GpuStage::Fused)
    return p + ")";
  // Run on the CPU (Tiled: emulation), reductions take the CPU's lane order,
  // so the emulation computes what the CPU pipeline computes, bit for bit; on
  // the GPU, long ones with few results are split into blocks.
  p += std::string(",") + (o.stopAfter == GpuStage::Tiled ? kSplitReductions : kSplitReductionsIntoBlocks);
  // GEMMs to cuBLASLt; every other linalg op (copies included) becomes one
  // kernel: reductions a block per output, the rest with parallel dimensions
  // first, its parallel loops flattened to one index, tiled by the block
  // size, tiles mapped to blocks, elements to threads; what no parallel loop
  // covers runs in one-thread kernels.
  std::string block = std::to_string(o.blockSize);
  // No deallocations: every buffer gets a place in the step's scratch arena.
  p += std::string(",") + kBufferize +
       ",strata-matmul-to-blas{library=cublaslt},"
       "func.func(strata-copies-to-linalg,strata-parallel-dims-first),";
  // Reductions become block-per-output kernels with warp shuffles, except
  // when the result runs on the CPU (Tiled: emulation), which has no blocks.
  if (o.stopAfter != GpuStage::Tiled)
    p += "func.func(strata-reduction-kernels),";
  p += "func.func(convert-linalg-to-parallel-loops),canonicalize,"
       "func.func(strata-group-sibling-loops,scf-parallel-loop-fusion),func.func(strata-plan-memory),"
       "func.func(strata-flatten-parallel-loops),canonicalize,func.func(strata-vectorize-elementwise),canonicalize,"
       "func.func(scf-parallel-loop-tiling{parallel-loop-tile-sizes=" + block + " no-min-max-bounds=true})";
  if (o.stopAfter == GpuStage::Tiled)
    return p + ")";
  p += ",func.func(gpu-map-parallel-loops),func.func(convert-parallel-loops-to-gpu),"
       "func.func(strata-serial-kernels,strata-sink-scalars),canonicalize,"
       "gpu-launch-sink-index-computations,gpu-kernel-outlining,strata-merge-kernel-modules,"
       "strata-assume-kernel-alignment";
  return p + kernelsToPtx(o) + ")";
}

std::string mlir::strata::topKKernelsPipeline(const GpuPipelineOptions &o) {
  // No canonicalization in the inliner: it would merge the nested
  // scf.parallel loops and drop their block/thread mapping.
  std::string p = "builtin.module(inline{default-pipeline=},symbol-dce";
  if (o.stopAfter == GpuStage::Tiled)
    return p + ")";
  p += ",func.func(convert-parallel-loops-to-gpu),canonicalize,gpu-launch-sink-index-computations,"
       "gpu-kernel-outlining,strata-merge-kernel-modules";
  return p + kernelsToPtx(o) + ")";
}

std::string mlir::strata::topKKernelsOnCpuPipeline() {
  return std::string("builtin.module(inline{default-pipeline=},symbol-dce,") + kLoopsToLLVM + ")";
}

std::vector<std::string> mlir::strata::cudaToolkitRoots() {
  std::vector<std::string> roots;
  for (const char *var : {"CUDA_HOME", "CUDA_ROOT", "CUDA_PATH"})
    if (const char *value = std::getenv(var); value && *value)
      roots.push_back(value);
  roots.push_back("/usr/local/cuda");
  return roots;
}

std::string mlir::strata::findLibdevice() {
  for (const std::string &root : cudaToolkitRoots()) {
    std::string path = root + "/nvvm/libdevice/libdevice.10.bc";
    if (std::ifstream(path).good())
      return path;
  }
  return "";
}

void mlir::strata::registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<StrataDialect>();
  // Builtin, LLVM, GPU and NVVM among them: gpu-module-to-binary translates
  // kernels to LLVM IR before the NVPTX back end turns them into PTX.
  registerAllToLLVMIRTranslations(registry);
}

void mlir::strata::registerCompilerPasses() {
  registerAllPasses();
  registerStrataPasses();
}
