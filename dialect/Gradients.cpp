//===- Gradients.cpp - the reverse-mode rule of every strata op -----------===//
//
// Each op's GradientOpInterface::buildGradients. Rules take the gradients of the
// op's results (null where none flows) and build the gradients of its operands
// as strata ops; `sumToShape` undoes numpy broadcasting. Composite ops
// (Decompositions.h) differentiate their decomposition.
//
//===----------------------------------------------------------------------===//

#include "Decompositions.h"
#include "StrataDialect.h"
#include "TensorMath.h"

#include "mlir/Analysis/SliceAnalysis.h"

#include <cmath>

using namespace mlir;
using namespace mlir::strata;

namespace {
RankedTensorType typeOf(Value v) { return TensorMath::typeOf(v); }

/// Appends one null gradient per operand: the op passes no gradient back.
LogicalResult noGradient(Operation *op, SmallVectorImpl<Value> &operandGradients) {
  operandGradients.append(op->getNumOperands(), Value());
  return success();
}

/// Result gradient of an op with one result.
Value single(ArrayRef<Value> resultGradients) { return resultGradients.front(); }

/// `g` reshaped from a reduction's result to its keep_dims form, then broadcast
/// back over the input.
Value unreduce(TensorMath &m, Value g, Value input, ArrayRef<int64_t> axes, bool keepDims) {
  auto inShape = typeOf(input).getShape();
  SmallVector<int64_t> kept(inShape);
  for (int64_t axis : axes)
    kept[axis < 0 ? axis + inShape.size() : axis] = 1;
  Value reshaped = keepDims ? g : m.reshape(g, kept);
  return m.broadcast(reshaped, inShape);
}

int64_t reducedCount(Value input, ArrayRef<int64_t> axes) {
  auto shape = typeOf(input).getShape();
  int64_t n = 1;
  for (int64_t axis : axes)
    n *= shape[axis < 0 ? axis + shape.size() : axis];
  return n;
}
} // namespace

//===----------------------------------------------------------------------===//
// Leaves and ops that pass no gradient
//===----------------------------------------------------------------------===//

#define STRATA_NO_GRADIENT(OP)                                                 \
  LogicalResult OP::buildGradients(OpBuilder &, ArrayRef<Value>,               \
                                   SmallVectorImpl<Value> &operandGradients) { \
    return noGradient(*this, operandGradients);                                \
  }
// Leaves.
STRATA_NO_GRADIENT(ParamOp)
STRATA_NO_GRADIENT(ConstantOp)
STRATA_NO_GRADIENT(ShiftedEyeOp)
STRATA_NO_GRADIENT(LabelMaskOp)
// Piecewise constant in their operands, or independent of their values.
STRATA_NO_GRADIENT(HeavisideOp)
STRATA_NO_GRADIENT(EqualOp)
STRATA_NO_GRADIENT(StopGradientOp)
STRATA_NO_GRADIENT(OneHotOp)
STRATA_NO_GRADIENT(RandomNormalOp)  // samples depend on `like`'s shape only
STRATA_NO_GRADIENT(RandomUniformOp)
STRATA_NO_GRADIENT(MlmMaskOp)       // integer in, integer out
STRATA_NO_GRADIENT(TokenMaskOp)     // integer in
STRATA_NO_GRADIENT(AccuracyOp)      // a count of argmax hits: piecewise constant
#undef STRATA_NO_GRADIENT

LogicalResult NegativeSamplingGradOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                                     SmallVectorImpl<Value> &) {
  return emitOpError("is a gradient; strata differentiates it no further");
}

LogicalResult OptimizerUpdateOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                                SmallVectorImpl<Value> &) {
  return emitOpError("is an optimizer step; nothing may differentiate through it");
}

