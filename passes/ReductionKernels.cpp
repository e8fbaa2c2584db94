//===- ReductionKernels.cpp - reductions as block-per-output GPU kernels ---===//
//
// convert-linalg-to-parallel-loops turns a reduction into parallel loops over
// its outputs around a sequential loop that accumulates through memory: a
// bias gradient is one thread per column walking 256 rows, and a loss (no
// parallel dimension at all) ends up in a one-thread kernel. This pass lowers
// such reductions itself, before that conversion:
//
//   gpu.launch blocks(P) threads(T)       // P outputs, R reduced elements
//     p   = block id, delinearized over the parallel loops
//     acc = scf.for r = tid to R step T   // strided: neighbouring threads
//             acc' = comb(acc, f(ins at (p, r)))   // read neighbouring elements
//     total = gpu.all_reduce comb acc     // warp shuffles + shared memory
//     if tid == 0: out[p] = comb(init, total)
//
// `f` is the generic's body without its combiner. `init` is the output's old
// value, or the constant of a fill of the output right before the reduction
// (the fill is then dropped: one kernel fewer). After a full reduction
// (P = 1), the 0-d linalg ops that follow it (scaling the loss, seeding its
// gradient) move into thread 0 of the same kernel.
//
// The order of the additions differs from the loop lowering (a tree instead
// of a left fold), so results differ in the last bits from the CPU back end.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAREDUCTIONKERNELS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// A reduction generic: `out = combiner(out, contribution)` per iteration.
struct Reduction {
  linalg::GenericOp op;
  Operation *combiner;
  Value contribution; // defined in the body, from the inputs only
  gpu::AllReduceOperation kind;
  double identity;
};

std::optional<std::pair<gpu::AllReduceOperation, double>> combinerKind(Operation *op) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (isa<arith::AddFOp>(op)) return std::make_pair(gpu::AllReduceOperation::ADD, 0.0);
  if (isa<arith::MulFOp>(op)) return std::make_pair(gpu::AllReduceOperation::MUL, 1.0);
  if (isa<arith::MaximumFOp>(op)) return std::make_pair(gpu::AllReduceOperation::MAXIMUMF, -inf);
  if (isa<arith::MinimumFOp>(op)) return std::make_pair(gpu::AllReduceOperation::MINIMUMF, inf);
  if (isa<arith::MaxNumFOp>(op)) return std::make_pair(gpu::AllReduceOperation::MAXNUMF, -inf);
  if (isa<arith::MinNumFOp>(op)) return std::make_pair(gpu::AllReduceOperation::MINNUMF, inf);
  return std::nullopt;
}

std::optional<Reduction> matchReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0)
    return std::nullopt;
  if (llvm::any_of(op.getIndexingMapsArray(), [](AffineMap m) { return !m.isProjectedPermutation(); }))
    return std::nullopt;
  if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return std::nullopt;
  Block &body = op.getRegion().front();
  BlockArgument out = body.getArguments().back();
  if (!isa<FloatType>(out.getType()) || !out.hasOneUse())
    return std::nullopt;
  Operation *combiner = *out.getUsers().begin();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (combiner->getNumOperands() != 2 || yield->getOperand(0).getDefiningOp() != combiner)
    return std::nullopt;
  auto kind = combinerKind(combiner);
  if (!kind)
    return std::nullopt;
  Value contribution = combiner->getOperand(0) == out ? combiner->getOperand(1) : combiner->getOperand(0);
  if (contribution == out)
    return std::nullopt;
  return Reduction{op, combiner, contribution, kind->first, kind->second};
}

/// The fill of the reduction's output right before it (only side-effect-free
/// ops in between), or null.
linalg::FillOp fillBefore(linalg::GenericOp op) {
  Value out = op.getDpsInitOperand(0)->get();
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (isMemoryEffectFree(prev) && prev->getNumRegions() == 0)
      continue;
    auto fill = dyn_cast<linalg::FillOp>(prev);
    return fill && fill.getOutputs().front() == out ? fill : nullptr;
  }
  return nullptr;
}

