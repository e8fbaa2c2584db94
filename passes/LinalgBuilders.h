//===- LinalgBuilders.h - linalg/tensor helpers for the lowering -*- C++ -*-===//
//
// Small builders the strata -> linalg lowering is made of: elementwise
// linalg.generic with numpy broadcasting through indexing maps, reductions,
// static reshapes, and scalar constants of a given element type.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::strata {

using BodyBuilder = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// The indexing map that reads an input of `inputType` broadcast into an
/// iteration space of `rank` loops (numpy rules, aligned to the right).
AffineMap broadcastMap(RankedTensorType inputType, ArrayRef<int64_t> resultShape,
                       MLIRContext *ctx);

/// linalg.generic with parallel loops over `resultType`; inputs broadcast.
/// `body` gets the input elements and returns the result element.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, BodyBuilder body);

/// linalg.generic reducing `input` over `axes` into a tensor without them,
/// starting from `init`; `combine(acc, x)` folds one element in.
Value buildReduction(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                     TypedAttr init, BodyBuilder combine);

/// Reshapes a static tensor by collapsing to rank 1 and expanding again.
Value buildReshape(OpBuilder &b, Location loc, Value input, RankedTensorType resultType);

/// A zero-filled tensor of `type`.
Value buildZeros(OpBuilder &b, Location loc, RankedTensorType type);

/// The lane count of the CPU's hand-built vector loops over rows of `extent`
/// elements: the largest of 8, 4, 2 and 1 that divides it. It depends on the
/// shape only, so the order of additions is the same on every host.
int64_t rowVectorLanes(int64_t extent);

/// vector.transfer_read of a `type` vector from `tensor` at `indices` (the
/// vector along the last dimension, within bounds).
Value readVector(OpBuilder &b, Location loc, VectorType type, Value tensor, ValueRange indices);

/// `vector` written into `tensor` at `indices` (within bounds); the new tensor.
Value writeVector(OpBuilder &b, Location loc, Value vector, Value tensor, ValueRange indices);

/// A scalar constant of float or integer `type`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

/// The linear (row-major) index of the current linalg.generic iteration over
/// its first `shape.size()` loops, whose extents are `shape`, as i64. Only
/// valid inside a linalg.generic body.
Value linearIndex(OpBuilder &b, Location loc, ArrayRef<int64_t> shape);

} // namespace mlir::strata
