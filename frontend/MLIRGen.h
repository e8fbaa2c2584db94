//===- MLIRGen.h - a Graph into the strata dialect -------------*- C++ -*-===//
#pragma once

#include "Graph.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

namespace strata::frontend {

/// Builds `func.func @forward(inputs...) -> (loss, representation)` with one
/// strata op per graph node, located at the spec position that made it. Returns
/// null if the module fails to verify (a frontend bug: the diagnostics say why).
struct MLIRGenOptions {
  /// Build every floating-point tensor as f64 (gradcheck's precision).
  bool float64 = false;
};
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context, const Graph &graph,
                                          MLIRGenOptions options = {});

/// Loads the dialects that mlirGen's output uses.
void loadDialects(mlir::MLIRContext &context);

} // namespace strata::frontend
