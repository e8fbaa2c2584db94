//===- Decompositions.cpp - composite ops in terms of primitives ----------===//

#include "Decompositions.h"

#include "Autodiff.h"
#include "TensorMath.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::strata;

namespace {

/// Reduces an elementwise loss the way `reduction` says.
Value reduceLoss(TensorMath &m, Value perElement, Reduction reduction) {
  switch (reduction) {
  case Reduction::mean:
    return m.meanAll(perElement);
  case Reduction::sum:
    return m.sumAll(perElement);
  case Reduction::batch_mean:
    return m.scale(m.sumAll(perElement),
                   1.0 / static_cast<double>(TensorMath::typeOf(perElement).getDimSize(0)));
  }
  llvm_unreachable("unknown reduction");
}

Value gelu(TensorMath &m, GeluOp op) {
  Value x = op.getInput();
  Value inner;
  if (op.getTanh()) {
    // sqrt(2/pi) * (x + 0.044715 x^3)
    Value cube = m.mul(m.mul(x, x), x);
    inner = m.tanh(m.scale(m.add(x, m.scale(cube, 0.044715)), std::sqrt(2.0 / M_PI)));
  } else {
    inner = m.erf(m.scale(x, M_SQRT1_2));
  }
  return m.mul(m.scale(x, 0.5), m.add(m.scalar(1.0, x), inner));
}

Value softmax(TensorMath &m, SoftmaxOp op) {
  Value z = op.getInput();
  if (op.getMask())
    z = m.add(z, op.getMask());
  int64_t axis = op.getAxis();
  Value shift = m.stopGradient(m.reduceMax(z, {axis}, /*keepDims=*/true));
  Value e = m.exp(m.sub(z, shift));
  return m.div(e, m.reduceSum(e, {axis}, /*keepDims=*/true));
}

Value layerNorm(TensorMath &m, LayerNormOp op) {
  Value x = op.getInput();
  double n = static_cast<double>(TensorMath::typeOf(x).getShape().back());
  Value mean = m.scale(m.reduceSum(x, {-1}, true), 1.0 / n);
  Value centered = m.sub(x, mean);
  Value var = m.scale(m.reduceSum(m.mul(centered, centered), {-1}, true), 1.0 / n);
  Value inv = m.div(m.scalar(1.0, x),
                    m.sqrt(m.add(var, m.scalar(op.getEps().convertToDouble(), x))));
  return m.add(m.mul(m.mul(centered, inv), op.getGamma()), op.getBeta());
}

/// batch_norm's training form: each channel normalized by the batch's mean and
/// (biased) variance over every other axis; and the running statistics moved
/// `momentum` of the way to the batch's, the variance unbiased, as PyTorch's.
SmallVector<Value> batchNorm(TensorMath &m, BatchNormOp op) {
  Value x = op.getInput();
  auto type = TensorMath::typeOf(x);
  int64_t channels = type.getShape().back();
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    axes.push_back(i);
  double n = static_cast<double>(type.getNumElements() / channels);
  Value mean = m.scale(m.reduceSum(x, axes, true), 1.0 / n);
  Value centered = m.sub(x, mean);
  Value var = m.scale(m.reduceSum(m.mul(centered, centered), axes, true), 1.0 / n);
  Value inv = m.div(m.scalar(1.0, x),
                    m.sqrt(m.add(var, m.scalar(op.getEps().convertToDouble(), x))));
  Value y = m.add(m.mul(m.mul(centered, inv), op.getGamma()), op.getBeta());

  double momentum = op.getMomentum().convertToDouble();
  auto moved = [&](Value running, Value batch) {
    return m.add(m.scale(running, 1.0 - momentum), m.scale(m.stopGradient(batch), momentum));
  };
  Value batchVar = m.reshape(var, {channels});
  if (n > 1)
    batchVar = m.scale(batchVar, n / (n - 1));
  return {y, moved(op.getRunningMean(), m.reshape(mean, {channels})),
          moved(op.getRunningVar(), batchVar)};
}

} // namespace

