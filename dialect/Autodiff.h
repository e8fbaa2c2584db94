//===- Autodiff.h - reverse-mode accumulation over strata ops ---*- C++ -*-===//
#pragma once

#include "StrataDialect.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::strata {

/// Walks `ops` (given in program order) backwards and, through each op's
/// GradientOpInterface, builds the gradients of its operands at the builder's
/// insertion point. `gradients` holds the seeds on entry (e.g. the loss mapped
/// to 1.0) and, on return, the gradient of every value the seeds reach; a value
/// used several times gets the sum of its uses' gradients.
LogicalResult backpropagate(OpBuilder &builder, ArrayRef<Operation *> ops,
                            llvm::DenseMap<Value, Value> &gradients);

} // namespace mlir::strata
