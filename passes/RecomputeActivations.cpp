//===- RecomputeActivations.cpp - cheap activations recomputed for backward ===//
//
// The backward pass of a transformer's feed-forward block reads both sides of
// its GELU: the input (for GELU's own derivative) and the output (for the
// down-projection's weight gradient, x^T dY). Both then live from the
// forward pass to the backward, two [B, T, 4D] tensors per layer: 67 MB a
// layer in bert-mini-mlm's step, at the step's peak next to the logits. The
// output is a pure function of the input, which is kept anyway, so this pass
// recomputes it where the backward pass first needs it. After
// strata-fuse-elementwise, on the fused linalg (before it, CSE would merge
// the copy back into the original):
//
//   %y = linalg.generic ins(%x) outs(%e0)     // forward: GELU, feeds a GEMM
//   ...  loss  ...
//   %y2 = linalg.generic ins(%x) outs(%e1)    // new, before the first backward user
//   %gw = linalg.matmul_transpose_a ins(%y2, %g) ...
//
// The forward %y then dies after its forward users; %y2 lives only from
// there to the weight gradient. It costs one elementwise kernel per layer
// (read 4D, write 4D) and no live memory at the peak: what AOTAutograd's
// min-cut partitioner does for pointwise ops under torch.compile.
//
// Applies in a function with a `strata.loss` result (a train step), to an
// all-parallel generic before the loss with one result of `min-elements` or
// more, written into a tensor.empty, that has users after the op defining
// the loss (the backward pass), when every tensor it reads also has such
// users or is a function argument (kept regardless). Must-not-apply: the
// forward function (no loss users after), a small result, and an op whose
// input the backward pass does not read (recomputing would keep it alive).
// For the GPU, where device memory is the scarcer.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATARECOMPUTEACTIVATIONS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// The top-level op of `body` that defines the returned loss, or null.
Operation *lossDefinition(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    if (func.getResultAttr(i, "strata.loss"))
      return ret.getOperand(i).getDefiningOp();
  return nullptr;
}

/// The uses of `v` after `boundary` in its block (a nested use counts at its
/// top-level op), the return aside: what the backward pass reads.
SmallVector<OpOperand *> usesAfter(Value v, Operation *boundary) {
  SmallVector<OpOperand *> uses;
  Block *block = boundary->getBlock();
  for (OpOperand &use : v.getUses()) {
    Operation *top = block->findAncestorOpInBlock(*use.getOwner());
    if (top && boundary->isBeforeInBlock(top) && !top->hasTrait<OpTrait::IsTerminator>())
      uses.push_back(&use);
  }
  return uses;
}

/// Whether `v` is kept until after `loss` anyway: a function argument, or a
/// value with users after it.
bool keptPast(Value v, Operation *loss) {
  return isa<BlockArgument>(v) || !usesAfter(v, loss).empty();
}

bool recomputable(linalg::GenericOp op, Operation *loss, int64_t minElements) {
  if (op->getBlock() != loss->getBlock() || !op->isBeforeInBlock(loss) || op.getNumResults() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops() || !op.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>())
    return false;
  auto type = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() < minElements)
    return false;
  if (usesAfter(op.getResult(0), loss).empty())
    return false;
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op.getRegion(), captured);
  auto kept = [&](Value v) { return !isa<ShapedType>(v.getType()) || keptPast(v, loss); };
  return llvm::all_of(op.getDpsInputs(), kept) && llvm::all_of(captured, kept);
}

struct RecomputeActivationsPass
    : public mlir::strata::impl::StrataRecomputeActivationsBase<RecomputeActivationsPass> {
  using StrataRecomputeActivationsBase::StrataRecomputeActivationsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    Operation *loss = func.isExternal() ? nullptr : lossDefinition(func);
    if (!loss)
      return;
    Block *block = loss->getBlock();
    SmallVector<linalg::GenericOp> ops;
    for (auto op : block->getOps<linalg::GenericOp>())
      if (recomputable(op, loss, minElements))
        ops.push_back(op);
    for (linalg::GenericOp op : ops) {
      SmallVector<OpOperand *> backward = usesAfter(op.getResult(0), loss);
      Operation *first = block->findAncestorOpInBlock(*backward.front()->getOwner());
      for (OpOperand *use : backward) {
        Operation *top = block->findAncestorOpInBlock(*use->getOwner());
        if (top->isBeforeInBlock(first))
          first = top;
      }
      OpBuilder b(first);
      // A fresh init: two ops writing one tensor.empty would make
      // bufferization copy.
      auto empty = op.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>();
      IRMapping mapping;
      mapping.map(empty.getResult(), b.clone(*empty)->getResult(0));
      Operation *again = b.clone(*op, mapping);
      for (OpOperand *use : backward)
        use->set(again->getResult(0));
    }
  }
};

} // namespace