Value mlir::strata::batchNormEvalForm(TensorMath &m, BatchNormOp op) {
  Value x = op.getInput();
  Value inv = m.div(m.scalar(1.0, x),
                    m.sqrt(m.add(op.getRunningVar(), m.scalar(op.getEps().convertToDouble(), x))));
  return m.add(m.mul(m.mul(m.sub(x, op.getRunningMean()), inv), op.getGamma()), op.getBeta());
}

namespace {

Value mse(TensorMath &m, MseOp op) {
  Value d = m.sub(op.getPrediction(), op.getTarget());
  return reduceLoss(m, m.mul(d, d), op.getReduction());
}

/// log(1 + exp(x)) as the log-sum-exp of (0, x) shifted by the larger,
/// m = max(x, 0) held constant: m + log(exp(-m) + exp(x - m)). Stable for
/// any x, and its derivative is sigmoid(x) everywhere, 1/2 at x = 0 too (a
/// form built on relu(x) and |x| would differentiate to 0 there, and zero
/// scores are where word2vec's zero-initialised output table starts).
Value softplus(TensorMath &m, Value x) {
  Value shift = m.stopGradient(m.relu(x));
  return m.add(shift, m.log(m.add(m.exp(m.neg(shift)), m.exp(m.sub(x, shift)))));
}

Value bceWithLogits(TensorMath &m, BceWithLogitsOp op) {
  // -t log sigmoid(x) - (1 - t) log(1 - sigmoid(x)) = softplus(x) - x t
  Value x = op.getLogits();
  Value perElement = m.sub(softplus(m, x), m.mul(x, op.getTarget()));
  return reduceLoss(m, perElement, op.getReduction());
}

/// -sum over labelled positions of log softmax(logits)[label], over their
/// count, as sum(mask * lse) - sum(label's logit): each position's row is
/// reduced first (a block per row on the GPU, never one reduction over the
/// whole [..., classes] tensor), the label's logit is gathered (no one-hot
/// is built or reduced), and the gradient, softmax * mask - one-hot, is
/// elementwise: no [..., classes] tensor is kept besides the logits and
/// their gradient.
Value crossEntropy(TensorMath &m, CrossEntropyOp op) {
  Value logits = op.getLogits();
  auto type = TensorMath::typeOf(logits);
  int64_t classes = type.getShape().back();
  Type element = type.getElementType();
  // Labels outside [0, classes) (the ignore index) count nowhere.
  Value mask = m.builder().create<LabelMaskOp>(m.location(), op.getLabels(), classes, element);
  Value picked = m.builder().create<PickLabelOp>(m.location(), logits, op.getLabels());
  Value lse = m.logSumExp(logits, -1, /*keepDims=*/false);
  Value nll = m.sub(m.sumAll(m.mul(mask, lse)), m.sumAll(picked));
  return m.div(nll, m.sumAll(mask));
}

/// Hits over labelled positions. The label's logit is gathered, so it
/// equals the row's maximum exactly when the label has the largest logit.
Value accuracy(TensorMath &m, AccuracyOp op) {
  Value logits = op.getLogits();
  auto type = TensorMath::typeOf(logits);
  Value labelled = m.builder().create<LabelMaskOp>(m.location(), op.getLabels(),
                                                   type.getShape().back(), type.getElementType());
  Value picked = m.builder().create<PickLabelOp>(m.location(), logits, op.getLabels());
  Value hits = m.mul(m.equal(picked, m.reduceMax(logits, {-1}, false)), labelled);
  return m.div(m.sumAll(hits), m.sumAll(labelled));
}

Value ntXent(TensorMath &m, NtXentOp op) {
  Value z = m.normalizeRows(op.getEmbeddings());
  auto type = TensorMath::typeOf(z);
  int64_t rows = type.getDimSize(0);
  Type element = type.getElementType();
  Value sim = m.scale(m.matmul(z, z, false, true), 1.0 / op.getTemperature().convertToDouble());
  OpBuilder &b = m.builder();
  Value self = b.create<ShiftedEyeOp>(m.location(), rows, rows, 0, element);
  Value positive = b.create<ShiftedEyeOp>(m.location(), rows, rows, rows / 2, element);
  // A row never competes with itself: push the diagonal far below the rest.
  Value masked = m.sub(sim, m.scale(self, 1e9));
  Value lse = m.logSumExp(masked, -1, /*keepDims=*/false);
  Value positives = m.reduceSum(m.mul(sim, positive), {-1}, false);
  return m.meanAll(m.sub(lse, positives));
}

Value infoNce(TensorMath &m, InfoNceOp op) {
  Value a = m.normalizeRows(op.getLhs());
  Value c = m.normalizeRows(op.getRhs());
  Value logits = m.matmul(a, c, false, true);
  if (op.getLogScale())
    logits = m.mul(logits, m.exp(op.getLogScale()));
  else
    logits = m.scale(logits, 1.0 / op.getTemperature().convertToDouble());
  auto type = TensorMath::typeOf(logits);
  int64_t n = type.getDimSize(0);
  Value eye = m.builder().create<ShiftedEyeOp>(m.location(), n, n, 0, type.getElementType());
  Value diagonal = m.reduceSum(m.mul(logits, eye), {-1}, false);
  Value rowsLoss = m.meanAll(m.sub(m.logSumExp(logits, -1, false), diagonal));
  Value colsLoss = m.meanAll(m.sub(m.logSumExp(logits, 0, false), diagonal));
  return m.scale(m.add(rowsLoss, colsLoss), 0.5);
}

Value klNormal(TensorMath &m, KlNormalOp op) {
  Value mu = op.getMean(), logVar = op.getLogVariance();
  Value terms = m.sub(m.sub(m.add(m.scalar(1.0, mu), logVar), m.mul(mu, mu)), m.exp(logVar));
  double batch = static_cast<double>(TensorMath::typeOf(mu).getDimSize(0));
  return m.scale(m.sumAll(terms), -0.5 / batch);
}

/// word2vec's loss of rows `x` against `table`'s rows at `positive` (true)
/// and `negatives` (noise), reduced as `reduction` says.
Value negativeSamplingLoss(TensorMath &m, Value x, Value table, Value positiveIds,
                           Value negativeIds, Reduction reduction) {
  auto type = TensorMath::typeOf(x);
  int64_t rows = type.getDimSize(0), dim = type.getDimSize(1);
  int64_t noise = TensorMath::typeOf(negativeIds).getDimSize(1);
  OpBuilder &b = m.builder();
  Value positive = b.create<EmbeddingOp>(m.location(), table, positiveIds); // [B, D]
  Value negative = b.create<EmbeddingOp>(m.location(), table, negativeIds); // [B, K, D]
  Value truth = m.reduceSum(m.mul(x, positive), {-1}, false);              // [B]
  Value rowsOfX = m.broadcast(m.reshape(x, {rows, 1, dim}), {rows, noise, dim});
  Value scores = m.reduceSum(m.mul(rowsOfX, negative), {-1}, false);       // [B, K]
  // -log sigmoid(s) = softplus(-s): the true pair should score high, noise low.
  Value perRow = m.add(softplus(m, m.neg(truth)), m.reduceSum(softplus(m, scores), {-1}, false));
  return reduction == Reduction::sum ? m.sumAll(perRow) : m.meanAll(perRow);
}

Value negativeSampling(TensorMath &m, NegativeSamplingOp op) {
  return negativeSamplingLoss(m, op.getInput(), op.getTable(), op.getPositive(),
                              op.getNegatives(), op.getReduction());
}

/// Records the ops a decomposition creates, so reverse mode can walk them.
struct RecordingListener : public OpBuilder::Listener {
  SmallVector<Operation *> created;
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    created.push_back(op);
  }
};