//===----------------------------------------------------------------------===//
// Linear algebra and elementwise arithmetic
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value g = single(resultGradients);
  Value a = getLhs(), c = getRhs();
  bool ta = getTransposeLhs(), tc = getTransposeRhs();
  // For y = op(a) op(c): d op(a) = g op(c)^T and d op(c) = op(a)^T g, written
  // so that no transpose is materialized.
  Value da = !tc ? (ta ? m.matmul(c, g, false, true) : m.matmul(g, c, false, true))
                 : (ta ? m.matmul(c, g, true, true) : m.matmul(g, c, false, false));
  Value dc;
  auto aType = typeOf(a);
  if (m.rankOf(c) == 2 && aType.getRank() > 2 && !ta && aType.hasStaticShape()) {
    // A 2-D weight applied to every matrix of a batch ([B, S, K] x [K, N], a
    // linear layer on a sequence): its gradient is one GEMM with the batch
    // folded into the rows, not a batch of GEMMs summed afterwards.
    int64_t k = aType.getShape().back(), n = typeOf(g).getShape().back();
    int64_t rows = aType.getNumElements() / k;
    Value aRows = m.reshape(a, {rows, k}), gRows = m.reshape(g, {rows, n});
    dc = tc ? m.matmul(gRows, aRows, true, false) : m.matmul(aRows, gRows, true, false);
  } else {
    dc = !tc ? (ta ? m.matmul(a, g, false, false) : m.matmul(a, g, true, false))
             : (ta ? m.matmul(g, a, true, true) : m.matmul(g, a, true, false));
  }
  operandGradients.push_back(m.sumToShape(da, typeOf(a)));
  operandGradients.push_back(m.sumToShape(dc, typeOf(c)));
  return success();
}

LogicalResult AddOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value g = single(resultGradients);
  operandGradients.push_back(m.sumToShape(g, typeOf(getLhs())));
  operandGradients.push_back(m.sumToShape(g, typeOf(getRhs())));
  return success();
}

LogicalResult SubOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value g = single(resultGradients);
  operandGradients.push_back(m.sumToShape(g, typeOf(getLhs())));
  operandGradients.push_back(m.sumToShape(m.neg(g), typeOf(getRhs())));
  return success();
}

LogicalResult MulOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value g = single(resultGradients);
  operandGradients.push_back(m.sumToShape(m.mul(g, getRhs()), typeOf(getLhs())));
  operandGradients.push_back(m.sumToShape(m.mul(g, getLhs()), typeOf(getRhs())));
  return success();
}

LogicalResult DivOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value g = single(resultGradients);
  Value gOverRhs = m.div(g, getRhs());
  operandGradients.push_back(m.sumToShape(gOverRhs, typeOf(getLhs())));
  // d(a/c)/dc = -(a/c)/c
  operandGradients.push_back(
      m.sumToShape(m.neg(m.mul(gOverRhs, getResult())), typeOf(getRhs())));
  return success();
}

LogicalResult NegOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  operandGradients.push_back(TensorMath(b, getLoc()).neg(single(resultGradients)));
  return success();
}

LogicalResult ReluOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  // From the result, not the input (relu(x) > 0 exactly when x > 0): the
  // pre-activation is then dead after the forward pass, so bias add and ReLU
  // fuse into one op (a GEMM epilogue on the GPU).
  operandGradients.push_back(m.mul(single(resultGradients), m.heaviside(getResult())));
  return success();
}

LogicalResult SigmoidOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value y = getResult();
  Value dy = m.mul(y, m.sub(m.scalar(1.0, y), y));
  operandGradients.push_back(m.mul(single(resultGradients), dy));
  return success();
}

LogicalResult TanhOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value y = getResult();
  operandGradients.push_back(
      m.mul(single(resultGradients), m.sub(m.scalar(1.0, y), m.mul(y, y))));
  return success();
}

LogicalResult ExpOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  operandGradients.push_back(m.mul(single(resultGradients), getResult()));
  return success();
}

LogicalResult LogOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  operandGradients.push_back(m.div(single(resultGradients), getInput()));
  return success();
}

LogicalResult SqrtOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  operandGradients.push_back(
      m.div(m.scale(single(resultGradients), 0.5), getResult()));
  return success();
}

LogicalResult ErfOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value x = getInput();
  Value dErf = m.scale(m.exp(m.neg(m.mul(x, x))), 2.0 / std::sqrt(M_PI));
  operandGradients.push_back(m.mul(single(resultGradients), dErf));
  return success();
}

#define STRATA_GRADIENT_BY_DECOMPOSITION(OP)                                   \
  LogicalResult OP::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients, \
                                   SmallVectorImpl<Value> &operandGradients) { \
    return gradientByDecomposition(*this, b, resultGradients, operandGradients); \
  }
