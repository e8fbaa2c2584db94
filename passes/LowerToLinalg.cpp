//===- LowerToLinalg.cpp - strata primitives to linalg, tensor, arith, math ===//
//
// Lowers every primitive strata op (run --strata-decompose first for the
// composites) on static shapes to the tensor-level dialects the upstream
// bufferization and loop lowering take: elementwise ops and broadcasts become
// linalg.generic with broadcasting indexing maps, reductions become reduction
// generics, 2-D matmuls the named linalg matmul ops (which the BLAS rewrite
// recognises), other matmuls a matmul-shaped generic, shape ops tensor
// reshapes and slices, and random ops Philox inside the generic body, keyed by
// the function's `strata.seed` and `strata.step` arguments.
//
//===----------------------------------------------------------------------===//

#include "LearningRate.h"
#include "ImageLowering.h"
#include "LinalgBuilders.h"
#include "Passes.h"
#include "Philox.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::strata {
#define GEN_PASS_DEF_STRATALOWERTOLINALG
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

Value constF(OpBuilder &b, Location loc, Type t, double v) { return scalarConstant(b, loc, t, v); }

/// Lowers one function; holds the seed and step arguments random ops read.
class Lowering {
public:
  Lowering(func::FuncOp func) : func(func) {
    for (BlockArgument arg : func.getArguments()) {
      if (func.getArgAttr(arg.getArgNumber(), "strata.seed"))
        seed = arg;
      if (func.getArgAttr(arg.getArgNumber(), "strata.step"))
        step = arg;
    }
  }

  LogicalResult run() {
    SmallVector<Operation *> ops;
    func.walk([&](Operation *op) {
      if (isa<StrataDialect>(op->getDialect()))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      FailureOr<SmallVector<Value>> replacement = lower(b, op);
      if (failed(replacement))
        return failure();
      op->replaceAllUsesWith(*replacement);
      op->erase();
    }
    return success();
  }

private:
  FailureOr<SmallVector<Value>> lower(OpBuilder &b, Operation *op);

  LogicalResult needKey(Operation *op) {
    if (seed && step)
      return success();
    return op->emitOpError("is random but its function has no strata.seed/strata.step "
                           "arguments (run --strata-bind-params or --strata-autodiff first)");
  }

  Value unary(OpBuilder &b, Operation *op, function_ref<Value(OpBuilder &, Location, Value)> f) {
    Value in = op->getOperand(0);
    return buildElementwise(b, op->getLoc(), typeOf(op->getResult(0)), {in},
                            [&](OpBuilder &nb, Location l, ValueRange a) { return f(nb, l, a[0]); });
  }
  Value binary(OpBuilder &b, Operation *op,
               function_ref<Value(OpBuilder &, Location, Value, Value)> f) {
    return buildElementwise(b, op->getLoc(), typeOf(op->getResult(0)),
                            {op->getOperand(0), op->getOperand(1)},
                            [&](OpBuilder &nb, Location l, ValueRange a) { return f(nb, l, a[0], a[1]); });
  }

  /// [..., M, K] x [..., K, N] with equal batch axes as one linalg batch
  /// matmul over the folded batch; null when the shapes do not allow it.
  Value batchMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool ta, bool tb,
                    RankedTensorType outType);
  Value matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool ta, bool tb,
               RankedTensorType outType);
  /// Reduces over `axes`, scales by `scale`, and reshapes to the op's result
  /// (which restores kept axes).
  Value reduce(OpBuilder &b, Operation *op, ArrayRef<int64_t> axes, bool max, double scale);
  Value transpose(OpBuilder &b, TransposeOp op);
  Value concat(OpBuilder &b, ConcatOp op);
  Value slice(OpBuilder &b, Location loc, Value in, int64_t axis, int64_t start, int64_t size);
  Value pad(OpBuilder &b, PadOp op);
  Value embedding(OpBuilder &b, EmbeddingOp op);
  Value embeddingGrad(OpBuilder &b, EmbeddingGradOp op);
  Value oneHot(OpBuilder &b, OneHotOp op);
  Value labelMask(OpBuilder &b, LabelMaskOp op);
  Value pickLabel(OpBuilder &b, PickLabelOp op);
  Value tokenMask(OpBuilder &b, TokenMaskOp op);
  Value shiftedEye(OpBuilder &b, ShiftedEyeOp op);
  Value arenaPack(OpBuilder &b, ArenaPackOp op);
  Value randomElementwise(OpBuilder &b, Operation *op, Value input, int64_t stream,
                          function_ref<Value(OpBuilder &, Location, Value, std::array<Value, 4>)> f);
  Value perImage(OpBuilder &b, Location loc, RankedTensorType type, int64_t stream,
                 function_ref<Value(OpBuilder &, Location, std::array<Value, 4>)> element);
  Value randomShift(OpBuilder &b, RandomShiftOp op);
  Value randomFlip(OpBuilder &b, RandomFlipOp op);
  Value randomErase(OpBuilder &b, RandomEraseOp op);
  Value randomScale(OpBuilder &b, RandomScaleOp op);
  Value randomResizedCrop(OpBuilder &b, RandomResizedCropOp op);
  SmallVector<Value> mlmMask(OpBuilder &b, MlmMaskOp op);
  SmallVector<Value> optimizerUpdate(OpBuilder &b, OptimizerUpdateOp op);

  func::FuncOp func;
  Value seed, step;
};

