//===- Inference.cpp - a function with training's random corruptions off --===//
//
// Training corrupts its inputs on purpose: dropout, shifted images, added
// noise, masked tokens. A representation is wanted of the input itself, so
// `strata embed` and `strata search` compile @forward through this pass,
// which replaces each random op by what it does on average, or, for the
// augmentations that move or hide pixels, switches it off:
//
//   dropout, random_shift, random_flip, random_erase,
//   random_resized_crop            -> the input
//   random_scale(low, high)        -> the input times (low + high) / 2
//   random_normal(mean, std)       -> mean        (x + noise -> x)
//   random_uniform(low, high)      -> (low + high) / 2
//   mlm_mask                       -> the tokens unmasked; the labels stay
//
// Nothing reads the loss or the metrics of this form, so the function returns
// zero for them and the ops that computed only them (a text model's logits
// over the whole vocabulary, say) are left dead for canonicalization.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"
#include "StrataDialect.h"
#include "TensorMath.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAINFERENCE
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// The value a random op stands for at inference, or null for an op that is
/// not random (or is mlm_mask, of which only the first result changes).
Value meanOf(OpBuilder &b, Operation *op) {
  TensorMath m(b, op->getLoc());
  if (auto d = dyn_cast<DropoutOp>(op))
    return d.getInput();
  if (auto s = dyn_cast<RandomShiftOp>(op))
    return s.getInput();
  if (auto f = dyn_cast<RandomFlipOp>(op))
    return f.getInput();
  if (auto e = dyn_cast<RandomEraseOp>(op))
    return e.getInput();
  if (auto c = dyn_cast<RandomResizedCropOp>(op))
    return c.getInput();
  if (auto s = dyn_cast<RandomScaleOp>(op))
    return m.scale(s.getInput(), 0.5 * (s.getLow().convertToDouble() + s.getHigh().convertToDouble()));
  if (auto n = dyn_cast<RandomNormalOp>(op))
    return m.splat(n.getMean().convertToDouble(), n.getResult());
  if (auto u = dyn_cast<RandomUniformOp>(op))
    return m.splat(0.5 * (u.getLow().convertToDouble() + u.getHigh().convertToDouble()),
                   u.getResult());
  return nullptr;
}

/// Returns zero for each result marked strata.loss or strata.metric.
void zeroLossAndMetrics(func::FuncOp func) {
  OpBuilder b(func.getContext());
  func.walk([&](func::ReturnOp ret) {
    b.setInsertionPoint(ret);
    TensorMath m(b, ret.getLoc());
    for (unsigned i = 0; i < ret.getNumOperands(); ++i)
      if (func.getResultAttr(i, "strata.loss") || func.getResultAttr(i, "strata.metric"))
        ret.setOperand(i, m.splat(0.0, ret.getOperand(i)));
  });
}

struct InferencePass : public mlir::strata::impl::StrataInferenceBase<InferencePass> {
  void runOnOperation() override {
    zeroLossAndMetrics(getOperation());
    OpBuilder b(&getContext());
    // A walk may erase the op it visits.
    getOperation().walk([&](Operation *op) {
      if (auto mask = dyn_cast<MlmMaskOp>(op)) {
        mask.getInputs().replaceAllUsesWith(mask.getTokens());
        return;
      }
      b.setInsertionPoint(op);
      if (Value mean = meanOf(b, op)) {
        op->getResult(0).replaceAllUsesWith(mean);
        op->erase();
      }
    });
  }
};

} // namespace
