//===- CompileSupport.h - what every compile of the compiler shares -*- C++ -*-===//
//
// The context the pipelines run in, the pipeline runner, and the PTX of a
// lowered module: used by the spec compiler (Compiler.cpp) and by the search
// kernels' (TopKKernels.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <string>

namespace strata::compiler {

/// An MLIR context with every dialect the pipelines use, whose diagnostics
/// are collected into a string for CompileError.
struct CompileContext {
  mlir::MLIRContext context;
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler;
  explicit CompileContext(mlir::DialectRegistry &registry);
};

/// Every dialect and translation the pipelines use; the first call also
/// initializes LLVM's native target and registers the passes.
mlir::DialectRegistry compilerRegistry();

/// Runs `pipeline` (spelled builtin.module(...)) on `module`; throws
/// CompileError with the collected diagnostics when a pass fails.
void runPipeline(mlir::ModuleOp module, const std::string &pipeline, std::string &diagnostics);

/// Whether reportPassTimes (Compiler.h) was called: each runPipeline then
/// prints where its time went, pass by pass, to stderr.
bool passTimesReported();

/// The PTX text of every gpu.binary in `module` (one, after the merge).
std::string ptxOf(mlir::ModuleOp module);

} // namespace strata::compiler
