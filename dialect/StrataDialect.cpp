//===- StrataDialect.cpp - dialect registration, type inference, verifiers ===//
//
// Result types come from shapes/ShapeFunctions.cpp, the rules the frontend also
// uses; this file only converts between MLIR types and those shapes.
//
//===----------------------------------------------------------------------===//

#include "StrataDialect.h"

#include "ShapeFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::strata;
namespace shapes = ::strata::shapes;

#include "StrataDialect.cpp.inc"
#include "StrataEnums.cpp.inc"
#include "StrataInterfaces.cpp.inc"

void StrataDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "StrataOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Conversions between MLIR shapes and ShapeFunctions shapes
//===----------------------------------------------------------------------===//

namespace {
shapes::Shape toShape(Type type) {
  shapes::Shape shape;
  for (int64_t d : cast<RankedTensorType>(type).getShape())
    shape.push_back(ShapedType::isDynamic(d) ? shapes::kBatch : d);
  return shape;
}

SmallVector<int64_t> toMlirShape(const shapes::Shape &shape) {
  SmallVector<int64_t> out;
  for (int64_t d : shape)
    out.push_back(shapes::isBatch(d) ? ShapedType::kDynamic : d);
  return out;
}

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// Appends tensor<shape x elementType>, or reports the shape error.
LogicalResult pushResult(std::optional<Location> loc,
                         const shapes::Result &shape, const std::string &error,
                         Type elementType, SmallVectorImpl<Type> &results) {
  if (!shape)
    return emitOptionalError(loc, error);
  results.push_back(RankedTensorType::get(toMlirShape(*shape), elementType));
  return success();
}

/// Most ops produce one tensor of their first operand's element type.
LogicalResult pushSameElementType(std::optional<Location> loc, Value first,
                                  const shapes::Result &shape,
                                  const std::string &error,
                                  SmallVectorImpl<Type> &results) {
  return pushResult(loc, shape, error, elementTypeOf(first), results);
}
} // namespace

//===----------------------------------------------------------------------===//
// Parameters and constants
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getType());
  return success();
}

LogicalResult ParamOp::verify() {
  if (getName().empty())
    return emitOpError("needs a non-empty parameter name");
  if (!getType().hasStaticShape())
    return emitOpError("parameter '") << getName() << "' must have a static shape, got "
                                      << getType();
  bool scaleMustBePositive = getInit() == Initializer::normal || getInit() == Initializer::uniform;
  if (auto scale = getScaleAttr(); scale && scaleMustBePositive &&
                                   !(scale.getValueAsDouble() > 0.0))
    return emitOpError("initializer scale must be positive, got ")
           << scale.getValueAsDouble();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

Operation *StrataDialect::materializeConstant(OpBuilder &builder, Attribute value, Type type,
                                              Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  results.push_back(cast<TypedAttr>(adaptor.getValue()).getType());
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra and elementwise arithmetic
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::matmul(toShape(adaptor.getLhs().getType()),
                              toShape(adaptor.getRhs().getType()),
                              adaptor.getTransposeLhs(),
                              adaptor.getTransposeRhs(), error);
  return pushSameElementType(loc, adaptor.getLhs(), shape, error, results);
}

template <typename BinaryOp>
static LogicalResult inferBinary(std::optional<Location> loc,
                                 typename BinaryOp::Adaptor adaptor,
                                 SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::broadcast(toShape(adaptor.getLhs().getType()),
                                 toShape(adaptor.getRhs().getType()), error);
  return pushSameElementType(loc, adaptor.getLhs(), shape, error, results);
}

#define STRATA_BINARY_INFER_FN(OP)                                                \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferBinary<OP>(loc, adaptor, results);                             \
  }
STRATA_BINARY_INFER_FN(AddOp)
STRATA_BINARY_INFER_FN(SubOp)
STRATA_BINARY_INFER_FN(MulOp)
STRATA_BINARY_INFER_FN(DivOp)


//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

