//===- LinalgBuilders.cpp - linalg/tensor helpers for the lowering --------===//

#include "LinalgBuilders.h"

using namespace mlir;
using namespace mlir::strata;

AffineMap mlir::strata::broadcastMap(RankedTensorType inputType, ArrayRef<int64_t> resultShape,
                                     MLIRContext *ctx) {
  int64_t rank = resultShape.size();
  int64_t lead = rank - inputType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < inputType.getRank(); ++i) {
    if (inputType.getDimSize(i) == 1 && resultShape[lead + i] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(lead + i, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value mlir::strata::buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                                     ValueRange inputs, BodyBuilder body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(cast<RankedTensorType>(in.getType()), resultType.getShape(), ctx));
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(), utils::IteratorType::parallel);
  Value init = b.create<tensor::EmptyOp>(loc, resultType.getShape(), resultType.getElementType());
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value out = body(nb, nloc, args.drop_back());
        nb.create<linalg::YieldOp>(nloc, out);
      });
  return generic.getResult(0);
}

Value mlir::strata::buildReduction(OpBuilder &b, Location loc, Value input,
                                   ArrayRef<int64_t> axes, TypedAttr init, BodyBuilder combine) {
  MLIRContext *ctx = b.getContext();
  auto inType = cast<RankedTensorType>(input.getType());
  int64_t rank = inType.getRank();
  llvm::SmallDenseSet<int64_t> reduced;
  for (int64_t a : axes)
    reduced.insert(a < 0 ? a + rank : a);
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    if (reduced.contains(i)) {
      iterators.push_back(utils::IteratorType::reduction);
    } else {
      iterators.push_back(utils::IteratorType::parallel);
      outShape.push_back(inType.getDimSize(i));
      outExprs.push_back(getAffineDimExpr(i, ctx));
    }
  }
  auto outType = RankedTensorType::get(outShape, inType.getElementType());
  Value empty = b.create<tensor::EmptyOp>(loc, outShape, inType.getElementType());
  Value initValue = b.create<arith::ConstantOp>(loc, init);
  Value filled = b.create<linalg::FillOp>(loc, initValue, empty).getResult(0);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{outType}, ValueRange{input}, ValueRange{filled}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, combine(nb, nloc, {args[1], args[0]}));
      });
  return generic.getResult(0);
}

Value mlir::strata::buildReshape(OpBuilder &b, Location loc, Value input,
                                 RankedTensorType resultType) {
  auto inType = cast<RankedTensorType>(input.getType());
  if (inType == resultType)
    return input;
  auto flatType = RankedTensorType::get({inType.getNumElements()}, inType.getElementType());
  Value flat = input;
  if (inType.getRank() == 0) {
    flat = b.create<tensor::ExpandShapeOp>(loc, flatType, input, ArrayRef<ReassociationIndices>{});
  } else if (inType.getRank() > 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < inType.getRank(); ++i)
      all.push_back(i);
    flat = b.create<tensor::CollapseShapeOp>(loc, flatType, input, ArrayRef<ReassociationIndices>{all});
  }
  if (resultType.getRank() == 1)
    return flat;
  if (resultType.getRank() == 0)
    return b.create<tensor::CollapseShapeOp>(loc, resultType, flat, ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t i = 0; i < resultType.getRank(); ++i)
    all.push_back(i);
  return b.create<tensor::ExpandShapeOp>(loc, resultType, flat, ArrayRef<ReassociationIndices>{all});
}

Value mlir::strata::buildZeros(OpBuilder &b, Location loc, RankedTensorType type) {
  Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  Value zero = scalarConstant(b, loc, type.getElementType(), 0.0);
  return b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
}

Value mlir::strata::scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto f = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(f, value));
  if (type.isIndex())
    return b.create<arith::ConstantIndexOp>(loc, static_cast<int64_t>(value));
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value mlir::strata::linearIndex(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  Value index = b.create<arith::ConstantIndexOp>(loc, 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    Value extent = b.create<arith::ConstantIndexOp>(loc, shape[i]);
    Value scaled = b.create<arith::MulIOp>(loc, index, extent);
    index = b.create<arith::AddIOp>(loc, scaled, b.create<linalg::IndexOp>(loc, i));
  }
  return b.create<arith::IndexCastOp>(loc, b.getI64Type(), index);
}

int64_t mlir::strata::rowVectorLanes(int64_t extent) {
  for (int64_t lanes : {8, 4, 2})
    if (extent % lanes == 0)
      return lanes;
  return 1;
}

Value mlir::strata::readVector(OpBuilder &b, Location loc, VectorType type, Value tensor,
                               ValueRange indices) {
  return b.create<vector::TransferReadOp>(loc, type, tensor, indices, ArrayRef<bool>{true});
}

Value mlir::strata::writeVector(OpBuilder &b, Location loc, Value vector, Value tensor,
                                ValueRange indices) {
  return b.create<vector::TransferWriteOp>(loc, vector, tensor, indices, ArrayRef<bool>{true})
      .getResult();
}