STRATA_GRADIENT_BY_DECOMPOSITION(GeluOp)
STRATA_GRADIENT_BY_DECOMPOSITION(LayerNormOp)
STRATA_GRADIENT_BY_DECOMPOSITION(MseOp)
STRATA_GRADIENT_BY_DECOMPOSITION(BceWithLogitsOp)
STRATA_GRADIENT_BY_DECOMPOSITION(CrossEntropyOp)
STRATA_GRADIENT_BY_DECOMPOSITION(NtXentOp)
STRATA_GRADIENT_BY_DECOMPOSITION(InfoNceOp)
STRATA_GRADIENT_BY_DECOMPOSITION(KlNormalOp)
STRATA_GRADIENT_BY_DECOMPOSITION(BatchNormOp) // the running statistics pass none back
STRATA_GRADIENT_BY_DECOMPOSITION(MaxPool2dOp)
STRATA_GRADIENT_BY_DECOMPOSITION(AvgPool2dOp)
STRATA_GRADIENT_BY_DECOMPOSITION(Upsample2dOp)
#undef STRATA_GRADIENT_BY_DECOMPOSITION

/// The incoming gradient, placed at each row's label: one_hot(labels) * g,
/// elementwise (nothing for a row whose label is no class).
LogicalResult PickLabelOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  auto logits = typeOf(getLogits());
  Value target = b.create<OneHotOp>(getLoc(), getLabels(), logits.getShape().back(),
                                    logits.getElementType());
  SmallVector<int64_t> column(logits.getShape());
  column.back() = 1;
  operandGradients.push_back(m.mul(target, m.reshape(single(resultGradients), column)));
  operandGradients.push_back(Value()); // labels
  return success();
}

/// dz = y (g - sum(g y)) along the axis, from the softmax's output y alone.
/// The decomposition's reverse mode would recompute exp(z - max) from the
/// input z instead, so z would stay alive from the forward pass to the
/// backward next to y: in attention, a second [B, H, T, T] tensor per layer
/// (bert-mini-mlm's arena kept 67 MB of scores for it).
LogicalResult SoftmaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value y = getResult(), g = single(resultGradients);
  int64_t axis = getAxis();
  Value dz = m.mul(y, m.sub(g, m.reduceSum(m.mul(g, y), {axis}, /*keepDims=*/true)));
  operandGradients.push_back(dz);
  if (getMask())
    operandGradients.push_back(m.sumToShape(dz, typeOf(getMask())));
  return success();
}

LogicalResult NegativeSamplingOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                                 SmallVectorImpl<Value> &operandGradients) {
  // One op for both gradients, so that a back end can compute them in one
  // pass over the rows (its decomposition is this op's reverse mode).
  auto grad = b.create<NegativeSamplingGradOp>(getLoc(), getInput(), getTable(), getPositive(),
                                               getNegatives(), single(resultGradients),
                                               getReductionAttr());
  operandGradients.append({grad.getInputGrad(), grad.getTableGrad(), Value(), Value()});
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

LogicalResult ReduceSumOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  operandGradients.push_back(
      unreduce(m, single(resultGradients), getInput(), getAxes(), getKeepDims()));
  return success();
}

LogicalResult ReduceMeanOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                           SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  Value g = m.scale(single(resultGradients),
                    1.0 / static_cast<double>(reducedCount(getInput(), getAxes())));
  operandGradients.push_back(unreduce(m, g, getInput(), getAxes(), getKeepDims()));
  return success();
}

LogicalResult ReduceMaxOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  // Ties share the gradient evenly, as torch.amax does.
  TensorMath m(b, getLoc());
  Value x = getInput();
  Value max = unreduce(m, getResult(), x, getAxes(), getKeepDims());
  Value isMax = m.equal(x, max);
  Value count = unreduce(m, m.reduceSum(isMax, getAxes(), getKeepDims()), x, getAxes(),
                         getKeepDims());
  Value g = unreduce(m, single(resultGradients), x, getAxes(), getKeepDims());
  operandGradients.push_back(m.div(m.mul(g, isMax), count));
  return success();
}

//===----------------------------------------------------------------------===//
// Images: im2col and col2im are each other's adjoint
//===----------------------------------------------------------------------===//