template <typename ReduceOp>
static LogicalResult inferReduce(std::optional<Location> loc,
                                 typename ReduceOp::Adaptor adaptor,
                                 SmallVectorImpl<Type> &results) {
  std::string error;
  std::vector<int64_t> axes(adaptor.getAxes().begin(), adaptor.getAxes().end());
  auto shape = shapes::reduce(toShape(adaptor.getInput().getType()), axes,
                              adaptor.getKeepDims(), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

template <typename ReduceOp>
static LogicalResult verifyReduce(ReduceOp op) {
  if (op.getAxes().empty())
    return op.emitOpError("needs at least one reduction axis");
  return success();
}

#define STRATA_REDUCE(OP)                                                      \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &results) {         \
    return inferReduce<OP>(loc, adaptor, results);                             \
  }                                                                            \
  LogicalResult OP::verify() { return verifyReduce(*this); }
STRATA_REDUCE(ReduceSumOp)
STRATA_REDUCE(ReduceMeanOp)
STRATA_REDUCE(ReduceMaxOp)
#undef STRATA_REDUCE

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  std::string error;
  shapes::Shape mask;
  if (adaptor.getMask())
    mask = toShape(adaptor.getMask().getType());
  auto shape = shapes::softmax(toShape(adaptor.getInput().getType()),
                               adaptor.getAxis(),
                               adaptor.getMask() ? &mask : nullptr, error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::layerNorm(toShape(adaptor.getInput().getType()),
                                 toShape(adaptor.getGamma().getType()),
                                 toShape(adaptor.getBeta().getType()), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::batchNorm(toShape(adaptor.getInput().getType()),
                                 {toShape(adaptor.getGamma().getType()), toShape(adaptor.getBeta().getType()),
                                  toShape(adaptor.getRunningMean().getType()),
                                  toShape(adaptor.getRunningVar().getType())},
                                 error);
  if (failed(pushSameElementType(loc, adaptor.getInput(), shape, error, results)))
    return failure();
  results.push_back(adaptor.getRunningMean().getType());
  results.push_back(adaptor.getRunningVar().getType());
  return success();
}

LogicalResult BatchNormOp::verify() {
  double momentum = getMomentum().convertToDouble();
  if (!(momentum >= 0.0 && momentum <= 1.0))
    return emitOpError("momentum must be in [0, 1], got ") << momentum;
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError("eps must be positive, got ") << getEps().convertToDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

namespace {
std::vector<int64_t> toVector(ArrayRef<int64_t> a) { return {a.begin(), a.end()}; }
} // namespace

LogicalResult Conv2dOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::conv2d(toShape(adaptor.getInput().getType()),
                              toShape(adaptor.getFilter().getType()),
                              toVector(adaptor.getStride()), toVector(adaptor.getPadding()),
                              toVector(adaptor.getDilation()), adaptor.getGroups(), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult Im2colOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::im2col(toShape(adaptor.getInput().getType()), toVector(adaptor.getWindow()),
                              toVector(adaptor.getStride()), toVector(adaptor.getPadding()),
                              toVector(adaptor.getDilation()), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult Col2imOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::col2im(toShape(adaptor.getInput().getType()), toVector(adaptor.getWindow()),
                              toVector(adaptor.getStride()), toVector(adaptor.getPadding()),
                              toVector(adaptor.getDilation()), toVector(adaptor.getImage()), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

namespace {
template <typename PoolAdaptor>
LogicalResult inferPool2d(const char *name, std::optional<Location> loc, PoolAdaptor adaptor,
                          SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::pool2d(name, toShape(adaptor.getInput().getType()),
                              toVector(adaptor.getWindow()), toVector(adaptor.getStride()),
                              toVector(adaptor.getPadding()), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}
} // namespace

LogicalResult MaxPool2dOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferPool2d("max_pool2d", loc, adaptor, results);
}

LogicalResult AvgPool2dOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor, SmallVectorImpl<Type> &results) {
  return inferPool2d("avg_pool2d", loc, adaptor, results);
}

LogicalResult Upsample2dOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor, SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::upsample2d(toShape(adaptor.getInput().getType()), adaptor.getFactor(),
                                  error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult Upsample2dOp::verify() {
  if (getMode() != "nearest" && getMode() != "bilinear")
    return emitOpError("mode must be \"nearest\" or \"bilinear\", got \"") << getMode() << "\"";
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  std::string error;
  shapes::Shape target(adaptor.getShape().begin(), adaptor.getShape().end());
  auto shape = shapes::reshape(toShape(adaptor.getInput().getType()), target, error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  std::string error;
  std::vector<int64_t> perm(adaptor.getPermutation().begin(),
                            adaptor.getPermutation().end());
  auto shape = shapes::transpose(toShape(adaptor.getInput().getType()), perm, error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "concat needs at least one input");
  std::string error;
  std::vector<shapes::Shape> inputs;
  for (Value v : adaptor.getInputs())
    inputs.push_back(toShape(v.getType()));
  auto shape = shapes::concat(inputs, adaptor.getAxis(), error);
  return pushSameElementType(loc, adaptor.getInputs().front(), shape, error,
                             results);
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::slice(toShape(adaptor.getInput().getType()),
                             adaptor.getAxis(), adaptor.getStart(),
                             adaptor.getEnd(), error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult EmbeddingOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::embedding(toShape(adaptor.getTable().getType()),
                                 toShape(adaptor.getIds().getType()), error);
  return pushSameElementType(loc, adaptor.getTable(), shape, error, results);
}

//===----------------------------------------------------------------------===//
// Randomness
//===----------------------------------------------------------------------===//

static LogicalResult verifyProbability(Operation *op, StringRef what,
                                       double p) {
  if (!(p >= 0.0 && p < 1.0))
    return op->emitOpError() << what << " must be in [0, 1), got " << p;
  return success();
}

LogicalResult DropoutOp::verify() {
  return verifyProbability(*this, "rate", getRate().convertToDouble());
}

LogicalResult RandomUniformOp::verify() {
  if (!(getLow().convertToDouble() < getHigh().convertToDouble()))
    return emitOpError("needs low < high, got [")
           << getLow().convertToDouble() << ", " << getHigh().convertToDouble() << ")";
  return success();
}

LogicalResult RandomShiftOp::verify() {
  std::string error;
  if (!shapes::randomShift(toShape(getInput().getType()), getMaxShift(), error))
    return emitOpError(error);
  return success();
}

LogicalResult RandomFlipOp::verify() {
  std::string error;
  if (!shapes::randomFlip(toShape(getInput().getType()), error))
    return emitOpError(error);
  return success();
}

LogicalResult RandomEraseOp::verify() {
  std::string error;
  if (!shapes::randomErase(toShape(getInput().getType()), getRate().convertToDouble(), getMaxSize(), error))
    return emitOpError(error);
  return success();
}

LogicalResult RandomResizedCropOp::verify() {
  std::string error;
  if (!shapes::randomResizedCrop(toShape(getInput().getType()), getMinScale().convertToDouble(),
                                 getMaxScale().convertToDouble(), getMinRatio().convertToDouble(),
                                 getMaxRatio().convertToDouble(), error))
    return emitOpError(error);
  return success();
}

LogicalResult RandomScaleOp::verify() {
  std::string error;
  if (!shapes::randomScale(toShape(getInput().getType()), getLow().convertToDouble(),
                           getHigh().convertToDouble(), error))
    return emitOpError(error);
  return success();
}

LogicalResult MlmMaskOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getTokens().getType());
  results.push_back(adaptor.getTokens().getType());
  return success();
}

LogicalResult MlmMaskOp::verify() {
  if (failed(verifyProbability(*this, "rate", getRate().convertToDouble())))
    return failure();
  if (getVocabSize() <= 0 || getMaskToken() < 0 || getMaskToken() >= getVocabSize())
    return emitOpError("mask token ")
           << getMaskToken() << " must be an id below the vocabulary size "
           << getVocabSize();
  if (static_cast<int64_t>(getReserved()) < 0 || static_cast<int64_t>(getReserved()) >= getVocabSize())
    return emitOpError("reserved ids ")
           << static_cast<int64_t>(getReserved()) << " must leave ids below the vocabulary size "
           << getVocabSize() << " to draw";
  return success();
}

LogicalResult TokenMaskOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return pushResult(loc, toShape(adaptor.getTokens().getType()), "", adaptor.getElementType(),
                    results);
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

LogicalResult MseOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::elementwiseLoss(toShape(adaptor.getPrediction().getType()),
                                       toShape(adaptor.getTarget().getType()), error);
  return pushSameElementType(loc, adaptor.getPrediction(), shape, error, results);
}

LogicalResult BceWithLogitsOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::elementwiseLoss(toShape(adaptor.getLogits().getType()),
                                       toShape(adaptor.getTarget().getType()), error);
  return pushSameElementType(loc, adaptor.getLogits(), shape, error, results);
}

/// Cross-entropy and accuracy: a scalar of the logits' type, from logits
/// [..., classes] and labels [...].
static LogicalResult inferScoreOfLabels(std::optional<Location> loc, Value logits, Value labels,
                                        SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::crossEntropy(toShape(logits.getType()), toShape(labels.getType()), error);
  return pushSameElementType(loc, logits, shape, error, results);
}

LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  return inferScoreOfLabels(loc, adaptor.getLogits(), adaptor.getLabels(), results);
}

LogicalResult AccuracyOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  return inferScoreOfLabels(loc, adaptor.getLogits(), adaptor.getLabels(), results);
}

static LogicalResult verifyTemperature(Operation *op, double t) {
  if (!(t > 0.0))
    return op->emitOpError("temperature must be positive, got ") << t;
  return success();
}

LogicalResult NtXentOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::ntXent(toShape(adaptor.getEmbeddings().getType()), error);
  return pushSameElementType(loc, adaptor.getEmbeddings(), shape, error, results);
}

LogicalResult NtXentOp::verify() {
  return verifyTemperature(*this, getTemperature().convertToDouble());
}

LogicalResult InfoNceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  std::string error;
  shapes::Shape scale;
  if (adaptor.getLogScale())
    scale = toShape(adaptor.getLogScale().getType());
  auto shape = shapes::infoNce(toShape(adaptor.getLhs().getType()),
                               toShape(adaptor.getRhs().getType()),
                               adaptor.getLogScale() ? &scale : nullptr, error);
  return pushSameElementType(loc, adaptor.getLhs(), shape, error, results);
}

