//===- TopKKernels.h - the GPU exact search's kernels, compiled --*- C++ -*-===//
//
// compiler/kernels/top-k.mlir (compiled in) through the top-k pipeline
// (passes/Pipelines.h) to PTX, with the launch plan of each host function
// read from its gpu.launch_func after kernel outlining: what
// runtime/cuda/GpuSearch.h needs to run them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "CompileOptions.h"
#include "TopKLaunchPlan.h"

#include <string>

namespace strata::compiler {

/// The kernels as PTX for `chip`, with their launch plans. Throws
/// CompileError when the pipeline fails.
runtime::TopKKernels compileTopKKernels(const std::string &chip);

/// `strata emit --kernels=top-k --stage=S`: the kernels after stage gpu,
/// nvvm or ptx (the PTX text). Throws runtime::Error for another stage.
std::string emitTopKKernels(Stage stage, const std::string &chip);

} // namespace strata::compiler
