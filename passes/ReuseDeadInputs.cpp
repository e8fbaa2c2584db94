//===- ReuseDeadInputs.cpp - an elementwise op writes over its last read ---===//
//
// An elementwise linalg.generic on tensors writes into a fresh tensor.empty,
// so one-shot bufferization gives it a buffer of its own even when one of its
// inputs, of the same type and read element for element, is never read
// again: both stay live across the op. The logits of a masked language model
// and their gradient are such a pair, [64, 128, 8192] floats each (268 MB)
// in bert-mini-mlm's step. This pass makes such an input the op's init, so
// the result is written over it:
//
//   %r = linalg.generic ins(%a, %b) outs(%empty)   // %a last read here
//   ->
//   %r = linalg.generic ins(%a, %b) outs(%a)
//
// The body does not read the init (it was empty), so the values are the same;
// bufferization still copies should anything read %a after all. Only inputs
// with an identity map, whose other users all come before the op in its
// block, and that are not function arguments (those are the caller's); and
// only tensors of `min-elements` or more: on smaller ones an op that writes
// what it reads stops strata-reduction-kernels from joining a layer norm's
// steps into one kernel (bert-mini-mlm: 91 kernels became 136).
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAREUSEDEADINPUTS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// Whether every user of `v` other than `op` sits before `op` in its block.
bool lastReadBy(Value v, Operation *op) {
  return llvm::all_of(v.getUsers(), [&](Operation *user) {
    if (user == op)
      return true;
    Operation *ancestor = op->getBlock()->findAncestorOpInBlock(*user);
    return ancestor && ancestor != op && ancestor->isBeforeInBlock(op);
  });
}

/// An input `op` could write its result over, or null.
Value deadInput(linalg::GenericOp op, int64_t minElements) {
  if (op.getNumDpsInits() != 1 || op.getNumLoops() != op.getNumParallelLoops())
    return nullptr;
  OpOperand *init = op.getDpsInitOperand(0);
  auto type = dyn_cast<RankedTensorType>(init->get().getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() < minElements)
    return nullptr;
  if (!init->get().getDefiningOp<tensor::EmptyOp>() || op.payloadUsesValueFromOperand(init) ||
      !op.getMatchingIndexingMap(init).isIdentity())
    return nullptr;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value v = input->get();
    if (v.getType() == init->get().getType() && op.getMatchingIndexingMap(input).isIdentity() &&
        !isa<BlockArgument>(v) && lastReadBy(v, op))
      return v;
  }
  return nullptr;
}

struct ReuseDeadInputsPass : public mlir::strata::impl::StrataReuseDeadInputsBase<ReuseDeadInputsPass> {
  using StrataReuseDeadInputsBase::StrataReuseDeadInputsBase;

  void runOnOperation() override {
    getOperation()->walk([&](linalg::GenericOp op) {
      if (Value input = deadInput(op, minElements))
        op.getDpsInitOperand(0)->set(input);
    });
  }
};

} // namespace