FailureOr<SmallVector<Value>> Lowering::lower(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  auto one = [](Value v) -> FailureOr<SmallVector<Value>> { return SmallVector<Value>{v}; };
  using R = FailureOr<SmallVector<Value>>;
  return llvm::TypeSwitch<Operation *, R>(op)
      .Case([&](ConstantOp c) {
        // A splat tensor (a zero gradient) is a fill: no global to hold it,
        // which a GPU bundle could not describe.
        auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
        auto type = typeOf(c.getResult());
        if (dense && dense.isSplat() && type.getRank() > 0 && type.hasStaticShape()) {
          Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
          Value value = b.create<arith::ConstantOp>(loc, dense.getSplatValue<TypedAttr>());
          return one(b.create<linalg::FillOp>(loc, value, empty).getResult(0));
        }
        return one(b.create<arith::ConstantOp>(loc, cast<TypedAttr>(c.getValue())));
      })
      .Case([&](MatmulOp m) {
        return one(matmul(b, loc, m.getLhs(), m.getRhs(), m.getTransposeLhs(),
                          m.getTransposeRhs(), typeOf(m.getResult())));
      })
      .Case([&](AddOp) { return one(binary(b, op, [](OpBuilder &nb, Location l, Value x, Value y) -> Value { return nb.create<arith::AddFOp>(l, x, y); })); })
      .Case([&](SubOp) { return one(binary(b, op, [](OpBuilder &nb, Location l, Value x, Value y) -> Value { return nb.create<arith::SubFOp>(l, x, y); })); })
      .Case([&](MulOp) { return one(binary(b, op, [](OpBuilder &nb, Location l, Value x, Value y) -> Value { return nb.create<arith::MulFOp>(l, x, y); })); })
      .Case([&](DivOp) { return one(binary(b, op, [](OpBuilder &nb, Location l, Value x, Value y) -> Value { return nb.create<arith::DivFOp>(l, x, y); })); })
      .Case([&](EqualOp) {
        return one(binary(b, op, [](OpBuilder &nb, Location l, Value x, Value y) -> Value {
          Value eq = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OEQ, x, y);
          return nb.create<arith::SelectOp>(l, eq, constF(nb, l, x.getType(), 1), constF(nb, l, x.getType(), 0));
        }));
      })
      .Case([&](NegOp) { return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value { return nb.create<arith::NegFOp>(l, x); })); })
      .Case([&](ReluOp) {
        return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value {
          return nb.create<arith::MaximumFOp>(l, x, constF(nb, l, x.getType(), 0));
        }));
      })
      .Case([&](HeavisideOp) {
        return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value {
          Value pos = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, constF(nb, l, x.getType(), 0));
          return nb.create<arith::SelectOp>(l, pos, constF(nb, l, x.getType(), 1), constF(nb, l, x.getType(), 0));
        }));
      })
      .Case([&](SigmoidOp) {
        return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value {
          Value e = nb.create<math::ExpOp>(l, nb.create<arith::NegFOp>(l, x));
          Value oneV = constF(nb, l, x.getType(), 1);
          return nb.create<arith::DivFOp>(l, oneV, nb.create<arith::AddFOp>(l, oneV, e));
        }));
      })
      .Case([&](TanhOp) { return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value { return nb.create<math::TanhOp>(l, x); })); })
      .Case([&](ExpOp) { return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value { return nb.create<math::ExpOp>(l, x); })); })
      .Case([&](LogOp) { return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value { return nb.create<math::LogOp>(l, x); })); })
      .Case([&](SqrtOp) { return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value { return nb.create<math::SqrtOp>(l, x); })); })
      .Case([&](ErfOp) { return one(unary(b, op, [](OpBuilder &nb, Location l, Value x) -> Value { return nb.create<math::ErfOp>(l, x); })); })
      .Case([&](StopGradientOp s) { return one(s.getInput()); })
      .Case([&](BroadcastOp) { return one(unary(b, op, [](OpBuilder &, Location, Value x) { return x; })); })
      .Case([&](ReduceSumOp r) { return one(reduce(b, op, r.getAxes(), false, 1.0)); })
      .Case([&](ReduceMaxOp r) { return one(reduce(b, op, r.getAxes(), true, 1.0)); })
      .Case([&](ReduceMeanOp r) {
        int64_t n = 1;
        for (int64_t a : r.getAxes())
          n *= typeOf(r.getInput()).getDimSize(a < 0 ? a + typeOf(r.getInput()).getRank() : a);
        return one(reduce(b, op, r.getAxes(), false, 1.0 / static_cast<double>(n)));
      })
      .Case([&](ReshapeOp r) { return one(buildReshape(b, loc, r.getInput(), typeOf(r.getResult()))); })
      .Case([&](TransposeOp t) { return one(transpose(b, t)); })
      .Case([&](ConcatOp c) { return one(concat(b, c)); })
      .Case([&](SliceOp s) {
        int64_t rank = typeOf(s.getInput()).getRank();
        int64_t axis = s.getAxis() < 0 ? s.getAxis() + rank : s.getAxis();
        int64_t extent = typeOf(s.getInput()).getDimSize(axis);
        int64_t start = s.getStart() < 0 ? s.getStart() + extent : s.getStart();
        return one(slice(b, loc, s.getInput(), axis, start, typeOf(s.getResult()).getDimSize(axis)));
      })
      .Case([&](PadOp p) { return one(pad(b, p)); })
      .Case([&](EmbeddingOp e) { return one(embedding(b, e)); })
      .Case([&](EmbeddingGradOp e) { return one(embeddingGrad(b, e)); })
      .Case([&](OneHotOp o) { return one(oneHot(b, o)); })
      .Case([&](LabelMaskOp o) { return one(labelMask(b, o)); })
      .Case([&](PickLabelOp o) { return one(pickLabel(b, o)); })
      .Case([&](TokenMaskOp o) { return one(tokenMask(b, o)); })
      .Case([&](ShiftedEyeOp e) { return one(shiftedEye(b, e)); })
      .Case([&](ArenaSliceOp s) {
        auto arena = s.getArena();
        Value flat = slice(b, loc, arena, 0, s.getOffset(), s.getType().getNumElements());
        return one(buildReshape(b, loc, flat, s.getType()));
      })
      .Case([&](ArenaPackOp p) { return one(arenaPack(b, p)); })
      .Case([&](DropoutOp d) -> R {
        if (failed(needKey(op)))
          return failure();
        double rate = d.getRate().convertToDouble();
        return one(randomElementwise(b, op, d.getInput(), d.getStream(),
                                     [&](OpBuilder &nb, Location l, Value x, std::array<Value, 4> bits) -> Value {
          Type t = x.getType();
          Value u = uniformFromBits(nb, l, bits[0], t);
          Value keep = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGE, u, constF(nb, l, t, rate));
          Value scaled = nb.create<arith::MulFOp>(l, x, constF(nb, l, t, 1.0 / (1.0 - rate)));
          return nb.create<arith::SelectOp>(l, keep, scaled, constF(nb, l, t, 0));
        }));
      })
      .Case([&](RandomUniformOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        double low = r.getLow().convertToDouble(), high = r.getHigh().convertToDouble();
        return one(randomElementwise(b, op, r.getLike(), r.getStream(),
                                     [&](OpBuilder &nb, Location l, Value x, std::array<Value, 4> bits) -> Value {
          Type t = x.getType();
          Value u = uniformFromBits(nb, l, bits[0], t);
          return nb.create<arith::AddFOp>(l, constF(nb, l, t, low),
                                          nb.create<arith::MulFOp>(l, u, constF(nb, l, t, high - low)));
        }));
      })
      .Case([&](RandomNormalOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        double mean = r.getMean().convertToDouble(), std = r.getStd().convertToDouble();
        return one(randomElementwise(b, op, r.getLike(), r.getStream(),
                                     [&](OpBuilder &nb, Location l, Value x, std::array<Value, 4> bits) -> Value {
          Type t = x.getType();
          Value z = normalFromBits(nb, l, bits[0], bits[1], t);
          return nb.create<arith::AddFOp>(l, constF(nb, l, t, mean),
                                          nb.create<arith::MulFOp>(l, z, constF(nb, l, t, std)));
        }));
      })
      .Case([&](RandomShiftOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        return one(randomShift(b, r));
      })
      .Case([&](RandomFlipOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        return one(randomFlip(b, r));
      })
      .Case([&](RandomEraseOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        return one(randomErase(b, r));
      })
      .Case([&](RandomResizedCropOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        return one(randomResizedCrop(b, r));
      })
      .Case([&](RandomScaleOp r) -> R {
        if (failed(needKey(op)))
          return failure();
        return one(randomScale(b, r));
      })
      .Case([&](MlmMaskOp m) -> R {
        if (failed(needKey(op)))
          return failure();
        return mlmMask(b, m);
      })
      .Case([&](OptimizerUpdateOp u) -> R { return optimizerUpdate(b, u); })
      .Case([&](Im2colOp i) { return one(lowerIm2col(b, i)); })
      .Case([&](Col2imOp c) { return one(lowerCol2im(b, c)); })
      .Default([&](Operation *) -> R {
        return op->emitOpError("has no lowering to linalg; composite ops need --strata-decompose first "
                               "and params need --strata-bind-params or --strata-autodiff");
      });
}