LogicalResult InfoNceOp::verify() {
  return verifyTemperature(*this, getTemperature().convertToDouble());
}

LogicalResult KlNormalOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = shapes::klDiagonalNormal(toShape(adaptor.getMean().getType()),
                                        toShape(adaptor.getLogVariance().getType()),
                                        error);
  return pushSameElementType(loc, adaptor.getMean(), shape, error, results);
}

/// The loss's shape from negative sampling's operands (none, with `error`,
/// when they do not fit together); its gradient op checks them the same way.
template <typename Adaptor>
auto negativeSamplingShape(Adaptor adaptor, std::string &error) {
  return shapes::negativeSampling(
      toShape(adaptor.getInput().getType()), toShape(adaptor.getTable().getType()),
      toShape(adaptor.getPositive().getType()), toShape(adaptor.getNegatives().getType()), error);
}

LogicalResult NegativeSamplingOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                   Adaptor adaptor,
                                                   SmallVectorImpl<Type> &results) {
  std::string error;
  auto shape = negativeSamplingShape(adaptor, error);
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

//===----------------------------------------------------------------------===//
// Ops that gradients and decompositions build
//===----------------------------------------------------------------------===//

STRATA_BINARY_INFER_FN(EqualOp)

LogicalResult NegativeSamplingGradOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                                       Adaptor adaptor,
                                                       SmallVectorImpl<Type> &results) {
  std::string error;
  if (!negativeSamplingShape(adaptor, error))
    return emitOptionalError(loc, error);
  results.push_back(adaptor.getInput().getType());
  results.push_back(adaptor.getTable().getType());
  return success();
}