namespace {

/// Whether conv2d's input gradient is cheaper as a transposed convolution:
/// stride 1, one group, fewer output channels than input channels (the
/// columns of dY are KH*KW*OC wide, col2im's KH*KW*C), and padding no more
/// than the dilated window's reach, so the transposed padding is not negative.
bool transposedInputGradientPays(Conv2dOp op) {
  auto filter = typeOf(op.getFilter()).getShape();
  if (op.getGroups() != 1 || filter[3] >= filter[2])
    return false;
  for (int a = 0; a < 2; ++a)
    if (op.getStride()[a] != 1 || op.getPadding()[a] > op.getDilation()[a] * (filter[a] - 1))
      return false;
  return true;
}

/// `x` with `axis` reversed, one slice per entry (a filter's few taps).
Value reversed(TensorMath &m, Value x, int64_t axis) {
  int64_t size = typeOf(x).getShape()[axis];
  if (size == 1)
    return x;
  SmallVector<Value> entries;
  for (int64_t i = size - 1; i >= 0; --i)
    entries.push_back(m.slice(x, axis, i, i + 1));
  return m.concat(entries, axis);
}

} // namespace

/// The filter's gradient is the decomposition's (columns^T times dY). The
/// input's, where it pays, is the transposed convolution: dY convolved with
/// the filter flipped in space and with its channel axes swapped, padded by
/// dilation * (K - 1) - padding, which gives the input's size back. It reads
/// a column matrix KH*KW*OC wide where col2im's route writes one KH*KW*C
/// wide (conv-ae's last layer: 9 against 144).
LogicalResult Conv2dOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &operandGradients) {
  if (failed(gradientByDecomposition(*this, b, resultGradients, operandGradients)))
    return failure();
  if (!transposedInputGradientPays(*this) || !single(resultGradients))
    return success(); // the col2im route the decomposition built stands
  TensorMath m(b, getLoc());
  Value flipped = m.transpose(reversed(m, reversed(m, getFilter(), 0), 1), {0, 1, 3, 2});
  auto filter = typeOf(getFilter()).getShape();
  SmallVector<int64_t> padding;
  for (int a = 0; a < 2; ++a)
    padding.push_back(getDilation()[a] * (filter[a] - 1) - getPadding()[a]);
  // The col2im route's ops are left unused; canonicalization removes them.
  operandGradients[0] = b.create<Conv2dOp>(getLoc(), single(resultGradients), flipped,
                                           b.getDenseI64ArrayAttr({1, 1}),
                                           b.getDenseI64ArrayAttr(padding), getDilationAttr(),
                                           b.getI64IntegerAttr(1));
  return success();
}

LogicalResult Im2colOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &operandGradients) {
  auto image = typeOf(getInput()).getShape();
  operandGradients.push_back(b.create<Col2imOp>(getLoc(), single(resultGradients), getWindow(),
                                                getStride(), getPadding(), getDilation(),
                                                ArrayRef<int64_t>{image[1], image[2]}));
  return success();
}

LogicalResult Col2imOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &operandGradients) {
  operandGradients.push_back(b.create<Im2colOp>(getLoc(), single(resultGradients), getWindow(),
                                                getStride(), getPadding(), getDilation()));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  operandGradients.push_back(
      m.reshape(single(resultGradients), typeOf(getInput()).getShape()));
  return success();
}

LogicalResult TransposeOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  ArrayRef<int64_t> perm = getPermutation();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = i;
  operandGradients.push_back(m.transpose(single(resultGradients), inverse));
  return success();
}

LogicalResult ConcatOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &operandGradients) {
  Value g = single(resultGradients);
  int64_t rank = typeOf(g).getRank();
  int64_t axis = getAxis() < 0 ? getAxis() + rank : getAxis();
  int64_t start = 0;
  for (Value input : getInputs()) {
    int64_t extent = typeOf(input).getDimSize(axis);
    operandGradients.push_back(
        b.create<SliceOp>(getLoc(), g, axis, start, start + extent));
    start += extent;
  }
  return success();
}

LogicalResult SliceOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                      SmallVectorImpl<Value> &operandGradients) {
  auto inType = typeOf(getInput());
  int64_t axis = getAxis() < 0 ? getAxis() + inType.getRank() : getAxis();
  int64_t extent = inType.getDimSize(axis);
  int64_t start = getStart() < 0 ? getStart() + extent : getStart();
  int64_t end = getEnd() < 0 ? getEnd() + extent : getEnd();
  operandGradients.push_back(b.create<PadOp>(getLoc(), single(resultGradients), axis,
                                             start, extent - end));
  return success();
}

LogicalResult BroadcastOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  operandGradients.push_back(m.sumToShape(single(resultGradients), typeOf(getInput())));
  return success();
}