Value Lowering::batchMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool ta, bool tb,
                            RankedTensorType outType) {
  auto lt = typeOf(lhs), rt = typeOf(rhs);
  int64_t rank = outType.getRank();
  if (rank < 3 || lt.getRank() != rank || rt.getRank() != rank || (ta && tb) ||
      !outType.hasStaticShape() || !lt.hasStaticShape() || !rt.hasStaticShape())
    return nullptr;
  int64_t batch = 1;
  for (int64_t i = 0; i + 2 < rank; ++i) {
    if (lt.getDimSize(i) != outType.getDimSize(i) || rt.getDimSize(i) != outType.getDimSize(i))
      return nullptr;
    batch *= outType.getDimSize(i);
  }
  auto folded = [&](Value v) {
    auto t = typeOf(v);
    auto type = RankedTensorType::get({batch, t.getDimSize(rank - 2), t.getDimSize(rank - 1)},
                                      t.getElementType());
    return buildReshape(b, loc, v, type);
  };
  auto foldedOut = RankedTensorType::get(
      {batch, outType.getDimSize(rank - 2), outType.getDimSize(rank - 1)}, outType.getElementType());
  SmallVector<Value> inputs = {folded(lhs), folded(rhs)};
  Value zeros = buildZeros(b, loc, foldedOut);
  Value result;
  if (ta)
    result = b.create<linalg::BatchMatmulTransposeAOp>(loc, inputs, ValueRange{zeros}).getResult(0);
  else if (tb)
    result = b.create<linalg::BatchMatmulTransposeBOp>(loc, inputs, ValueRange{zeros}).getResult(0);
  else
    result = b.create<linalg::BatchMatmulOp>(loc, inputs, ValueRange{zeros}).getResult(0);
  return buildReshape(b, loc, result, outType);
}

Value Lowering::matmul(OpBuilder &b, Location loc, Value lhs, Value rhs, bool ta, bool tb,
                       RankedTensorType outType) {
  // [.., M, K] x [K, N] with a plain lhs: fold the leading axes into M.
  if (typeOf(lhs).getRank() > 2 && typeOf(rhs).getRank() == 2 && !ta) {
    auto lt = typeOf(lhs);
    int64_t k = lt.getShape().back();
    int64_t rows = lt.getNumElements() / k;
    Value flat = buildReshape(b, loc, lhs, RankedTensorType::get({rows, k}, lt.getElementType()));
    auto flatOut = RankedTensorType::get({rows, outType.getShape().back()}, outType.getElementType());
    return buildReshape(b, loc, matmul(b, loc, flat, rhs, false, tb, flatOut), outType);
  }
  // Both operands with the same batch axes (attention's [B, H, S, d]): fold
  // them into one and use the named batch matmuls, which the BLAS lowering
  // turns into one batched GEMM call.
  if (Value batched = batchMatmul(b, loc, lhs, rhs, ta, tb, outType))
    return batched;
  Value zeros = buildZeros(b, loc, outType);
  if (outType.getRank() == 2 && typeOf(lhs).getRank() == 2 && typeOf(rhs).getRank() == 2) {
    if (!ta && !tb)
      return b.create<linalg::MatmulOp>(loc, ValueRange{lhs, rhs}, ValueRange{zeros}).getResult(0);
    if (ta && !tb)
      return b.create<linalg::MatmulTransposeAOp>(loc, ValueRange{lhs, rhs}, ValueRange{zeros}).getResult(0);
    if (!ta && tb)
      return b.create<linalg::MatmulTransposeBOp>(loc, ValueRange{lhs, rhs}, ValueRange{zeros}).getResult(0);
  }
  // General case: loops (batch..., m, n, k) with broadcast batch axes.
  MLIRContext *ctx = b.getContext();
  int64_t rank = outType.getRank();
  int64_t batch = rank - 2;
  int64_t loops = rank + 1;
  AffineExpr m = getAffineDimExpr(batch, ctx), n = getAffineDimExpr(batch + 1, ctx),
             k = getAffineDimExpr(batch + 2, ctx);
  auto operandMap = [&](Value v, AffineExpr row, AffineExpr col) {
    auto t = typeOf(v);
    int64_t lead = batch - (t.getRank() - 2);
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < t.getRank() - 2; ++i)
      exprs.push_back(t.getDimSize(i) == 1 && outType.getDimSize(lead + i) != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(lead + i, ctx));
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMap::get(loops, 0, exprs, ctx);
  };
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {ta ? operandMap(lhs, k, m) : operandMap(lhs, m, k),
                                 tb ? operandMap(rhs, n, k) : operandMap(rhs, k, n),
                                 AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{outType}, ValueRange{lhs, rhs}, ValueRange{zeros}, maps, iterators,
      [](OpBuilder &nb, Location l, ValueRange a) {
        Value prod = nb.create<arith::MulFOp>(l, a[0], a[1]);
        nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, a[2], prod)});
      });
  return generic.getResult(0);
}

Value Lowering::reduce(OpBuilder &b, Operation *op, ArrayRef<int64_t> axes, bool max,
                       double scale) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  Type et = typeOf(in).getElementType();
  TypedAttr init = max ? b.getFloatAttr(et, -std::numeric_limits<double>::infinity())
                       : b.getFloatAttr(et, 0.0);
  Value r = buildReduction(b, loc, in, axes, init, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
    if (max)
      return nb.create<arith::MaximumFOp>(l, a[0], a[1]);
    return nb.create<arith::AddFOp>(l, a[0], a[1]);
  });
  if (scale != 1.0) {
    auto t = typeOf(r);
    r = buildElementwise(b, loc, t, {r}, [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
      return nb.create<arith::MulFOp>(l, a[0], constF(nb, l, et, scale));
    });
  }
  return buildReshape(b, loc, r, typeOf(op->getResult(0)));
}

