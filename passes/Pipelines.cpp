//===- Pipelines.cpp - the named pass pipelines, built in one place -------===//

#include "Pipelines.h"

#include "Passes.h"
#include "StrataDialect.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

using namespace mlir;

std::string mlir::strata::trainPipeline(const TrainPipelineOptions &o) {
  std::string p = "builtin.module(func.func(strata-infer-shapes{batch=" + std::to_string(o.batch) + "}),";
  // mode=forward: evaluation and embedding need only the arena-bound @forward.
  if (o.mode != "forward")
    p += "strata-autodiff{mode=" + o.mode + " total-steps=" + std::to_string(o.totalSteps) + "},";
  return p + "strata-bind-params,canonicalize,cse)";
}

namespace {
/// Passes from the train stage to loops on memrefs.
std::string toLoops(bool blas) {
  std::string p = "func.func(strata-decompose),canonicalize,cse,"
                  "func.func(strata-lower-to-linalg),canonicalize,"
                  "func.func(linalg-fuse-elementwise-ops),cse,"
                  "one-shot-bufferize{bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map},"
                  "drop-equivalent-buffer-results,buffer-results-to-out-params,"
                  "canonicalize,buffer-deallocation-pipeline,";
  if (blas)
    p += "strata-matmul-to-blas,";
  return p + "func.func(convert-linalg-to-loops),canonicalize";
}

/// Passes from loops to the LLVM dialect.
const char *kLoopsToLLVM =
    "convert-bufferization-to-memref,lower-affine,convert-scf-to-cf,"
    "expand-strided-metadata,finalize-memref-to-llvm,convert-math-to-llvm,"
    "convert-math-to-libm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts";
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

void mlir::strata::registerCompilerDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<StrataDialect>();
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

void mlir::strata::registerCompilerPasses() {
  registerAllPasses();
  registerStrataPasses();
}