LogicalResult PadOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &operandGradients) {
  int64_t rank = typeOf(getInput()).getRank();
  int64_t axis = getAxis() < 0 ? getAxis() + rank : getAxis();
  int64_t extent = typeOf(getInput()).getDimSize(axis);
  operandGradients.push_back(b.create<SliceOp>(getLoc(), single(resultGradients), axis,
                                               getLow(), getLow() + extent));
  return success();
}

LogicalResult EmbeddingOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  int64_t vocab = typeOf(getTable()).getDimSize(0);
  operandGradients.push_back(
      b.create<EmbeddingGradOp>(getLoc(), getIds(), single(resultGradients), vocab));
  operandGradients.push_back(Value()); // ids
  return success();
}

LogicalResult EmbeddingGradOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                              SmallVectorImpl<Value> &operandGradients) {
  // Scatter-add is linear in the gradient; its transpose is the gather.
  operandGradients.push_back(Value()); // ids
  operandGradients.push_back(
      b.create<EmbeddingOp>(getLoc(), single(resultGradients), getIds()));
  return success();
}

//===----------------------------------------------------------------------===//
// Randomness: the same draw, keyed by (seed, step, stream), in the backward pass
//===----------------------------------------------------------------------===//

LogicalResult DropoutOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &operandGradients) {
  // g * mask / (1 - rate) is dropout of g with the same mask.
  operandGradients.push_back(
      b.create<DropoutOp>(getLoc(), single(resultGradients), getRate(), getStream()));
  return success();
}

LogicalResult RandomShiftOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                            SmallVectorImpl<Value> &operandGradients) {
  operandGradients.push_back(b.create<RandomShiftOp>(
      getLoc(), single(resultGradients), getMaxShift(), getStream(), !getInverse()));
  return success();
}

LogicalResult RandomFlipOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                           SmallVectorImpl<Value> &operandGradients) {
  // A flip is its own transpose: flip the gradient with the same draw.
  operandGradients.push_back(b.create<RandomFlipOp>(getLoc(), single(resultGradients), getStream()));
  return success();
}

LogicalResult RandomEraseOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                            SmallVectorImpl<Value> &operandGradients) {
  // A 0/1 mask: the gradient is erased with the same draw.
  operandGradients.push_back(b.create<RandomEraseOp>(getLoc(), single(resultGradients), getRate(),
                                                     getMaxSize(), getStream()));
  return success();
}

LogicalResult RandomResizedCropOp::buildGradients(OpBuilder &, ArrayRef<Value>,
                                                 SmallVectorImpl<Value> &operandGradients) {
  // Its adjoint (a scatter of bilinear weights) is not built: the op is for
  // data, and a crop of a value that parameters computed must not silently
  // pass back nothing.
  SetVector<Operation *> producers;
  getBackwardSlice(getInput(), &producers);
  if (llvm::any_of(producers, [](Operation *op) { return isa<ParamOp, ArenaSliceOp>(op); }) ||
      isa_and_nonnull<ParamOp, ArenaSliceOp>(getInput().getDefiningOp()))
    return emitOpError("passes no gradient back: apply it to input data, not to a value "
                       "computed from parameters");
  return noGradient(*this, operandGradients);
}

LogicalResult RandomScaleOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                            SmallVectorImpl<Value> &operandGradients) {
  // Linear in its input: the gradient is scaled by the same factors.
  operandGradients.push_back(b.create<RandomScaleOp>(getLoc(), single(resultGradients), getLow(),
                                                     getHigh(), getStream()));
  return success();
}

//===----------------------------------------------------------------------===//
// The arena
//===----------------------------------------------------------------------===//

LogicalResult ArenaSliceOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                           SmallVectorImpl<Value> &operandGradients) {
  TensorMath m(b, getLoc());
  int64_t n = getType().getNumElements();
  int64_t total = typeOf(getArena()).getDimSize(0);
  Value flat = m.reshape(single(resultGradients), {n});
  operandGradients.push_back(
      b.create<PadOp>(getLoc(), flat, 0, getOffset(), total - getOffset() - n));
  return success();
}

LogicalResult ArenaPackOp::buildGradients(OpBuilder &b, ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &operandGradients) {
  Value g = single(resultGradients);
  int64_t offset = 0;
  for (Value input : getInputs()) {
    auto type = typeOf(input);
    operandGradients.push_back(
        b.create<ArenaSliceOp>(getLoc(), g, offset, type.getShape()));
    offset += type.getNumElements();
  }
  return success();
}