LogicalResult BroadcastOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  std::string error;
  shapes::Shape target(adaptor.getShape().begin(), adaptor.getShape().end());
  auto shape = shapes::broadcast(toShape(adaptor.getInput().getType()), target, error);
  if (shape && *shape != target)
    return emitOptionalError(loc, "cannot broadcast ", adaptor.getInput().getType(),
                             " to ", shapes::str(target));
  return pushSameElementType(loc, adaptor.getInput(), shape, error, results);
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &results) {
  shapes::Shape shape = toShape(adaptor.getInput().getType());
  // I64Attr getters return uint64_t: read the padding as signed.
  auto low = static_cast<int64_t>(adaptor.getLow()), high = static_cast<int64_t>(adaptor.getHigh());
  auto axis = shapes::normalizeAxis(adaptor.getAxis(), shape.size());
  if (!axis || low < 0 || high < 0 || shapes::isBatch(shape[*axis]))
    return emitOptionalError(loc, "pad needs a static axis in range and non-negative "
                                  "padding, got axis ", adaptor.getAxis(), " of ",
                             shapes::str(shape));
  shape[*axis] += low + high;
  return pushSameElementType(loc, adaptor.getInput(), shape, "", results);
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  if (static_cast<int64_t>(adaptor.getDepth()) <= 0)
    return emitOptionalError(loc, "one_hot depth must be positive");
  shapes::Shape shape = toShape(adaptor.getLabels().getType());
  shape.push_back(adaptor.getDepth());
  return pushResult(loc, shape, "", adaptor.getElementType(), results);
}

LogicalResult LabelMaskOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (static_cast<int64_t>(adaptor.getClasses()) <= 0)
    return emitOptionalError(loc, "label_mask classes must be positive");
  return pushResult(loc, toShape(adaptor.getLabels().getType()), "", adaptor.getElementType(), results);
}

