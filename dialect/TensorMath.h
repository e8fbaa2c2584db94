//===- TensorMath.h - build strata ops tersely ------------------*- C++ -*-===//
//
// Gradient rules and decompositions read like the math they implement:
// `m.mul(g, m.sub(m.one(y), y))` rather than a page of builder calls. Every
// helper builds strata ops at the builder's insertion point; result types come
// from the ops' own shape inference.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "StrataDialect.h"

#include "mlir/IR/Builders.h"

namespace mlir::strata {

class TensorMath {
public:
  TensorMath(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  static RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }
  static int64_t rankOf(Value v) { return typeOf(v).getRank(); }

  Value add(Value x, Value y) { return b.create<AddOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<SubOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<MulOp>(loc, x, y); }
  Value div(Value x, Value y) { return b.create<DivOp>(loc, x, y); }
  Value equal(Value x, Value y) { return b.create<EqualOp>(loc, x, y); }
  Value neg(Value x) { return b.create<NegOp>(loc, x); }
  Value relu(Value x) { return b.create<ReluOp>(loc, x); }
  Value exp(Value x) { return b.create<ExpOp>(loc, x); }
  Value log(Value x) { return b.create<LogOp>(loc, x); }
  Value sqrt(Value x) { return b.create<SqrtOp>(loc, x); }
  Value tanh(Value x) { return b.create<TanhOp>(loc, x); }
  Value erf(Value x) { return b.create<ErfOp>(loc, x); }
  Value heaviside(Value x) { return b.create<HeavisideOp>(loc, x); }
  Value stopGradient(Value x) { return b.create<StopGradientOp>(loc, x); }
  Value matmul(Value x, Value y, bool transposeX = false, bool transposeY = false) {
    return b.create<MatmulOp>(loc, x, y, transposeX, transposeY);
  }
  Value reshape(Value x, ArrayRef<int64_t> shape) {
    if (typeOf(x).getShape() == shape)
      return x;
    return b.create<ReshapeOp>(loc, x, shape);
  }
  Value transpose(Value x, ArrayRef<int64_t> perm) {
    return b.create<TransposeOp>(loc, x, perm);
  }
  Value broadcast(Value x, ArrayRef<int64_t> shape) {
    if (typeOf(x).getShape() == shape)
      return x;
    return b.create<BroadcastOp>(loc, x, shape);
  }

  /// The half-open range [start, end) of `axis`; `x` itself when that is all of it.
  Value slice(Value x, int64_t axis, int64_t start, int64_t end) {
    if (start == 0 && end == typeOf(x).getDimSize(axis))
      return x;
    return b.create<SliceOp>(loc, x, axis, start, end);
  }
  /// `x` with `low` zeros before and `high` after along `axis`.
  Value pad(Value x, int64_t axis, int64_t low, int64_t high) {
    if (low == 0 && high == 0)
      return x;
    return b.create<PadOp>(loc, x, axis, low, high);
  }
  Value concat(ValueRange xs, int64_t axis) {
    if (xs.size() == 1)
      return xs.front();
    return b.create<ConcatOp>(loc, xs, axis);
  }

  /// A rank-0 constant of `like`'s element type.
  Value scalar(double value, Value like) {
    auto type = RankedTensorType::get({}, typeOf(like).getElementType());
    return b.create<ConstantOp>(loc, cast<ElementsAttr>(DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), value))));
  }
  /// A constant with `like`'s type, every element `value`.
  Value splat(double value, Value like) {
    auto type = typeOf(like);
    return b.create<ConstantOp>(loc, cast<ElementsAttr>(DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), value))));
  }
  Value scale(Value x, double factor) { return mul(x, scalar(factor, x)); }

  Value reduceSum(Value x, ArrayRef<int64_t> axes, bool keepDims) {
    return b.create<ReduceSumOp>(loc, x, axes, keepDims);
  }
  Value reduceMax(Value x, ArrayRef<int64_t> axes, bool keepDims) {
    return b.create<ReduceMaxOp>(loc, x, axes, keepDims);
  }
  /// Sum of every element, as a rank-0 tensor.
  Value sumAll(Value x) {
    int64_t rank = rankOf(x);
    if (rank == 0)
      return x;
    SmallVector<int64_t> axes;
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
    return reduceSum(x, axes, /*keepDims=*/false);
  }
  Value meanAll(Value x) {
    return scale(sumAll(x), 1.0 / static_cast<double>(typeOf(x).getNumElements()));
  }
  /// log(sum(exp(x))) along `axis`, stabilised by the (gradient-free) maximum.
  Value logSumExp(Value x, int64_t axis, bool keepDims) {
    Value m = stopGradient(reduceMax(x, {axis}, /*keepDims=*/true));
    Value s = log(reduceSum(exp(sub(x, m)), {axis}, /*keepDims=*/true));
    Value lse = add(s, m);
    return keepDims ? lse : dropAxis(lse, axis);
  }
  /// Removes a size-1 axis.
  Value dropAxis(Value x, int64_t axis) {
    auto shape = llvm::to_vector(typeOf(x).getShape());
    if (axis < 0)
      axis += shape.size();
    shape.erase(shape.begin() + axis);
    return reshape(x, shape);
  }
  /// x / ||x|| along the last axis (F.normalize with a tiny floor).
  Value normalizeRows(Value x) {
    Value sq = reduceSum(mul(x, x), {-1}, /*keepDims=*/true);
    return div(x, sqrt(add(sq, scalar(1e-24, x))));
  }

  /// Sums `grad` down to `target`'s shape, undoing numpy broadcasting: leading
  /// axes that `target` lacks are summed away, size-1 axes are summed keeping them.
  Value sumToShape(Value grad, RankedTensorType target) {
    auto shape = typeOf(grad).getShape();
    if (shape == target.getShape())
      return grad;
    int64_t extra = shape.size() - target.getRank();
    if (extra > 0) {
      SmallVector<int64_t> lead;
      for (int64_t i = 0; i < extra; ++i)
        lead.push_back(i);
      grad = reduceSum(grad, lead, /*keepDims=*/false);
    }
    SmallVector<int64_t> ones;
    for (int64_t i = 0; i < target.getRank(); ++i)
      if (target.getDimSize(i) == 1 && typeOf(grad).getDimSize(i) != 1)
        ones.push_back(i);
    if (!ones.empty())
      grad = reduceSum(grad, ones, /*keepDims=*/true);
    return reshape(grad, target.getShape());
  }

  OpBuilder &builder() { return b; }
  Location location() const { return loc; }

private:
  OpBuilder &b;
  Location loc;
};

} // namespace mlir::strata