Value Lowering::transpose(OpBuilder &b, TransposeOp op) {
  MLIRContext *ctx = b.getContext();
  auto outType = typeOf(op.getResult());
  ArrayRef<int64_t> perm = op.getPermutation();
  // Result axis i reads input axis perm[i]: input axis j is loop inv[j].
  SmallVector<AffineExpr> inExprs(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inExprs[perm[i]] = getAffineDimExpr(i, ctx);
  SmallVector<AffineMap> maps = {AffineMap::get(perm.size(), 0, inExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(perm.size(), ctx)};
  SmallVector<utils::IteratorType> iterators(perm.size(), utils::IteratorType::parallel);
  Value init = b.create<tensor::EmptyOp>(op.getLoc(), outType.getShape(), outType.getElementType());
  return b.create<linalg::GenericOp>(op.getLoc(), TypeRange{outType}, ValueRange{op.getInput()},
                                     ValueRange{init}, maps, iterators,
                                     [](OpBuilder &nb, Location l, ValueRange a) {
                                       nb.create<linalg::YieldOp>(l, a[0]);
                                     })
      .getResult(0);
}

Value Lowering::slice(OpBuilder &b, Location loc, Value in, int64_t axis, int64_t start,
                      int64_t size) {
  auto t = typeOf(in);
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    offsets.push_back(b.getIndexAttr(i == axis ? start : 0));
    sizes.push_back(b.getIndexAttr(i == axis ? size : t.getDimSize(i)));
    strides.push_back(b.getIndexAttr(1));
  }
  return b.create<tensor::ExtractSliceOp>(loc, in, offsets, sizes, strides);
}

/// Inserts `part` into `dest` at `start` along `axis`.
static Value insertAlong(OpBuilder &b, Location loc, Value part, Value dest, int64_t axis,
                         int64_t start) {
  auto t = typeOf(part);
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    offsets.push_back(b.getIndexAttr(i == axis ? start : 0));
    sizes.push_back(b.getIndexAttr(t.getDimSize(i)));
    strides.push_back(b.getIndexAttr(1));
  }
  return b.create<tensor::InsertSliceOp>(loc, part, dest, offsets, sizes, strides);
}

Value Lowering::concat(OpBuilder &b, ConcatOp op) {
  auto outType = typeOf(op.getResult());
  int64_t axis = op.getAxis() < 0 ? op.getAxis() + outType.getRank() : op.getAxis();
  Value acc = b.create<tensor::EmptyOp>(op.getLoc(), outType.getShape(), outType.getElementType());
  int64_t start = 0;
  for (Value in : op.getInputs()) {
    acc = insertAlong(b, op.getLoc(), in, acc, axis, start);
    start += typeOf(in).getDimSize(axis);
  }
  return acc;
}

Value Lowering::pad(OpBuilder &b, PadOp op) {
  auto outType = typeOf(op.getResult());
  int64_t axis = op.getAxis() < 0 ? op.getAxis() + outType.getRank() : op.getAxis();
  return insertAlong(b, op.getLoc(), op.getInput(), buildZeros(b, op.getLoc(), outType), axis,
                     op.getLow());
}

Value Lowering::embedding(OpBuilder &b, EmbeddingOp op) {
  // out[i..., d] = table[ids[i...], d]
  MLIRContext *ctx = b.getContext();
  auto outType = typeOf(op.getResult());
  int64_t rank = outType.getRank();
  SmallVector<AffineExpr> idExprs;
  for (int64_t i = 0; i + 1 < rank; ++i)
    idExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, idExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = b.create<tensor::EmptyOp>(op.getLoc(), outType.getShape(), outType.getElementType());
  Value table = op.getTable();
  return b.create<linalg::GenericOp>(
             op.getLoc(), TypeRange{outType}, ValueRange{op.getIds()}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value row = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), a[0]);
               Value col = nb.create<linalg::IndexOp>(l, rank - 1);
               nb.create<linalg::YieldOp>(l, ValueRange{nb.create<tensor::ExtractOp>(l, table, ValueRange{row, col})});
             })
      .getResult(0);
}

Value Lowering::embeddingGrad(OpBuilder &b, EmbeddingGradOp op) {
  // A scatter-add: sequential loops over the ids, accumulating rows.
  Location loc = op.getLoc();
  auto outType = typeOf(op.getResult());
  auto idsType = typeOf(op.getIds());
  int64_t count = idsType.getNumElements();
  int64_t dim = outType.getDimSize(1);
  Value ids = buildReshape(b, loc, op.getIds(), RankedTensorType::get({count}, idsType.getElementType()));
  Value grad = buildReshape(b, loc, op.getGradient(),
                            RankedTensorType::get({count, dim}, outType.getElementType()));
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value oneIdx = b.create<arith::ConstantIndexOp>(loc, 1);
  Value countV = b.create<arith::ConstantIndexOp>(loc, count);
  Value dimV = b.create<arith::ConstantIndexOp>(loc, dim);
  auto outer = b.create<scf::ForOp>(
      loc, zero, countV, oneIdx, ValueRange{buildZeros(b, loc, outType)},
      [&](OpBuilder &ob, Location l, Value i, ValueRange acc) {
        Value id = ob.create<arith::IndexCastOp>(l, ob.getIndexType(),
                                                 ob.create<tensor::ExtractOp>(l, ids, ValueRange{i}));
        auto inner = ob.create<scf::ForOp>(
            l, zero, dimV, oneIdx, acc, [&](OpBuilder &ib, Location il, Value d, ValueRange a) {
              Value g = ib.create<tensor::ExtractOp>(il, grad, ValueRange{i, d});
              Value old = ib.create<tensor::ExtractOp>(il, a[0], ValueRange{id, d});
              Value sum = ib.create<arith::AddFOp>(il, old, g);
              ib.create<scf::YieldOp>(il, ValueRange{ib.create<tensor::InsertOp>(il, sum, a[0], ValueRange{id, d})});
            });
        ob.create<scf::YieldOp>(l, inner.getResults());
      });
  return outer.getResult(0);
}

Value Lowering::oneHot(OpBuilder &b, OneHotOp op) {
  MLIRContext *ctx = b.getContext();
  auto outType = typeOf(op.getResult());
  int64_t rank = outType.getRank();
  SmallVector<AffineExpr> labelExprs;
  for (int64_t i = 0; i + 1 < rank; ++i)
    labelExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, labelExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = b.create<tensor::EmptyOp>(op.getLoc(), outType.getShape(), outType.getElementType());
  Type et = outType.getElementType();
  return b.create<linalg::GenericOp>(
             op.getLoc(), TypeRange{outType}, ValueRange{op.getLabels()}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value label = a[0];
               if (!label.getType().isInteger(64))
                 label = nb.create<arith::ExtSIOp>(l, nb.getI64Type(), label);
               Value cls = nb.create<arith::IndexCastOp>(l, nb.getI64Type(), nb.create<linalg::IndexOp>(l, rank - 1));
               Value eq = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, label, cls);
               nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::SelectOp>(l, eq, constF(nb, l, et, 1), constF(nb, l, et, 0))});
             })
      .getResult(0);
}

/// A label widened to i64, and whether it is a class in [0, classes) (the
/// ignore index is not).
static std::pair<Value, Value> labelInRange(OpBuilder &b, Location l, Value label, int64_t classes) {
  if (!label.getType().isInteger(64))
    label = b.create<arith::ExtSIOp>(l, b.getI64Type(), label);
  Value zero = b.create<arith::ConstantIntOp>(l, 0, 64);
  Value count = b.create<arith::ConstantIntOp>(l, classes, 64);
  Value inRange = b.create<arith::AndIOp>(l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, label, zero),
                                          b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, label, count));
  return {label, inRange};
}