LogicalResult PickLabelOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  shapes::Shape logits = toShape(adaptor.getLogits().getType());
  shapes::Shape labels = toShape(adaptor.getLabels().getType());
  if (logits.empty() || shapes::isBatch(logits.back()) ||
      shapes::Shape(logits.begin(), logits.end() - 1) != labels)
    return emitOptionalError(loc, "pick_label needs labels shaped like the logits without their last (class) axis, got ",
                             shapes::str(logits), " and ", shapes::str(labels));
  return pushSameElementType(loc, adaptor.getLogits(), labels, "", results);
}

LogicalResult ShiftedEyeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  if (static_cast<int64_t>(adaptor.getRows()) <= 0 || static_cast<int64_t>(adaptor.getCols()) <= 0)
    return emitOptionalError(loc, "shifted_eye needs positive rows and cols");
  return pushResult(loc, shapes::Shape{adaptor.getRows(), adaptor.getCols()}, "",
                    adaptor.getElementType(), results);
}

LogicalResult EmbeddingGradOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &results) {
  shapes::Shape ids = toShape(adaptor.getIds().getType());
  shapes::Shape grad = toShape(adaptor.getGradient().getType());
  shapes::Shape expected = ids;
  if (!grad.empty())
    expected.push_back(grad.back());
  if (grad.empty() || grad != expected || static_cast<int64_t>(adaptor.getVocab()) <= 0)
    return emitOptionalError(loc, "embedding_grad needs a gradient of shape ids + [dim], got ids ",
                             shapes::str(ids), " and gradient ", shapes::str(grad));
  return pushSameElementType(loc, adaptor.getGradient(),
                             shapes::Shape{adaptor.getVocab(), grad.back()}, "", results);
}

//===----------------------------------------------------------------------===//
// The train step
//===----------------------------------------------------------------------===//

LogicalResult ArenaSliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  shapes::Shape shape(adaptor.getShape().begin(), adaptor.getShape().end());
  return pushSameElementType(loc, adaptor.getArena(), shape, "", results);
}

LogicalResult ArenaSliceOp::verify() {
  auto arena = getArena().getType();
  if (arena.getRank() != 1 || !arena.hasStaticShape())
    return emitOpError("needs a static rank-1 arena, got ") << arena;
  int64_t n = getType().getNumElements();
  if (getOffset() < 0 || getOffset() + n > arena.getDimSize(0))
    return emitOpError("slice [") << getOffset() << ", " << getOffset() + n
                                  << ") is outside the arena of " << arena.getDimSize(0);
  return success();
}

LogicalResult ArenaPackOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "arena_pack needs at least one input");
  int64_t total = 0;
  for (Value v : adaptor.getInputs()) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.hasStaticShape())
      return emitOptionalError(loc, "arena_pack needs static shapes, got ", type);
    total += type.getNumElements();
  }
  return pushSameElementType(loc, adaptor.getInputs().front(), shapes::Shape{total}, "",
                             results);
}

int64_t OptimizerUpdateOp::stateSlots(StringRef kind, double momentum) {
  if (kind == "adam" || kind == "adamw")
    return 2;
  return momentum != 0.0 ? 1 : 0;
}

LogicalResult OptimizerUpdateOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &results) {
  results.push_back(adaptor.getParams().getType());
  results.push_back(adaptor.getState().getType());
  return success();
}

LogicalResult OptimizerUpdateOp::verify() {
  StringRef kind = getKind();
  if (kind != "sgd" && kind != "adam" && kind != "adamw")
    return emitOpError("unknown optimizer '") << kind << "' (expected sgd, adam or adamw)";
  if (getSchedule() != "constant" && getSchedule() != "cosine" && getSchedule() != "linear")
    return emitOpError("unknown schedule '") << getSchedule()
           << "' (expected constant, cosine or linear)";
  auto params = cast<RankedTensorType>(getParams().getType());
  auto state = cast<RankedTensorType>(getState().getType());
  if (params.getRank() != 1 || state.getRank() != 1 || !params.hasStaticShape() ||
      !state.hasStaticShape())
    return emitOpError("needs static rank-1 arenas");
  int64_t slots = stateSlots(kind, getMomentum().convertToDouble());
  if (state.getDimSize(0) != slots * params.getDimSize(0))
    return emitOpError("optimizer '") << kind << "' needs a state arena of " << slots
                                      << " x " << params.getDimSize(0) << " elements, got "
                                      << state.getDimSize(0);
  return success();
}

#define GET_OP_CLASSES
#include "StrataOps.cpp.inc"
