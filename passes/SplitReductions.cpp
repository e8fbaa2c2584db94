//===- SplitReductions.cpp - innermost float reductions into vector lanes --===//
//
// A float sum over the innermost loop (a row's dot product, layer norm's
// mean, the gradient norm over the whole parameter arena) lowers to one
// chain of dependent adds: the CPU waits an add's latency per element, and
// LLVM may not reorder the chain without fast-math flags, so it stays scalar.
// This pass splits such a reduction of N elements into `lanes` partial
// results: element i goes to lane i mod lanes, the lanes are a parallel inner
// loop (vectorized), and a second, short reduction adds the lanes in order.
//
// The order of additions is fixed by the IR, not by the host's vector width
// or by fast-math choices in LLVM, so a program gives the same bits on every
// x86 or ARM host; only the split itself changes the rounding, once, against
// the serial order.
//
// On the GPU a reduction with few results (the gradient norm over the whole
// arena: one result) is one block per result, a few SMs of 132 walking
// millions of elements. There the split is `contiguous`: element i goes to
// chunk i / (extent / chunks), a chunk is a block that reads neighbouring
// elements, and the second reduction adds the chunks in a fixed order.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATASPLITREDUCTIONS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// How a pass instance splits: its options.
struct SplitPolicy {
  int64_t maxLanes, minElements, maxOutputs;
  bool contiguous;
};

/// The lane (or chunk) count for splitting `op`'s reduction, or 0 to leave
/// it serial: a single float reduction over the innermost loop whose extent
/// a lane count divides (at least two elements per lane), reading at least
/// `minElements` in all. Lanes are powers of two (vector widths); chunks
/// any divisor.
int64_t lanesFor(linalg::GenericOp op, const SplitPolicy &policy) {
  SmallVector<unsigned> reductionDims;
  op.getReductionDims(reductionDims);
  if (reductionDims.size() != 1 || reductionDims[0] != op.getNumLoops() - 1 ||
      op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics())
    return 0;
  if (!isa<FloatType>(getElementTypeOrSelf(op.getDpsInits()[0].getType())))
    return 0;
  SmallVector<Operation *, 4> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) || combiners.size() != 1)
    return 0;
  int64_t extent = op.getStaticLoopRanges().back();
  int64_t elements = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return 0;
    elements *= range;
  }
  if (elements < policy.minElements)
    return 0;
  if (policy.maxOutputs > 0 && elements / extent > policy.maxOutputs)
    return 0;
  for (int64_t lanes = policy.maxLanes; lanes >= 2; lanes = policy.contiguous ? lanes - 1 : lanes / 2)
    if (extent % lanes == 0 && extent / lanes >= 2)
      return lanes;
  return 0;
}

bool onlyProjectedPermutations(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(),
                      [](AffineMap map) { return map.isProjectedPermutation(); });
}

/// An input broadcast along a unit dimension ([B, 1, D] read at (b, 0, d))
/// is read through its collapsed form ([B, D] at (b, d)), so its map only
/// selects loops, as upstream's split needs.
void collapseBroadcastUnitDims(IRRewriter &rewriter, linalg::GenericOp op) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool changed = false;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand->get().getType());
    AffineMap map = maps[operand->getOperandNumber()];
    if (!type)
      continue;
    SmallVector<int64_t> dropped, keptShape;
    // Each kept dimension heads a group; a dropped one joins the group before
    // it, or, at the front, the first group.
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices leading;
    for (auto [position, expr] : llvm::enumerate(map.getResults())) {
      auto constant = dyn_cast<AffineConstantExpr>(expr);
      int64_t dim = static_cast<int64_t>(position);
      if (constant && constant.getValue() == 0 && type.getDimSize(dim) == 1) {
        dropped.push_back(dim);
        (groups.empty() ? leading : groups.back()).push_back(dim);
        continue;
      }
      keptShape.push_back(type.getDimSize(dim));
      groups.push_back(groups.empty() ? leading : ReassociationIndices{});
      groups.back().push_back(dim);
    }
    if (dropped.empty() || keptShape.empty())
      continue;
    rewriter.setInsertionPoint(op);
    auto collapsedType = RankedTensorType::get(keptShape, type.getElementType());
    Value collapsed = rewriter.create<tensor::CollapseShapeOp>(op.getLoc(), collapsedType,
                                                               operand->get(), groups);
    operand->set(collapsed);
    llvm::SmallBitVector drop(map.getNumResults());
    for (int64_t position : dropped)
      drop.set(position);
    maps[operand->getOperandNumber()] = map.dropResults(drop);
    changed = true;
  }
  if (changed)
    op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
}

/// index(split) of the original loop is index(split) * stride +
/// index(split + 1), where the stride is the inner loop's extent: the lane
/// count for lanes, the chunk's length for chunks.
void rebuildIndex(IRRewriter &rewriter, linalg::IndexOp index, int64_t innerExtent) {
  rewriter.setInsertionPointAfter(index);
  Location loc = index.getLoc();
  Value lane = rewriter.create<linalg::IndexOp>(loc, index.getDim() + 1);
  Value stride = rewriter.create<arith::ConstantIndexOp>(loc, innerExtent);
  Value block = rewriter.create<arith::MulIOp>(loc, index.getResult(), stride);
  Value original = rewriter.create<arith::AddIOp>(loc, block, lane);
  rewriter.replaceAllUsesExcept(index.getResult(), original, block.getDefiningOp());
}

struct SplitReductionsPass
    : public mlir::strata::impl::StrataSplitReductionsBase<SplitReductionsPass> {
  using StrataSplitReductionsBase::StrataSplitReductionsBase;

  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, int64_t>> candidates; // with their lane counts
    SplitPolicy policy{lanes, minElements, maxOutputs, contiguous};
    getOperation()->walk([&](linalg::GenericOp op) {
      if (int64_t ratio = lanesFor(op, policy); ratio > 0)
        candidates.push_back({op, ratio});
    });
    IRRewriter rewriter(&getContext());
    for (auto candidate : candidates) {
      // Plain locals: the control lambda below captures them.
      linalg::GenericOp op = candidate.first;
      int64_t ratio = candidate.second;
      collapseBroadcastUnitDims(rewriter, op);
      if (!onlyProjectedPermutations(op))
        continue;
      int64_t split = op.getNumLoops() - 1;
      int64_t innerExtent = contiguous ? op.getStaticLoopRanges()[split] / ratio : ratio;
      auto control = [&](linalg::LinalgOp) {
        linalg::SplitReductionOptions options;
        options.ratio = ratio;
        // The lanes (chunks) become the innermost dimension of the partial results.
        options.index = cast<ShapedType>(op.getDpsInits()[0].getType()).getRank();
        options.innerParallel = !contiguous;
        return options;
      };
      // The body moves into the split op unchanged; a read of the split
      // loop's index (a fused gather's column) is rebuilt from both halves.
      SmallVector<linalg::IndexOp> splitIndices;
      op.getRegion().walk([&](linalg::IndexOp index) {
        if (static_cast<int64_t>(index.getDim()) == split)
          splitIndices.push_back(index);
      });
      rewriter.setInsertionPoint(op);
      if (failed(linalg::splitReduction(rewriter, op, control))) {
        op.emitError("internal: cannot split this reduction into lanes");
        return signalPassFailure();
      }
      for (linalg::IndexOp index : splitIndices)
        rebuildIndex(rewriter, index, innerExtent);
    }
  }
};

} // namespace