Value Lowering::labelMask(OpBuilder &b, LabelMaskOp op) {
  auto outType = typeOf(op.getResult());
  Type et = outType.getElementType();
  int64_t classes = static_cast<int64_t>(op.getClasses());
  return buildElementwise(b, op.getLoc(), outType, {op.getLabels()}, [&](OpBuilder &nb, Location l, ValueRange a) {
    Value inRange = labelInRange(nb, l, a[0], classes).second;
    return nb.create<arith::SelectOp>(l, inRange, constF(nb, l, et, 1), constF(nb, l, et, 0)).getResult();
  });
}

Value Lowering::pickLabel(OpBuilder &b, PickLabelOp op) {
  // out[i...] = 0 <= l < classes ? logits[i..., l] : 0, l = labels[i...]: a
  // gather of one element per row (an out-of-range label reads class 0 and
  // drops it).
  auto outType = typeOf(op.getResult());
  int64_t rank = outType.getRank();
  Type et = outType.getElementType();
  int64_t classes = typeOf(op.getLogits()).getShape().back();
  Value logits = op.getLogits();
  return buildElementwise(b, op.getLoc(), outType, {op.getLabels()}, [&](OpBuilder &nb, Location l, ValueRange a) {
    auto [label, inRange] = labelInRange(nb, l, a[0], classes);
    Value zero = nb.create<arith::ConstantIntOp>(l, 0, 64);
    Value cls = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), nb.create<arith::SelectOp>(l, inRange, label, zero));
    SmallVector<Value> at;
    for (int64_t i = 0; i < rank; ++i)
      at.push_back(nb.create<linalg::IndexOp>(l, i));
    at.push_back(cls);
    Value picked = nb.create<tensor::ExtractOp>(l, logits, at);
    return nb.create<arith::SelectOp>(l, inRange, picked, constF(nb, l, et, 0)).getResult();
  });
}

Value Lowering::tokenMask(OpBuilder &b, TokenMaskOp op) {
  auto outType = typeOf(op.getResult());
  int64_t rank = outType.getRank();
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value init = b.create<tensor::EmptyOp>(op.getLoc(), outType.getShape(), outType.getElementType());
  Type et = outType.getElementType();
  return b.create<linalg::GenericOp>(
             op.getLoc(), TypeRange{outType}, ValueRange{op.getTokens()}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value pad = scalarConstant(nb, l, a[0].getType(), static_cast<int64_t>(op.getPad()));
               Value kept = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, a[0], pad);
               nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::SelectOp>(l, kept, constF(nb, l, et, 1), constF(nb, l, et, 0))});
             })
      .getResult(0);
}

Value Lowering::shiftedEye(OpBuilder &b, ShiftedEyeOp op) {
  auto outType = typeOf(op.getResult());
  Type et = outType.getElementType();
  int64_t cols = op.getCols(), shift = op.getShift();
  Value empty = b.create<tensor::EmptyOp>(op.getLoc(), outType.getShape(), et);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(2, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  return b.create<linalg::GenericOp>(
             op.getLoc(), TypeRange{outType}, ValueRange{}, ValueRange{empty}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange) {
               Value r = nb.create<linalg::IndexOp>(l, 0), c = nb.create<linalg::IndexOp>(l, 1);
               Value target = nb.create<arith::RemUIOp>(
                   l, nb.create<arith::AddIOp>(l, r, nb.create<arith::ConstantIndexOp>(l, shift)),
                   nb.create<arith::ConstantIndexOp>(l, cols));
               Value eq = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, target, c);
               nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::SelectOp>(l, eq, constF(nb, l, et, 1), constF(nb, l, et, 0))});
             })
      .getResult(0);
}

/// The inputs flattened and inserted one after another into a 1-d tensor.
static Value packFlat(OpBuilder &b, Location loc, ValueRange inputs, Type element) {
  int64_t total = 0;
  for (Value in : inputs)
    total += typeOf(in).getNumElements();
  Value acc = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{total}, element);
  int64_t offset = 0;
  for (Value in : inputs) {
    auto t = typeOf(in);
    Value flat = buildReshape(b, loc, in, RankedTensorType::get({t.getNumElements()}, t.getElementType()));
    acc = insertAlong(b, loc, flat, acc, 0, offset);
    offset += t.getNumElements();
  }
  return acc;
}

Value Lowering::arenaPack(OpBuilder &b, ArenaPackOp op) {
  // Past kLongestChain inputs, packed in groups of kGroup, then the groups:
  // one-shot bufferization's analysis walks the chain of inserts into one
  // tensor for each insert, so one chain of N costs about N^3 (bert-base-v8k's
  // 200 gradients: 24 of its 28 s of passes; in groups, 0.4 s). Each group
  // is then copied into the arena once (three copies of 30 MB a step for
  // bert-mini-mlm's 72 gradients: its one chain takes 0.5 s, so it keeps it).
  constexpr size_t kLongestChain = 96, kGroup = 32;
  Location loc = op.getLoc();
  Type element = typeOf(op.getResult()).getElementType();
  ValueRange inputs = op.getInputs();
  if (inputs.size() <= kLongestChain)
    return packFlat(b, loc, inputs, element);
  SmallVector<Value> groups;
  for (size_t i = 0; i < inputs.size(); i += kGroup)
    groups.push_back(packFlat(b, loc, inputs.slice(i, std::min(kGroup, inputs.size() - i)), element));
  return packFlat(b, loc, groups, element);
}

Value Lowering::randomElementwise(OpBuilder &b, Operation *op, Value input, int64_t stream,
                                  function_ref<Value(OpBuilder &, Location, Value, std::array<Value, 4>)> f) {
  auto outType = typeOf(op->getResult(0));
  return buildElementwise(b, op->getLoc(), outType, {input}, [&](OpBuilder &nb, Location l, ValueRange a) {
    Value index = linearIndex(nb, l, outType.getShape());
    return f(nb, l, a[0], buildPhilox(nb, l, index, stream, seed, step));
  });
}

/// A tensor of `type` whose elements `element` computes from Philox words
/// drawn once per image (the leading loops: all but the last two axes): the
/// body of the augmentations that move pixels.
Value Lowering::perImage(OpBuilder &b, Location loc, RankedTensorType type, int64_t stream,
                         function_ref<Value(OpBuilder &, Location, std::array<Value, 4>)> element) {
  int64_t rank = type.getRank();
  SmallVector<int64_t> lead(type.getShape().drop_back(2));
  Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return b.create<linalg::GenericOp>(
             loc, TypeRange{type}, ValueRange{}, ValueRange{empty}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange) {
               Value image = linearIndex(nb, l, lead);
               Value x = element(nb, l, buildPhilox(nb, l, image, stream, seed, step));
               nb.create<linalg::YieldOp>(l, ValueRange{x});
             })
      .getResult(0);
}

