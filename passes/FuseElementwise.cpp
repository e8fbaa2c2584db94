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

#include "BiasAdd.h"
#include "Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAFUSEELEMENTWISE
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// A bias add (then optionally ReLU) of a matmul's result, which only it
/// reads: strata-matmul-to-blas makes it the GEMM's epilogue after
/// bufferization, so it stays a separate op here. (Fused into its users it
/// would be recomputed in each, and the matmul's raw result written.)
bool isGemmEpilogue(linalg::GenericOp op) {
  if (op.getNumLoops() != 2 || !biasAddBody(op))
    return false;
  // The matmul's only live reader is `op` (a producer just fused into `op`
  // may still be there, dead, until the driver erases it).
  return llvm::any_of(op.getDpsInputs(), [&](Value v) {
    Operation *def = v.getDefiningOp();
    return def && isa<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(def) &&
           llvm::all_of(v.getUsers(), [&](Operation *user) { return user == op || user->use_empty(); });
  });
}

/// max(x, 0) of one input.
bool isRelu(Operation *op) {
  auto g = dyn_cast<linalg::GenericOp>(op);
  if (!g || g.getNumDpsInputs() != 1 || g.getRegion().front().getOperations().size() != 2)
    return false;
  auto max = dyn_cast<arith::MaximumFOp>(&g.getRegion().front().front());
  return max && (matchPattern(max.getRhs(), m_PosZeroFloat()) || matchPattern(max.getLhs(), m_PosZeroFloat()));
}

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
  if (isGemmEpilogue(producer))
    return producer->hasOneUse() && isRelu(operand->getOwner()); // still an epilogue after
  // The ReLU of such a bias add joins it, whichever fusion the driver tries first.
  if (isRelu(producer)) {
    auto biasAdd = producer.getDpsInputs().front().getDefiningOp<linalg::GenericOp>();
    if (biasAdd && biasAdd->hasOneUse() && isGemmEpilogue(biasAdd) && !producer->hasOneUse())
      return false;
  }
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