/// Runs `build` with `b` and returns the ops it created, in program order:
/// what reverse mode walks back over.
SmallVector<Operation *> opsBuiltBy(OpBuilder &b, function_ref<void()> build) {
  RecordingListener recorder;
  OpBuilder::Listener *previous = b.getListener();
  b.setListener(&recorder);
  build();
  b.setListener(previous);
  return std::move(recorder.created);
}

/// The input's and the table's gradients of the loss: reverse mode over the
/// loss's decomposition, seeded with the op's incoming gradient.
SmallVector<Value> negativeSamplingGradients(TensorMath &m, NegativeSamplingGradOp op) {
  OpBuilder &b = m.builder();
  Value loss;
  SmallVector<Operation *> forward = opsBuiltBy(b, [&] {
    loss = negativeSamplingLoss(m, op.getInput(), op.getTable(), op.getPositive(),
                                op.getNegatives(), op.getReduction());
  });
  llvm::DenseMap<Value, Value> gradients{{loss, op.getGradient()}};
  if (failed(backpropagate(b, forward, gradients)))
    return {};
  return {gradients.lookup(op.getInput()), gradients.lookup(op.getTable())};
}

} // namespace

bool mlir::strata::isComposite(Operation *op) {
  return isa<GeluOp, SoftmaxOp, LayerNormOp, MseOp, BceWithLogitsOp, CrossEntropyOp,
             NtXentOp, InfoNceOp, KlNormalOp, NegativeSamplingOp, NegativeSamplingGradOp,
             AccuracyOp, Conv2dOp, MaxPool2dOp, AvgPool2dOp, Upsample2dOp, BatchNormOp>(op);
}