Value Lowering::randomShift(OpBuilder &b, RandomShiftOp op) {
  // Each image draws (dy, dx) in [-max, max]: out[n, h, w] = in[n, h - dy,
  // w - dx], zero outside; the inverse shifts by (+dy, +dx).
  auto type = typeOf(op.getResult());
  int64_t rank = type.getRank();
  int64_t height = type.getDimSize(rank - 2), width = type.getDimSize(rank - 1);
  int64_t maxShift = op.getMaxShift();
  Value input = op.getInput();
  bool inverse = op.getInverse();
  return perImage(b, op.getLoc(), type, op.getStream(), [&](OpBuilder &nb, Location l, std::array<Value, 4> bits) {
    auto offset = [&](Value word) {
      Value span = nb.create<arith::ConstantOp>(l, nb.getI32IntegerAttr(2 * maxShift + 1));
      Value r = nb.create<arith::RemUIOp>(l, word, span);
      Value centered = nb.create<arith::SubIOp>(l, r, nb.create<arith::ConstantOp>(l, nb.getI32IntegerAttr(maxShift)));
      return nb.create<arith::IndexCastOp>(l, nb.getIndexType(), centered).getResult();
    };
    Value dy = offset(bits[0]), dx = offset(bits[1]);
    Value h = nb.create<linalg::IndexOp>(l, rank - 2), w = nb.create<linalg::IndexOp>(l, rank - 1);
    Value sh = inverse ? nb.create<arith::AddIOp>(l, h, dy).getResult() : nb.create<arith::SubIOp>(l, h, dy).getResult();
    Value sw = inverse ? nb.create<arith::AddIOp>(l, w, dx).getResult() : nb.create<arith::SubIOp>(l, w, dx).getResult();
    auto inRange = [&](Value v, int64_t extent) {
      Value zeroI = nb.create<arith::ConstantIndexOp>(l, 0);
      Value ge = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, v, zeroI);
      Value lt = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, v, nb.create<arith::ConstantIndexOp>(l, extent));
      return nb.create<arith::AndIOp>(l, ge, lt).getResult();
    };
    Value valid = nb.create<arith::AndIOp>(l, inRange(sh, height), inRange(sw, width));
    auto clamp = [&](Value v, int64_t extent) {
      Value zeroI = nb.create<arith::ConstantIndexOp>(l, 0);
      Value hi = nb.create<arith::ConstantIndexOp>(l, extent - 1);
      return nb.create<arith::MinSIOp>(l, nb.create<arith::MaxSIOp>(l, v, zeroI), hi).getResult();
    };
    SmallVector<Value> indices;
    for (int64_t i = 0; i < rank - 2; ++i)
      indices.push_back(nb.create<linalg::IndexOp>(l, i));
    indices.push_back(clamp(sh, height));
    indices.push_back(clamp(sw, width));
    Value x = nb.create<tensor::ExtractOp>(l, input, indices);
    Value zeroF = constF(nb, l, type.getElementType(), 0);
    return nb.create<arith::SelectOp>(l, valid, x, zeroF).getResult();
  });
}

Value Lowering::randomFlip(OpBuilder &b, RandomFlipOp op) {
  // Each image draws one bit: out[n, h, w] = in[n, h, W - 1 - w] when it is
  // set, in[n, h, w] otherwise.
  auto type = typeOf(op.getResult());
  int64_t rank = type.getRank(), width = type.getDimSize(rank - 1);
  Value input = op.getInput();
  return perImage(b, op.getLoc(), type, op.getStream(), [&](OpBuilder &nb, Location l, std::array<Value, 4> bits) {
    Value one = nb.create<arith::ConstantOp>(l, nb.getI32IntegerAttr(1));
    Value flip = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq,
                                          nb.create<arith::AndIOp>(l, bits[0], one), one);
    Value w = nb.create<linalg::IndexOp>(l, rank - 1);
    Value mirrored = nb.create<arith::SubIOp>(l, nb.create<arith::ConstantIndexOp>(l, width - 1), w);
    SmallVector<Value> indices;
    for (int64_t i = 0; i < rank - 1; ++i)
      indices.push_back(nb.create<linalg::IndexOp>(l, i));
    indices.push_back(nb.create<arith::SelectOp>(l, flip, mirrored, w));
    return nb.create<tensor::ExtractOp>(l, input, indices).getResult();
  });
}

Value Lowering::randomErase(OpBuilder &b, RandomEraseOp op) {
  // Each image draws four words: whether to erase (u < rate), the
  // rectangle's height and width in [1, min(max, extent)], and its corner
  // (16 bits each for row and column, reduced to where it fits).
  auto type = typeOf(op.getResult());
  int64_t rank = type.getRank();
  int64_t height = type.getDimSize(rank - 2), width = type.getDimSize(rank - 1);
  int64_t maxSize = static_cast<int64_t>(op.getMaxSize());
  int64_t maxH = std::min(maxSize, height), maxW = std::min(maxSize, width);
  double rate = op.getRate().convertToDouble();
  Value input = op.getInput();
  Type t = type.getElementType();
  return perImage(b, op.getLoc(), type, op.getStream(), [&](OpBuilder &nb, Location l, std::array<Value, 4> bits) {
    auto i32 = [&](int64_t v) { return nb.create<arith::ConstantOp>(l, nb.getI32IntegerAttr(v)).getResult(); };
    auto toIndex = [&](Value v) { return nb.create<arith::IndexCastUIOp>(l, nb.getIndexType(), v).getResult(); };
    Value erase = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, uniformFromBits(nb, l, bits[0], t),
                                           constF(nb, l, t, rate));
    // h, w in [1, max]; the corner in [0, extent - size].
    Value h = nb.create<arith::AddIOp>(l, nb.create<arith::RemUIOp>(l, bits[1], i32(maxH)), i32(1));
    Value w = nb.create<arith::AddIOp>(l, nb.create<arith::RemUIOp>(l, bits[2], i32(maxW)), i32(1));
    Value rowBits = nb.create<arith::ShRUIOp>(l, bits[3], i32(16));
    Value colBits = nb.create<arith::AndIOp>(l, bits[3], i32(0xffff));
    Value top = nb.create<arith::RemUIOp>(l, rowBits, nb.create<arith::SubIOp>(l, i32(height + 1), h));
    Value left = nb.create<arith::RemUIOp>(l, colBits, nb.create<arith::SubIOp>(l, i32(width + 1), w));
    Value y = nb.create<linalg::IndexOp>(l, rank - 2), x = nb.create<linalg::IndexOp>(l, rank - 1);
    auto within = [&](Value v, Value start, Value size) {
      Value first = toIndex(start), end = toIndex(nb.create<arith::AddIOp>(l, start, size));
      Value ge = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::uge, v, first);
      Value lt = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ult, v, end);
      return nb.create<arith::AndIOp>(l, ge, lt).getResult();
    };
    Value inside = nb.create<arith::AndIOp>(l, within(y, top, h), within(x, left, w));
    Value zeroed = nb.create<arith::AndIOp>(l, erase, inside);
    SmallVector<Value> indices;
    for (int64_t i = 0; i < rank; ++i)
      indices.push_back(nb.create<linalg::IndexOp>(l, i));
    Value pixel = nb.create<tensor::ExtractOp>(l, input, indices);
    return nb.create<arith::SelectOp>(l, zeroed, constF(nb, l, t, 0), pixel).getResult();
  });
}