/// 0-d buffer code: a linalg op whose operands are all scalars or 0-d memrefs.
bool isScalarLinalg(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.hasPureBufferSemantics() && llvm::all_of(op->getOperands(), [](Value v) {
           auto m = dyn_cast<MemRefType>(v.getType());
           return !m || m.getRank() == 0;
         });
}

/// Row-major indices of `linear` over `extents`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> extents) {
  SmallVector<Value> indices(extents.size());
  for (int i = static_cast<int>(extents.size()) - 1; i >= 0; --i) {
    Value extent = b.create<arith::ConstantIndexOp>(loc, extents[i]);
    indices[i] = i == 0 ? linear : b.create<arith::RemUIOp>(loc, linear, extent).getResult();
    if (i > 0)
      linear = b.create<arith::DivUIOp>(loc, linear, extent);
  }
  return indices;
}

/// The operand indices that `map` (a projected permutation) picks from the loop indices.
SmallVector<Value> pick(AffineMap map, ArrayRef<Value> loopIndices) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults())
    indices.push_back(loopIndices[cast<AffineDimExpr>(e).getPosition()]);
  return indices;
}

struct ReductionKernelsPass : public mlir::strata::impl::StrataReductionKernelsBase<ReductionKernelsPass> {
  using StrataReductionKernelsBase::StrataReductionKernelsBase;

  void runOnOperation() override {
    SmallVector<Reduction> reductions;
    for (Operation &op : getOperation().getBody().getOps())
      if (auto generic = dyn_cast<linalg::GenericOp>(op))
        if (auto r = matchReduction(generic))
          reductions.push_back(*r);
    for (Reduction &r : reductions)
      lower(r);
  }

