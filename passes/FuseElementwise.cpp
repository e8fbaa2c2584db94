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
#include "mlir/Transforms/RegionUtils.h"
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

/// Tensors a generic reads in full, one element per point of its iteration
/// space: inputs indexed by every loop (a broadcast bias or a per-row scalar
/// is not one), and tensors its body gathers from (an embedding lookup).
size_t fullSizeReads(linalg::GenericOp op) {
  size_t reads = llvm::count_if(op.getDpsInputOperands(), [&](OpOperand *input) {
    return op.getMatchingIndexingMap(input).isPermutation();
  });
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op.getRegion(), captured);
  return reads + llvm::count_if(captured, [](Value v) { return isa<ShapedType>(v.getType()); });
}

/// Recomputing a producer in each of its U users reads its R full-size
/// inputs U times; keeping its kernel reads them once, writes its result and
/// has each user read that: R + 1 + U. Recompute only when that costs no
/// more memory traffic. Without this bound a pre-LN encoder's residual stream
/// (the embedding plus every layer's two outputs) was re-summed from all of
/// them in every layer norm, forward and backward: bert-mini's last one read
/// nine tensors to normalize one.
bool recomputingIsCheaper(linalg::GenericOp producer) {
  llvm::SmallPtrSet<Operation *, 8> distinctUsers(producer->user_begin(), producer->user_end());
  // A user just fused with the producer stays, dead, until the driver erases it.
  size_t users = llvm::count_if(distinctUsers, [](Operation *user) { return !user->use_empty(); });
  size_t reads = fullSizeReads(producer);
  return reads * users <= reads + 1 + users;
}

/// Fuse an elementwise producer into its consumer when that is its only
/// user, or when every user is a generic (elementwise or reduction) and the
/// producer is small: it is then recomputed in each user, which costs a few
/// flops per element instead of a write and reads through memory, and its
/// own kernel is gone, unless it reads so many tensors that the users'
/// re-reads outweigh that. A producer that something else reads (a matmul,
/// the return) keeps its kernel; fusing it would only add work.
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
         llvm::all_of(producer->getUsers(), [](Operation *user) { return isa<linalg::GenericOp>(user); }) &&
         recomputingIsCheaper(producer);
}

struct FuseElementwisePass : public mlir::strata::impl::StrataFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    // In program order, a producer has taken in its own producers before its
    // consumers weigh recomputing it, so the reads they count are final.
    GreedyRewriteConfig config;
    config.useTopDownTraversal = true;
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