Value Lowering::randomResizedCrop(OpBuilder &b, RandomResizedCropOp op) {
  // Each image draws four uniforms: the crop's share of the area, its log
  // aspect ratio, and its corner; each output pixel centre maps into the crop
  // and reads the input there bilinearly, clamped to the image.
  auto type = typeOf(op.getResult());
  int64_t rank = type.getRank();
  int64_t height = type.getDimSize(rank - 2), width = type.getDimSize(rank - 1);
  Type t = type.getElementType();
  double minScale = op.getMinScale().convertToDouble(), maxScale = op.getMaxScale().convertToDouble();
  double logMinRatio = std::log(op.getMinRatio().convertToDouble());
  double logMaxRatio = std::log(op.getMaxRatio().convertToDouble());
  Value input = op.getInput();
  return perImage(b, op.getLoc(), type, op.getStream(), [&](OpBuilder &nb, Location l, std::array<Value, 4> bits) {
    auto c = [&](double v) { return constF(nb, l, t, v); };
    auto add = [&](Value x, Value y) { return nb.create<arith::AddFOp>(l, x, y).getResult(); };
    auto sub = [&](Value x, Value y) { return nb.create<arith::SubFOp>(l, x, y).getResult(); };
    auto mul = [&](Value x, Value y) { return nb.create<arith::MulFOp>(l, x, y).getResult(); };
    auto clampF = [&](Value x, double lo, double hi) {
      return nb.create<arith::MinimumFOp>(l, nb.create<arith::MaximumFOp>(l, x, c(lo)), c(hi)).getResult();
    };
    auto between = [&](Value bitsWord, double lo, double hi) {
      return add(c(lo), mul(uniformFromBits(nb, l, bitsWord, t), c(hi - lo)));
    };
    Value area = mul(between(bits[0], minScale, maxScale), c(double(height * width)));
    Value ratio = nb.create<math::ExpOp>(l, between(bits[1], logMinRatio, logMaxRatio));
    Value cropW = clampF(nb.create<math::SqrtOp>(l, mul(area, ratio)), 1.0, double(width));
    Value cropH = clampF(nb.create<math::SqrtOp>(l, nb.create<arith::DivFOp>(l, area, ratio)), 1.0, double(height));
    Value left = mul(uniformFromBits(nb, l, bits[2], t), sub(c(double(width)), cropW));
    Value top = mul(uniformFromBits(nb, l, bits[3], t), sub(c(double(height)), cropH));
    // The source coordinate of output pixel `i` of `extent` along one axis.
    auto source = [&](int64_t axis, Value start, Value size, int64_t extent) {
      Value i = nb.create<arith::IndexCastOp>(l, nb.getI64Type(), nb.create<linalg::IndexOp>(l, axis));
      Value centre = add(nb.create<arith::SIToFPOp>(l, t, i), c(0.5));
      Value s = sub(add(start, mul(centre, nb.create<arith::DivFOp>(l, size, c(double(extent))))), c(0.5));
      return clampF(s, 0.0, double(extent - 1));
    };
    Value sy = source(rank - 2, top, cropH, height), sx = source(rank - 1, left, cropW, width);
    auto toIndex = [&](Value f) {
      return nb.create<arith::IndexCastOp>(l, nb.getIndexType(), nb.create<arith::FPToSIOp>(l, nb.getI64Type(), f))
          .getResult();
    };
    Value y0f = nb.create<math::FloorOp>(l, sy), x0f = nb.create<math::FloorOp>(l, sx);
    Value fy = sub(sy, y0f), fx = sub(sx, x0f);
    Value y0 = toIndex(y0f), x0 = toIndex(x0f);
    auto next = [&](Value i, int64_t extent) {
      return nb.create<arith::MinSIOp>(l, nb.create<arith::AddIOp>(l, i, nb.create<arith::ConstantIndexOp>(l, 1)),
                                       nb.create<arith::ConstantIndexOp>(l, extent - 1)).getResult();
    };
    Value y1 = next(y0, height), x1 = next(x0, width);
    SmallVector<Value> lead;
    for (int64_t i = 0; i < rank - 2; ++i)
      lead.push_back(nb.create<linalg::IndexOp>(l, i));
    auto pixel = [&](Value y, Value x) {
      SmallVector<Value> at(lead);
      at.append({y, x});
      return nb.create<tensor::ExtractOp>(l, input, at).getResult();
    };
    auto lerp = [&](Value a, Value bb, Value f) { return add(a, mul(sub(bb, a), f)); };
    return lerp(lerp(pixel(y0, x0), pixel(y0, x1), fx), lerp(pixel(y1, x0), pixel(y1, x1), fx), fy);
  });
}

Value Lowering::randomScale(OpBuilder &b, RandomScaleOp op) {
  // Each row (the first axis) draws u in [0, 1): out = in * (low + u (high - low)).
  auto type = typeOf(op.getResult());
  int64_t rank = type.getRank();
  Type t = type.getElementType();
  double low = op.getLow().convertToDouble(), high = op.getHigh().convertToDouble();
  int64_t stream = op.getStream();
  Value empty = b.create<tensor::EmptyOp>(op.getLoc(), type.getShape(), t);
  SmallVector<AffineMap> maps(2, AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return b.create<linalg::GenericOp>(
             op.getLoc(), TypeRange{type}, ValueRange{op.getInput()}, ValueRange{empty}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange a) {
               Value row = linearIndex(nb, l, {type.getDimSize(0)}); // over the first loop
               auto bits = buildPhilox(nb, l, row, stream, seed, step);
               Value u = uniformFromBits(nb, l, bits[0], t);
               Value factor = nb.create<arith::AddFOp>(
                   l, constF(nb, l, t, low), nb.create<arith::MulFOp>(l, u, constF(nb, l, t, high - low)));
               nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::MulFOp>(l, a[0], factor)});
             })
      .getResult(0);
}

SmallVector<Value> Lowering::mlmMask(OpBuilder &b, MlmMaskOp op) {
  auto type = typeOf(op.getTokens());
  Type it = type.getElementType();
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(3, AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value e0 = b.create<tensor::EmptyOp>(op.getLoc(), type.getShape(), it);
  Value e1 = b.create<tensor::EmptyOp>(op.getLoc(), type.getShape(), it);
  double rate = op.getRate().convertToDouble();
  auto generic = b.create<linalg::GenericOp>(
      op.getLoc(), TypeRange{type, type}, ValueRange{op.getTokens()}, ValueRange{e0, e1}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value token = a[0];
        Value index = linearIndex(nb, l, type.getShape());
        auto bits = buildPhilox(nb, l, index, op.getStream(), seed, step);
        Type f32 = nb.getF32Type();
        Value pickU = uniformFromBits(nb, l, bits[0], f32);
        Value kindU = uniformFromBits(nb, l, bits[1], f32);
        // Reserved ids (padding, mask, sentence start) are never picked or drawn.
        int64_t reserved = static_cast<int64_t>(op.getReserved());
        Value ordinary = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, token,
                                                  scalarConstant(nb, l, it, reserved));
        Value picked = nb.create<arith::AndIOp>(
            l, ordinary,
            nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, pickU, constF(nb, l, f32, rate)));
        Value toMask = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, kindU, constF(nb, l, f32, 0.8));
        Value toRandom = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, kindU, constF(nb, l, f32, 0.9));
        Value drawn = nb.create<arith::RemUIOp>(
            l, bits[2], nb.create<arith::ConstantOp>(l, nb.getI32IntegerAttr(op.getVocabSize() - reserved)));
        if (!it.isInteger(32))
          drawn = nb.create<arith::ExtUIOp>(l, it, drawn);
        Value randomId = nb.create<arith::AddIOp>(l, drawn, scalarConstant(nb, l, it, reserved));
        Value maskToken = scalarConstant(nb, l, it, op.getMaskToken());
        Value replaced = nb.create<arith::SelectOp>(l, toMask, maskToken,
                                                    nb.create<arith::SelectOp>(l, toRandom, randomId, token));
        Value input = nb.create<arith::SelectOp>(l, picked, replaced, token);
        Value label = nb.create<arith::SelectOp>(l, picked, token, scalarConstant(nb, l, it, static_cast<int64_t>(op.getIgnoreIndex())));
        nb.create<linalg::YieldOp>(l, ValueRange{input, label});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

