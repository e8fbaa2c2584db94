//===- ImageLowering.cpp - im2col and col2im as linalg --------------------===//
//
// im2col is a gather whose indexing map reads the padded input at
// (b, y*sh + i*dh, x*sw + j*dw, c) over the loops (b, y, x, i, j, c): one loop
// nest (one GPU kernel) with unit-stride channels innermost. col2im scatters
// back, which no indexing map of an output can express; it is KH*KW in-place
// accumulations instead, each into the strided view of the padded gradient that
// its tap read.
//
//===----------------------------------------------------------------------===//

#include "ImageLowering.h"

#include "LinalgBuilders.h"

using namespace mlir;
using namespace mlir::strata;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The sizes of an im2col or col2im: image [B, H, W, C], window, padded image.
struct WindowGeometry {
  int64_t batch, height, width, channels;
  int64_t window[2], stride[2], padding[2], dilation[2], output[2];

  template <typename Op>
  WindowGeometry(Op op, RankedTensorType image, RankedTensorType columns)
      : batch(image.getDimSize(0)), height(image.getDimSize(1)), width(image.getDimSize(2)),
        channels(image.getDimSize(3)) {
    for (int a = 0; a < 2; ++a) {
      window[a] = op.getWindow()[a];
      stride[a] = op.getStride()[a];
      padding[a] = op.getPadding()[a];
      dilation[a] = op.getDilation()[a];
      output[a] = columns.getDimSize(1 + a);
    }
  }
  bool padded() const { return padding[0] || padding[1]; }
  RankedTensorType paddedType(Type element) const {
    return RankedTensorType::get({batch, height + 2 * padding[0], width + 2 * padding[1], channels},
                                 element);
  }
  /// The columns as [B, OH, OW, KH, KW, C].
  RankedTensorType tapsType(Type element) const {
    return RankedTensorType::get({batch, output[0], output[1], window[0], window[1], channels},
                                 element);
  }
};

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> out;
  for (int64_t v : values)
    out.push_back(b.getIndexAttr(v));
  return out;
}

} // namespace

Value mlir::strata::lowerIm2col(OpBuilder &b, Im2colOp op) {
  Location loc = op.getLoc();
  auto imageType = typeOf(op.getInput());
  auto resultType = typeOf(op.getResult());
  Type element = imageType.getElementType();
  WindowGeometry g(op, imageType, resultType);
  Value image = op.getInput();
  if (g.padded())
    image = b.create<tensor::InsertSliceOp>(
        loc, image, buildZeros(b, loc, g.paddedType(element)),
        indexAttrs(b, {0, g.padding[0], g.padding[1], 0}),
        indexAttrs(b, imageType.getShape()), indexAttrs(b, {1, 1, 1, 1}));

  // Loops (b, y, x, i, j, c).
  MLIRContext *ctx = b.getContext();
  AffineExpr d[6];
  for (int i = 0; i < 6; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  AffineMap read = AffineMap::get(6, 0,
                                  {d[0], d[1] * g.stride[0] + d[3] * g.dilation[0],
                                   d[2] * g.stride[1] + d[4] * g.dilation[1], d[5]},
                                  ctx);
  SmallVector<AffineMap> maps = {read, AffineMap::getMultiDimIdentityMap(6, ctx)};
  SmallVector<utils::IteratorType> iterators(6, utils::IteratorType::parallel);
  RankedTensorType tapsType = g.tapsType(element);
  Value init = b.create<tensor::EmptyOp>(loc, tapsType.getShape(), element);
  Value taps = b.create<linalg::GenericOp>(
                    loc, TypeRange{tapsType}, ValueRange{image}, ValueRange{init}, maps, iterators,
                    [](OpBuilder &nb, Location l, ValueRange args) {
                      nb.create<linalg::YieldOp>(l, args[0]);
                    })
                   .getResult(0);
  return buildReshape(b, loc, taps, resultType);
}

Value mlir::strata::lowerCol2im(OpBuilder &b, Col2imOp op) {
  Location loc = op.getLoc();
  auto columnsType = typeOf(op.getInput());
  auto imageType = typeOf(op.getResult());
  Type element = imageType.getElementType();
  WindowGeometry g(op, imageType, columnsType);
  Value taps = buildReshape(b, loc, op.getInput(), g.tapsType(element));
  RankedTensorType paddedType = g.paddedType(element);
  Value image = buildZeros(b, loc, paddedType);

  MLIRContext *ctx = b.getContext();
  auto tapType = RankedTensorType::get({g.batch, g.output[0], g.output[1], g.channels}, element);
  SmallVector<OpFoldResult> sizes = indexAttrs(b, tapType.getShape());
  SmallVector<OpFoldResult> strides = indexAttrs(b, {1, g.stride[0], g.stride[1], 1});
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  // Loops (b, y, x, c) over one tap's view.
  AffineExpr d[4];
  for (int i = 0; i < 4; ++i)
    d[i] = getAffineDimExpr(i, ctx);
  for (int64_t i = 0; i < g.window[0]; ++i)
    for (int64_t j = 0; j < g.window[1]; ++j) {
      SmallVector<OpFoldResult> offsets =
          indexAttrs(b, {0, i * g.dilation[0], j * g.dilation[1], 0});
      Value view = b.create<tensor::ExtractSliceOp>(loc, tapType, image, offsets, sizes, strides);
      AffineMap readTap = AffineMap::get(
          4, 0, {d[0], d[1], d[2], getAffineConstantExpr(i, ctx), getAffineConstantExpr(j, ctx), d[3]},
          ctx);
      SmallVector<AffineMap> maps = {readTap, AffineMap::getMultiDimIdentityMap(4, ctx)};
      Value sum = b.create<linalg::GenericOp>(
                       loc, TypeRange{tapType}, ValueRange{taps}, ValueRange{view}, maps, iterators,
                       [](OpBuilder &nb, Location l, ValueRange args) {
                         nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, args[1], args[0])});
                       })
                      .getResult(0);
      image = b.create<tensor::InsertSliceOp>(loc, sum, image, offsets, sizes, strides);
    }
  if (!g.padded())
    return image;
  return b.create<tensor::ExtractSliceOp>(loc, imageType, image,
                                          indexAttrs(b, {0, g.padding[0], g.padding[1], 0}),
                                          indexAttrs(b, imageType.getShape()),
                                          indexAttrs(b, {1, 1, 1, 1}));
}
