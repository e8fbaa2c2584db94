//===- Decompositions.h - composite ops in terms of primitives --*- C++ -*-===//
//
// Softmax, layer norm, GELU and the losses are composites: they print as one op
// (what the user wrote) but lower, and differentiate, as the primitive ops they
// decompose into. The decomposition is the one definition of their math: the
// `strata-decompose` pass uses it before lowering, and their gradient rules
// differentiate it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "StrataDialect.h"

namespace mlir::strata {

/// True for ops that have a decomposition into primitive ops.
bool isComposite(Operation *op);

/// Builds `op`'s decomposition at the builder's insertion point from `op`'s own
/// operands and returns the values that replace its results.
SmallVector<Value> decompose(OpBuilder &builder, Operation *op);

/// The gradient rule of every composite: decompose, then run reverse mode over
/// the ops the decomposition built.
LogicalResult gradientByDecomposition(Operation *op, OpBuilder &builder,
                                      ArrayRef<Value> resultGradients,
                                      SmallVectorImpl<Value> &operandGradients);

class TensorMath;

/// batch_norm's eval form: the input normalized by the op's running
/// statistics (its results 1 and 2 are then those statistics unchanged).
Value batchNormEvalForm(TensorMath &m, BatchNormOp op);

/// The image composites (ImageDecompositions.cpp).
Value decomposeConv2d(TensorMath &m, Conv2dOp op);
Value decomposeMaxPool2d(TensorMath &m, MaxPool2dOp op);
Value decomposeAvgPool2d(TensorMath &m, AvgPool2dOp op);
Value decomposeUpsample2d(TensorMath &m, Upsample2dOp op);

} // namespace mlir::strata
