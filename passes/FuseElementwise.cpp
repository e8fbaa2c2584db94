//===- FuseElementwise.cpp - elementwise producers into their consumers ---===//
//
// The kernel boundaries of both back ends come from here: a linalg.generic
// whose every loop is parallel is fused into the generic that consumes it
// (elementwise or reduction), when that consumer is its only user, so a chain
// like bias add -> ReLU -> its mask in the backward pass is one loop nest and
// one kernel, and x*x fused into a sum is one reduction.
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

/// Fuse only an elementwise producer with a single user: fusing one with
/// several users would recompute it in each.
bool shouldFuse(OpOperand *operand) {
  auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
  return producer && producer.getNumLoops() == producer.getNumParallelLoops() &&
         producer->hasOneUse();
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
