//===- FuseElementwise.cpp - elementwise producers into their consumers ---===//
//
// The kernel boundaries of both back ends come from here: a linalg.generic
// whose every loop is parallel is fused into the generics that consume it
// (elementwise or reduction), so a chain like bias add -> ReLU -> its mask in
// the backward pass is one loop nest and one kernel, and x*x fused into a
// sum is one reduction. A small producer read by several generics (sigmoid
// -> the loss and its gradient) is recomputed in each of them.
//
// Upstream's linalg-fuse-elementwise-ops also pushes reshapes through linalg
// ops, which turns a [B, T, K] x [K, N] matmul that the lowering folded to a
// 2-D linalg.matmul (a BLAS or cuBLASLt call) back into a 3-D generic; this
// pass applies only the producer-consumer fusion, so named matmuls stay.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAFUSEELEMENTWISE
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// Ops in a producer's body beyond which it is not recomputed per user.
constexpr size_t kMaxRecomputedOps = 24;

/// Fuse an elementwise producer into its consumer when that is its only
/// user, or when every user is a generic (elementwise or reduction) and the
/// producer is small: it is then recomputed in each user, which costs a few
/// flops per element instead of a write and reads through memory, and its
/// own kernel is gone. A producer that something else reads (a matmul, the
/// return) keeps its kernel; fusing it would only add work.
bool shouldFuse(OpOperand *operand) {
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  if (!producer || producer.getNumLoops() != producer.getNumParallelLoops())
    return false;
  if (producer->hasOneUse())
    return true;
  size_t bodyOps = producer.getRegion().front().getOperations().size();
  return bodyOps <= kMaxRecomputedOps &&
         llvm::all_of(producer->getUsers(), [](Operation *user) { return isa<linalg::GenericOp>(user); });
}

struct FuseElementwisePass : public mlir::strata::impl::StrataFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
