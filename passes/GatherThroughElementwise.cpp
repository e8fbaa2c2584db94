//===- GatherThroughElementwise.cpp - gathers read an elementwise op's inputs ===//
//
// A linalg.generic that gathers single elements (`tensor.extract` in its
// body: cross-entropy's label logit, an embedding lookup) from the result of
// an all-parallel generic would need that result materialized, in full, for
// a handful of reads: the bias add of a vocabulary projection is a
// [B, T, V] tensor written to be read once per row. Here such an extract is
// replaced by the producer's body evaluated at the extracted point, its
// inputs extracted through their indexing maps; repeated, until the gather
// reads tensors that are no elementwise results (a GEMM's output, a table).
// The producer loses that user, and strata-fuse-elementwise, which runs
// next, can then fuse it into its remaining consumers or drop it.
//
// Applies when the producer is all-parallel, writes one result through an
// identity map from no init values, reads its inputs through projected
// permutations, and has a small body (kMaxClonedOps). Must-not-apply: a
// reduction producer, or a gather from a function argument.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAGATHERTHROUGHELEMENTWISE
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// Ops in a producer's body beyond which a gather does not recompute it.
constexpr size_t kMaxClonedOps = 24;

/// The elementwise generic whose result `extract` reads, when its body can
/// be evaluated at one point.
linalg::GenericOp gatherableProducer(tensor::ExtractOp extract) {
  auto producer = extract.getTensor().getDefiningOp<linalg::GenericOp>();
  if (!producer || producer.getNumResults() != 1 ||
      producer.getNumLoops() != producer.getNumParallelLoops())
    return nullptr;
  OpOperand *out = producer.getDpsInitOperand(0);
  if (!producer.getMatchingIndexingMap(out).isIdentity() ||
      producer.payloadUsesValueFromOperand(out))
    return nullptr;
  for (OpOperand *input : producer.getDpsInputOperands())
    if (!producer.getMatchingIndexingMap(input).isProjectedPermutation() ||
        !isa<RankedTensorType>(input->get().getType()))
      return nullptr;
  Block &body = producer.getRegion().front();
  if (body.getOperations().size() > kMaxClonedOps)
    return nullptr;
  // Nothing in the body may read tensors of its own (a gather of a gather
  // is left to a later round, once its own extract has been rewritten).
  for (Operation &op : body.without_terminator())
    if (op.getNumRegions() != 0 || isa<tensor::ExtractOp>(op))
      return nullptr;
  return producer;
}

/// Replaces `extract` (reading `producer`'s result at indices I) by the
/// producer's body at I: each input extracted at its map applied to I.
void evaluateAt(tensor::ExtractOp extract, linalg::GenericOp producer) {
  OpBuilder b(extract);
  Location loc = extract.getLoc();
  ValueRange at = extract.getIndices();
  IRMapping values;
  Block &body = producer.getRegion().front();
  for (OpOperand *input : producer.getDpsInputOperands()) {
    SmallVector<Value> indices;
    for (AffineExpr e : producer.getMatchingIndexingMap(input).getResults())
      indices.push_back(at[cast<AffineDimExpr>(e).getPosition()]);
    values.map(producer.getMatchingBlockArgument(input),
               b.create<tensor::ExtractOp>(loc, input->get(), indices).getResult());
  }
  for (Operation &op : body.without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      values.map(index.getResult(), at[index.getDim()]);
      continue;
    }
    b.clone(op, values);
  }
  Value result = values.lookupOrDefault(cast<linalg::YieldOp>(body.getTerminator()).getOperand(0));
  extract.getResult().replaceAllUsesWith(result);
  extract.erase();
}

struct GatherThroughElementwisePass
    : public mlir::strata::impl::StrataGatherThroughElementwiseBase<GatherThroughElementwisePass> {
  void runOnOperation() override {
    // A rewritten extract may read another elementwise result: go again
    // until none does (each round moves every gather one producer back).
    for (bool changed = true; changed;) {
      changed = false;
      SmallVector<std::pair<tensor::ExtractOp, linalg::GenericOp>> work;
      getOperation().walk([&](tensor::ExtractOp extract) {
        if (!extract->getParentOfType<linalg::GenericOp>())
          return;
        if (linalg::GenericOp producer = gatherableProducer(extract))
          work.emplace_back(extract, producer);
      });
      for (auto [extract, producer] : work) {
        evaluateAt(extract, producer);
        if (producer->use_empty())
          producer->erase();
        changed = true;
      }
    }
  }
};

} // namespace