  void lower(Reduction &r) {
    linalg::GenericOp op = r.op;
    Location loc = op.getLoc();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    SmallVector<int64_t> parallelExtents, reducedExtents;
    int64_t outputs = 1, reduced = 1;
    for (auto [extent, it] : llvm::zip(ranges, iterators)) {
      bool isParallel = it == utils::IteratorType::parallel;
      (isParallel ? parallelExtents : reducedExtents).push_back(extent);
      (isParallel ? outputs : reduced) *= extent;
    }
    if (reduced < minReduced && outputs > 1)
      return;
    int64_t threads = std::min<int64_t>(outputs == 1 ? 1024 : 256, (reduced + 31) / 32 * 32);

    linalg::FillOp fill = fillBefore(op);
    OpBuilder b(op);
    Value gridX = b.create<arith::ConstantIndexOp>(loc, outputs);
    Value blockX = b.create<arith::ConstantIndexOp>(loc, threads);
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    auto launch = b.create<gpu::LaunchOp>(loc, gridX, one, one, blockX, one, one);
    b.setInsertionPointToEnd(&launch.getBody().front());
    auto terminator = b.create<gpu::TerminatorOp>(loc);
    b.setInsertionPoint(terminator);

    Value tid = launch.getThreadIds().x;
    SmallVector<Value> parallelIndices = delinearize(b, loc, launch.getBlockIds().x, parallelExtents);
    Type element = r.contribution.getType();
    Value identity = b.create<arith::ConstantOp>(loc, b.getFloatAttr(element, r.identity));
    Value reducedCount = b.create<arith::ConstantIndexOp>(loc, reduced);
    auto loop = b.create<scf::ForOp>(loc, tid, reducedCount, blockX, ValueRange{identity});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> reducedIndices = delinearize(b, loc, loop.getInductionVar(), reducedExtents);
      SmallVector<Value> loopIndices;
      auto nextParallel = parallelIndices.begin(), nextReduced = reducedIndices.begin();
      for (utils::IteratorType it : iterators)
        loopIndices.push_back(it == utils::IteratorType::parallel ? *nextParallel++ : *nextReduced++);
      Value contribution = cloneBody(b, r, loopIndices);
      IRMapping combine;
      combine.map(op.getRegion().front().getArguments().back(), loop.getRegionIterArg(0));
      combine.map(r.contribution, contribution);
      b.create<scf::YieldOp>(loc, b.clone(*r.combiner, combine)->getResult(0));
    }
    auto total = b.create<gpu::AllReduceOp>(loc, loop.getResult(0),
                                            gpu::AllReduceOperationAttr::get(b.getContext(), r.kind),
                                            /*uniform=*/true);
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    Value first = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, zero);
    auto ifFirst = b.create<scf::IfOp>(loc, first, /*withElseRegion=*/false);
    b.setInsertionPoint(ifFirst.thenBlock()->getTerminator());
    OpOperand *init = op.getDpsInitOperand(0);
    SmallVector<Value> outIndices;
    for (Value v : pick(op.getMatchingIndexingMap(init), parallelIndicesInLoopOrder(op, parallelIndices)))
      outIndices.push_back(v);
    Value old = fill ? fill.getInputs().front()
                     : b.create<memref::LoadOp>(loc, init->get(), outIndices).getResult();
    IRMapping finish;
    finish.map(op.getRegion().front().getArguments().back(), old);
    finish.map(r.contribution, total.getResult());
    Value result = b.clone(*r.combiner, finish)->getResult(0);
    b.create<memref::StoreOp>(loc, result, init->get(), outIndices);
    op->erase();
    if (fill)
      fill->erase();
    if (outputs == 1)
      absorbScalarTail(launch, b);
  }

  /// The loop indices with only the parallel positions set (the output map
  /// reads no reduced loop).
  static SmallVector<Value> parallelIndicesInLoopOrder(linalg::GenericOp op, ArrayRef<Value> parallelIndices) {
    SmallVector<Value> indices;
    auto next = parallelIndices.begin();
    for (utils::IteratorType it : op.getIteratorTypesArray())
      indices.push_back(it == utils::IteratorType::parallel ? *next++ : Value());
    return indices;
  }

  /// Loads the inputs at `loopIndices` and clones the body up to (not
  /// including) the combiner; returns the contribution.
  static Value cloneBody(OpBuilder &b, const Reduction &r, ArrayRef<Value> loopIndices) {
    linalg::GenericOp op = r.op;
    Location loc = op.getLoc();
    Block &body = op.getRegion().front();
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value v = input->get();
      BlockArgument arg = body.getArgument(input->getOperandNumber());
      if (isa<MemRefType>(v.getType()))
        v = b.create<memref::LoadOp>(loc, v, pick(op.getMatchingIndexingMap(input), loopIndices));
      mapping.map(arg, v);
    }
    for (Operation &inner : body.without_terminator()) {
      if (&inner == r.combiner)
        continue;
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        mapping.map(index.getResult(), loopIndices[index.getDim()]);
        continue;
      }
      b.clone(inner, mapping);
    }
    return mapping.lookup(r.contribution);
  }

  /// Moves the 0-d linalg ops that follow `launch` into thread 0's branch,
  /// after the result is stored. Side-effect-free ops and allocations in
  /// between move above the launch (they cannot depend on it: it has no
  /// results).
  static void absorbScalarTail(gpu::LaunchOp launch, OpBuilder &b) {
    Operation *next = launch->getNextNode();
    while (next && !next->hasTrait<OpTrait::IsTerminator>()) {
      Operation *after = next->getNextNode();
      if (isScalarLinalg(next)) {
        next->moveBefore(b.getInsertionBlock(), b.getInsertionPoint());
      } else if (isa<memref::AllocOp>(next) || isMemoryEffectFree(next) && next->getNumRegions() == 0) {
        next->moveBefore(launch);
      } else {
        break;
      }
      next = after;
    }
  }
};

} // namespace