SmallVector<Value> Lowering::optimizerUpdate(OpBuilder &b, OptimizerUpdateOp op) {
  Location loc = op.getLoc();
  auto type = typeOf(op.getParams());
  Type et = type.getElementType();
  int64_t n = type.getDimSize(0);
  StringRef kind = op.getKind();
  double momentum = op.getMomentum().convertToDouble();
  double beta1 = op.getBeta1().convertToDouble(), beta2 = op.getBeta2().convertToDouble();
  double eps = op.getEps().convertToDouble(), wd = op.getWeightDecay().convertToDouble();
  bool adam = kind == "adam" || kind == "adamw";

  // Scalars of this step, in f64 before the loop.
  Type f64 = b.getF64Type();
  auto c = [&](double v) { return constF(b, loc, f64, v); };
  Value rate = buildLearningRate(b, op);
  Value clip = c(1);
  if (double maxNorm = op.getMaxGradNorm().convertToDouble(); maxNorm > 0) {
    Value norm = b.create<tensor::ExtractOp>(loc, op.getGradNorm(), ValueRange{});
    if (et != f64)
      norm = b.create<arith::ExtFOp>(loc, f64, norm);
    Value ratio = b.create<arith::DivFOp>(loc, c(maxNorm), b.create<arith::AddFOp>(loc, norm, c(1e-6)));
    clip = b.create<arith::MinimumFOp>(loc, ratio, c(1));
  }
  Value stepSize = rate, bias2 = c(1);
  if (adam) {
    Value t = b.create<arith::SIToFPOp>(loc, f64, op.getStep()); // 0-based
    Value t1 = b.create<arith::AddFOp>(loc, t, c(1));
    Value bc1 = b.create<arith::SubFOp>(loc, c(1), b.create<math::PowFOp>(loc, c(beta1), t1));
    Value bc2 = b.create<arith::SubFOp>(loc, c(1), b.create<math::PowFOp>(loc, c(beta2), t1));
    stepSize = b.create<arith::DivFOp>(loc, rate, bc1);
    bias2 = b.create<math::SqrtOp>(loc, bc2);
  }
  Value decay = c(1);
  if (kind == "adamw")
    decay = b.create<arith::SubFOp>(loc, c(1), b.create<arith::MulFOp>(loc, rate, c(wd)));
  auto narrow = [&](Value v) -> Value { return et == f64 ? v : b.create<arith::TruncFOp>(loc, et, v).getResult(); };
  Value stepSizeE = narrow(stepSize), rateE = narrow(rate), clipE = narrow(clip), bias2E = narrow(bias2),
        decayE = narrow(decay);

  int64_t slots = OptimizerUpdateOp::stateSlots(kind, momentum);
  SmallVector<Value> stateSlices;
  for (int64_t s = 0; s < slots; ++s)
    stateSlices.push_back(slice(b, loc, op.getState(), 0, s * n, n));

  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs = {op.getGrads()};
  SmallVector<Value> outputs = {op.getParams()};
  outputs.append(stateSlices);
  SmallVector<AffineMap> maps(inputs.size() + outputs.size(), AffineMap::getMultiDimIdentityMap(1, ctx));
  SmallVector<Type> resultTypes(outputs.size(), type);
  auto generic = b.create<linalg::GenericOp>(
      loc, resultTypes, inputs, outputs, maps, SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange a) {
        auto k = [&](double v) { return constF(nb, l, et, v); };
        Value g = nb.create<arith::MulFOp>(l, a[0], clipE);
        Value p = a[1];
        if (kind != "adamw" && wd != 0)
          g = nb.create<arith::AddFOp>(l, g, nb.create<arith::MulFOp>(l, k(wd), p));
        SmallVector<Value> yields;
        if (adam) {
          if (kind == "adamw")
            p = nb.create<arith::MulFOp>(l, p, decayE);
          Value m = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, k(beta1), a[2]), nb.create<arith::MulFOp>(l, k(1 - beta1), g));
          Value v = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, k(beta2), a[3]),
                                             nb.create<arith::MulFOp>(l, k(1 - beta2), nb.create<arith::MulFOp>(l, g, g)));
          Value denom = nb.create<arith::AddFOp>(l, nb.create<arith::DivFOp>(l, nb.create<math::SqrtOp>(l, v), bias2E), k(eps));
          Value update = nb.create<arith::DivFOp>(l, nb.create<arith::MulFOp>(l, stepSizeE, m), denom);
          yields = {nb.create<arith::SubFOp>(l, p, update), m, v};
        } else if (slots == 1) {
          Value buf = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, k(momentum), a[2]), g);
          Value dir = op.getNesterov() ? nb.create<arith::AddFOp>(l, g, nb.create<arith::MulFOp>(l, k(momentum), buf)).getResult() : buf;
          yields = {nb.create<arith::SubFOp>(l, p, nb.create<arith::MulFOp>(l, rateE, dir)), buf};
        } else {
          yields = {nb.create<arith::SubFOp>(l, p, nb.create<arith::MulFOp>(l, rateE, g))};
        }
        nb.create<linalg::YieldOp>(l, yields);
      });
  Value newState = op.getState();
  for (int64_t s = 0; s < slots; ++s)
    newState = insertAlong(b, loc, generic.getResult(1 + s), newState, 0, s * n);
  return {generic.getResult(0), newState};
}

struct LowerToLinalgPass : public mlir::strata::impl::StrataLowerToLinalgBase<LowerToLinalgPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (failed(requireStatic(func)) || failed(Lowering(func).run()))
      signalPassFailure();
  }
  LogicalResult requireStatic(func::FuncOp func) {
    WalkResult r = func.walk([](Operation *op) {
      for (Type t : op->getResultTypes())
        if (auto s = dyn_cast<ShapedType>(t); s && !s.hasStaticShape()) {
          op->emitOpError("needs static shapes to lower; run --strata-infer-shapes=batch=N first");
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    return failure(r.wasInterrupted());
  }
};

} // namespace