SmallVector<Value> mlir::strata::decompose(OpBuilder &builder, Operation *op) {
  TensorMath m(builder, op->getLoc());
  if (auto grad = dyn_cast<NegativeSamplingGradOp>(op))
    return negativeSamplingGradients(m, grad);
  if (auto norm = dyn_cast<BatchNormOp>(op))
    return batchNorm(m, norm);
  Value result = llvm::TypeSwitch<Operation *, Value>(op)
                     .Case([&](GeluOp o) { return gelu(m, o); })
                     .Case([&](SoftmaxOp o) { return softmax(m, o); })
                     .Case([&](LayerNormOp o) { return layerNorm(m, o); })
                     .Case([&](MseOp o) { return mse(m, o); })
                     .Case([&](BceWithLogitsOp o) { return bceWithLogits(m, o); })
                     .Case([&](CrossEntropyOp o) { return crossEntropy(m, o); })
                     .Case([&](AccuracyOp o) { return accuracy(m, o); })
                     .Case([&](NtXentOp o) { return ntXent(m, o); })
                     .Case([&](InfoNceOp o) { return infoNce(m, o); })
                     .Case([&](NegativeSamplingOp o) { return negativeSampling(m, o); })
                     .Case([&](KlNormalOp o) { return klNormal(m, o); })
                     .Case([&](Conv2dOp o) { return decomposeConv2d(m, o); })
                     .Case([&](MaxPool2dOp o) { return decomposeMaxPool2d(m, o); })
                     .Case([&](AvgPool2dOp o) { return decomposeAvgPool2d(m, o); })
                     .Case([&](Upsample2dOp o) { return decomposeUpsample2d(m, o); })
                     .Default([](Operation *) { return Value(); });
  if (!result)
    return {};
  return {result};
}

LogicalResult mlir::strata::gradientByDecomposition(Operation *op, OpBuilder &builder,
                                                    ArrayRef<Value> resultGradients,
                                                    SmallVectorImpl<Value> &operandGradients) {
  SmallVector<Value> replacements;
  SmallVector<Operation *> forward = opsBuiltBy(builder, [&] { replacements = decompose(builder, op); });
  if (replacements.size() != op->getNumResults())
    return op->emitOpError("has no decomposition to differentiate");

  llvm::DenseMap<Value, Value> gradients;
  for (auto [value, grad] : llvm::zip(replacements, resultGradients))
    if (grad)
      gradients[value] = grad;
  if (failed(backpropagate(builder, forward, gradients)))
    return failure();
  for (Value operand : op->getOperands())
    operandGradients.push_back(gradients.lookup(operand));
  return success();
}
