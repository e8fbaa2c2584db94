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
// Row groups. After a row reduction (P > 1), the reductions over the same
// loops and the elementwise ops over the same domain that follow it join its
// kernel, one after the other with a barrier between them, while every
// buffer two members share is accessed element for element: a layer norm
// (sum, sum of squares, normalize) or a softmax (max, sum of exponentials,
// divide) is one kernel that reads its row from cache after the first pass.
//
// Split rows. A reduction with few rows and long ones (batch norm's
// statistics: 32 channels of 512 x 28 x 28) would keep a few SMs busy and
// the rest idle. In a group of reductions only, each becomes two launches,
// in the group's order: blocks (row, part) combine contiguous parts of the
// rows into partials[row, part], enough parts for two waves of 132 SMs; then
// a block per row combines its partials in part order and stores as above.
//
// The order of the additions differs from the loop lowering (a tree instead
// of a left fold), so results differ in the last bits from the CPU back end.
//
//===----------------------------------------------------------------------===//

#include "BufferViews.h"
#include "Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAREDUCTIONKERNELS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// Blocks a split reduction aims for: two waves of an H100/H200's 132 SMs.
/// Each part keeps at least 1024 elements.
constexpr int64_t kSplitBlocks = 2 * 132;

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
  if (isa<arith::AddFOp, arith::AddIOp>(op)) return std::make_pair(gpu::AllReduceOperation::ADD, 0.0);
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
  if (llvm::any_of(op.getIndexingMapsArray(),
                   [](AffineMap m) { return !m.isProjectedPermutation(/*allowZeroInResults=*/true); }))
    return std::nullopt;
  if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return std::nullopt;
  Block &body = op.getRegion().front();
  BlockArgument out = body.getArguments().back();
  if (!isa<FloatType, IntegerType>(out.getType()) || !out.hasOneUse())
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

/// The operand indices that `map` (a projected permutation, possibly with
/// constant 0 results where a reshape added a unit dimension) picks from the
/// loop indices.
SmallVector<Value> pick(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> loopIndices) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e))
      indices.push_back(loopIndices[dim.getPosition()]);
    else
      indices.push_back(b.create<arith::ConstantIndexOp>(loc, cast<AffineConstantExpr>(e).getValue()));
  }
  return indices;
}

/// The loop structure of a reduction kernel: which loops are rows (one block
/// each) and which are reduced (strided over the block's threads).
struct RowSpace {
  SmallVector<int64_t> ranges;
  SmallVector<bool> isRow; // per loop
  SmallVector<int64_t> rowExtents, reducedExtents;
  int64_t rows = 1, reduced = 1;

  explicit RowSpace(linalg::GenericOp op) : ranges(op.getStaticLoopRanges()) {
    for (auto [extent, it] : llvm::zip(ranges, op.getIteratorTypesArray())) {
      bool row = it == utils::IteratorType::parallel;
      isRow.push_back(row);
      (row ? rowExtents : reducedExtents).push_back(extent);
      (row ? rows : reduced) *= extent;
    }
  }

  /// The loop indices of the element `r` of the row whose indices are
  /// `rowIndices`; without `r`, the reduced loops' entries are null (for a
  /// map that reads only the row loops, such as a reduction's output).
  SmallVector<Value> loopIndices(OpBuilder &b, Location loc, ArrayRef<Value> rowIndices, Value r = {}) const {
    SmallVector<Value> reducedIndices =
        r ? delinearize(b, loc, r, reducedExtents) : SmallVector<Value>(reducedExtents.size());
    SmallVector<Value> indices;
    const Value *nextRow = rowIndices.begin(), *nextReduced = reducedIndices.begin();
    for (bool row : isRow)
      indices.push_back(row ? *nextRow++ : *nextReduced++);
    return indices;
  }
};

/// One op of a row kernel: a reduction (with the fill folded into it, if
/// any) or an elementwise op over the same loops.
struct Member {
  linalg::GenericOp op;
  std::optional<Reduction> reduction;
  linalg::FillOp fill;
};

/// Every buffer access of a member: the root, the map over the member's
/// loops, whether it writes.
struct Access {
  Value root;
  Value value;
  AffineMap map;
  bool writes;
};

SmallVector<Access> accessesOf(linalg::GenericOp op) {
  SmallVector<Access> accesses;
  for (OpOperand &operand : op->getOpOperands())
    if (isa<MemRefType>(operand.get().getType()))
      accesses.push_back({rootOf(operand.get()), operand.get(), op.getMatchingIndexingMap(&operand),
                          op.isDpsInit(&operand)});
  return accesses;
}

/// Whether two accesses to one root touch, in every iteration, the same
/// element (so the thread that writes it is the thread that reads it, in
/// the same row): the same value through the same map, or a reshape that
/// adds unit dimensions read at index 0.
bool sameElement(const Access &a, const Access &b) {
  auto strip = [](const Access &x) {
    auto expand = x.value.getDefiningOp<memref::ExpandShapeOp>();
    if (!expand)
      return std::make_pair(x.value, x.map);
    // Drop the results at the unit dimensions the reshape added (read at 0).
    SmallVector<AffineExpr> kept;
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    for (auto [i, e] : llvm::enumerate(x.map.getResults())) {
      auto c = dyn_cast<AffineConstantExpr>(e);
      if (shape[i] == 1 && c && c.getValue() == 0 && expand.getSrcType().getRank() < (int64_t)shape.size())
        continue;
      kept.push_back(e);
    }
    if ((int64_t)kept.size() != expand.getSrcType().getRank())
      return std::make_pair(Value(), AffineMap());
    return std::make_pair(Value(expand.getSrc()), AffineMap::get(x.map.getNumDims(), 0, kept, x.map.getContext()));
  };
  auto [va, ma] = strip(a);
  auto [vb, mb] = strip(b);
  return va && va == vb && ma == mb;
}

struct ReductionKernelsPass : public mlir::strata::impl::StrataReductionKernelsBase<ReductionKernelsPass> {
  using StrataReductionKernelsBase::StrataReductionKernelsBase;

  void runOnOperation() override {
    SmallVector<SmallVector<Member>> groups;
    SmallVector<std::pair<Member, int64_t>> splits; // with their parts per row
    DenseSet<Operation *> grouped;
    for (Operation &op : getOperation().getBody().getOps()) {
      auto generic = dyn_cast<linalg::GenericOp>(op);
      if (!generic || grouped.contains(&op))
        continue;
      auto r = matchReduction(generic);
      if (!r)
        continue;
      RowSpace space(generic);
      if (space.reduced < minReduced && space.rows > 1)
        continue;
      SmallVector<Member> group = {Member{generic, r, fillBefore(generic)}};
      if (space.rows > 1)
        growRowGroup(group, space);
      // Few long rows: every member a reduction (each may read an earlier
      // one's result, which its own launches then follow), split one by one.
      bool onlyReductions = llvm::all_of(group, [](const Member &m) { return m.reduction.has_value(); });
      if (onlyReductions && space.rows > 1 && space.rows < splitBelowRows && space.reduced >= splitMinReduced) {
        int64_t parts = std::min((kSplitBlocks + space.rows - 1) / space.rows, space.reduced / 1024);
        if (parts >= 2) {
          for (Member &m : group) {
            splits.push_back({m, parts});
            grouped.insert(m.op);
          }
          continue;
        }
      }
      for (Member &m : group)
        grouped.insert(m.op);
      groups.push_back(std::move(group));
    }
    for (SmallVector<Member> &group : groups)
      lower(group);
    for (auto &[member, parts] : splits)
      lowerSplit(member, parts);
  }

  /// Adds the generics after the group's reduction that run over the same
  /// rows, so one block per row does them all: reductions with the same loops
  /// and elementwise ops over the same domain, as long as every buffer that
  /// two members share is accessed element for element (no block reads what
  /// another block writes). Views, constants, allocations and fills folded
  /// into a member may sit in between.
  static void growRowGroup(SmallVector<Member> &group, const RowSpace &space) {
    SmallVector<Access> seen = accessesOf(group.front().op);
    for (Operation *next = group.front().op->getNextNode(); next; next = next->getNextNode()) {
      if (next->hasTrait<OpTrait::IsTerminator>())
        return;
      if (touchesNoBuffer(next))
        continue;
      if (auto fill = dyn_cast<linalg::FillOp>(next)) {
        // Only the fill of the next reduction's output, folded into it.
        auto after = dyn_cast_or_null<linalg::GenericOp>(nextEffectful(fill));
        if (after && fillBefore(after) == fill && matchReduction(after))
          continue;
        return;
      }
      auto generic = dyn_cast<linalg::GenericOp>(next);
      if (!generic || !generic.hasPureBufferSemantics() || generic.getStaticLoopRanges() != space.ranges)
        return;
      std::optional<Reduction> r = matchReduction(generic);
      bool elementwise = generic.getNumLoops() == generic.getNumParallelLoops() &&
                         llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap m) {
                           return m.isProjectedPermutation(/*allowZeroInResults=*/true);
                         });
      if (r ? RowSpace(generic).isRow != space.isRow : !elementwise)
        return;
      SmallVector<Access> accesses = accessesOf(generic);
      seen.append(accesses); // its own accesses too: it may update a buffer in place
      for (const Access &a : accesses)
        for (const Access &b : seen)
          if (a.root == b.root && (a.writes || b.writes) && !sameElement(a, b))
            return;
      group.push_back(Member{generic, r, r ? fillBefore(generic) : nullptr});
    }
  }

  static Operation *nextEffectful(Operation *op) {
    Operation *next = op->getNextNode();
    while (next && touchesNoBuffer(next))
      next = next->getNextNode();
    return next;
  }

  void lower(MutableArrayRef<Member> group) {
    linalg::GenericOp first = group.front().op;
    Location loc = first.getLoc();
    RowSpace space(first);
    int64_t threads = std::min<int64_t>(space.rows == 1 ? 1024 : 256, (space.reduced + 31) / 32 * 32);

    // Everything between the members that the launch does not take moves
    // above it: views, constants, allocations.
    Operation *last = group.back().op;
    DenseSet<Operation *> taken;
    for (Member &m : group) {
      taken.insert(m.op);
      if (m.fill)
        taken.insert(m.fill);
    }
    Operation *insertBefore = group.front().fill ? group.front().fill.getOperation() : first.getOperation();
    for (Operation *op = first->getNextNode(); last != first && op != last;) {
      Operation *next = op->getNextNode();
      if (!taken.contains(op))
        op->moveBefore(insertBefore);
      op = next;
    }

    OpBuilder b(first);
    Value gridX = b.create<arith::ConstantIndexOp>(loc, space.rows);
    Value blockX = b.create<arith::ConstantIndexOp>(loc, threads);
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    auto launch = b.create<gpu::LaunchOp>(loc, gridX, one, one, blockX, one, one);
    b.setInsertionPointToEnd(&launch.getBody().front());
    auto terminator = b.create<gpu::TerminatorOp>(loc);
    b.setInsertionPoint(terminator);

    Value tid = launch.getThreadIds().x;
    SmallVector<Value> rowIndices = delinearize(b, loc, launch.getBlockIds().x, space.rowExtents);
    Value count = b.create<arith::ConstantIndexOp>(loc, space.reduced);
    for (auto [i, m] : llvm::enumerate(group)) {
      // Thread 0's store of a reduction, and every thread's elementwise
      // stores, are read by other threads of the block in later members.
      if (i > 0)
        b.create<gpu::BarrierOp>(loc);
      if (m.reduction)
        emitReduction(b, *m.reduction, m.fill, space, rowIndices, tid, blockX, count);
      else
        emitElementwise(b, m.op, space, rowIndices, tid, blockX, count);
    }
    for (Member &m : group) {
      m.op->erase();
      if (m.fill)
        m.fill->erase();
    }
    if (space.rows == 1)
      absorbScalarTail(launch, b);
  }

  /// Strided partials, gpu.all_reduce, thread 0 combines with the initial
  /// value (the fill's, or the output's) and stores.
  static void emitReduction(OpBuilder &b, const Reduction &r, linalg::FillOp fill, const RowSpace &space,
                            ArrayRef<Value> rowIndices, Value tid, Value step, Value count) {
    Value zero = b.create<arith::ConstantIndexOp>(r.combiner->getLoc(), 0);
    Value total = blockTotal(b, r, space, rowIndices, zero, count, tid, step);
    storeCombined(b, r, fill, space, rowIndices, tid, total);
  }

  static Value identityOf(OpBuilder &b, const Reduction &r) {
    Type element = r.contribution.getType();
    TypedAttr identityAttr = isa<FloatType>(element)
                                 ? TypedAttr(b.getFloatAttr(element, r.identity))
                                 : TypedAttr(b.getIntegerAttr(element, static_cast<int64_t>(r.identity)));
    return b.create<arith::ConstantOp>(r.combiner->getLoc(), identityAttr);
  }

  /// The block's combination of the row's reduced elements [begin, end):
  /// each thread's strided partial, then gpu.all_reduce.
  static Value blockTotal(OpBuilder &b, const Reduction &r, const RowSpace &space, ArrayRef<Value> rowIndices,
                          Value begin, Value end, Value tid, Value step) {
    linalg::GenericOp op = r.op;
    Location loc = op.getLoc();
    Value first = isConstantIntValue(begin, 0) ? tid : b.create<arith::AddIOp>(loc, begin, tid).getResult();
    auto loop = b.create<scf::ForOp>(loc, first, end, step, ValueRange{identityOf(b, r)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> loopIndices = space.loopIndices(b, loc, rowIndices, loop.getInductionVar());
      Value contribution = cloneBody(b, op, r.combiner, loopIndices).lookup(r.contribution);
      b.create<scf::YieldOp>(loc, combine(b, r, loop.getRegionIterArg(0), contribution));
    }
    return b.create<gpu::AllReduceOp>(loc, loop.getResult(0),
                                      gpu::AllReduceOperationAttr::get(b.getContext(), r.kind),
                                      /*uniform=*/true);
  }

  /// The reduction's combiner applied to an accumulator and a contribution.
  static Value combine(OpBuilder &b, const Reduction &r, Value accumulator, Value contribution) {
    IRMapping mapping;
    mapping.map(r.combiner->getBlock()->getArguments().back(), accumulator);
    mapping.map(r.contribution, contribution);
    return b.clone(*r.combiner, mapping)->getResult(0);
  }

  /// Thread 0 combines `total` with the output's initial value (the fill's
  /// constant, or the old element) and stores it.
  static void storeCombined(OpBuilder &b, const Reduction &r, linalg::FillOp fill, const RowSpace &space,
                            ArrayRef<Value> rowIndices, Value tid, Value total) {
    linalg::GenericOp op = r.op;
    Location loc = op.getLoc();
    Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
    Value isFirst = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, zero);
    auto ifFirst = b.create<scf::IfOp>(loc, isFirst, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifFirst.thenBlock()->getTerminator());
    OpOperand *init = op.getDpsInitOperand(0);
    SmallVector<Value> outIndices =
        pick(b, loc, op.getMatchingIndexingMap(init), space.loopIndices(b, loc, rowIndices));
    Value old = fill ? fill.getInputs().front()
                     : b.create<memref::LoadOp>(loc, init->get(), outIndices).getResult();
    b.create<memref::StoreOp>(loc, combine(b, r, old, total), init->get(), outIndices);
  }

  /// A lone reduction over few rows (fewer than `splitBelowRows`) and many
  /// elements each, split across blocks: launch 1 has `parts` blocks per
  /// row, each combining a contiguous part of the row into partials[row,
  /// part]; launch 2 has a block per row that combines the row's partials in
  /// part order with the initial value and stores.
  static void lowerSplit(Member &m, int64_t parts) {
    const Reduction &r = *m.reduction;
    linalg::GenericOp op = m.op;
    Location loc = op.getLoc();
    RowSpace space(op);
    OpBuilder b(m.fill ? m.fill.getOperation() : op.getOperation());
    auto index = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v).getResult(); };
    Value partials =
        b.create<memref::AllocOp>(loc, MemRefType::get({space.rows, parts}, r.contribution.getType()));
    Value one = index(1);
    int64_t chunk = (space.reduced + parts - 1) / parts;
    {
      int64_t threads = 256;
      Value blockX = index(threads);
      auto launch = b.create<gpu::LaunchOp>(loc, index(space.rows * parts), one, one, blockX, one, one);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(&launch.getBody().front());
      auto terminator = b.create<gpu::TerminatorOp>(loc);
      b.setInsertionPoint(terminator);
      Value block = launch.getBlockIds().x, tid = launch.getThreadIds().x;
      Value row = b.create<arith::DivUIOp>(loc, block, index(parts));
      Value part = b.create<arith::RemUIOp>(loc, block, index(parts));
      SmallVector<Value> rowIndices = delinearize(b, loc, row, space.rowExtents);
      Value begin = b.create<arith::MulIOp>(loc, part, index(chunk));
      Value end = b.create<arith::MinUIOp>(loc, b.create<arith::AddIOp>(loc, begin, index(chunk)),
                                           index(space.reduced));
      Value total = blockTotal(b, r, space, rowIndices, begin, end, tid, blockX);
      auto ifFirst = b.create<scf::IfOp>(loc, b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, index(0)),
                                         /*withElseRegion=*/false);
      b.setInsertionPoint(ifFirst.thenBlock()->getTerminator());
      b.create<memref::StoreOp>(loc, total, partials, ValueRange{row, part});
    }
    {
      int64_t threads = std::min<int64_t>(256, (parts + 31) / 32 * 32);
      Value blockX = index(threads);
      auto launch = b.create<gpu::LaunchOp>(loc, index(space.rows), one, one, blockX, one, one);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(&launch.getBody().front());
      auto terminator = b.create<gpu::TerminatorOp>(loc);
      b.setInsertionPoint(terminator);
      Value row = launch.getBlockIds().x, tid = launch.getThreadIds().x;
      auto loop = b.create<scf::ForOp>(loc, tid, index(parts), blockX, ValueRange{identityOf(b, r)});
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(loop.getBody());
        Value partial = b.create<memref::LoadOp>(loc, partials, ValueRange{row, loop.getInductionVar()});
        b.create<scf::YieldOp>(loc, combine(b, r, loop.getRegionIterArg(0), partial));
      }
      Value total = b.create<gpu::AllReduceOp>(loc, loop.getResult(0),
                                               gpu::AllReduceOperationAttr::get(b.getContext(), r.kind),
                                               /*uniform=*/true);
      storeCombined(b, r, m.fill, space, delinearize(b, loc, row, space.rowExtents), tid, total);
    }
    op->erase();
    if (m.fill)
      m.fill->erase();
  }

  /// Every thread computes its strided elements of the row and stores them.
  static void emitElementwise(OpBuilder &b, linalg::GenericOp op, const RowSpace &space,
                              ArrayRef<Value> rowIndices, Value tid, Value step, Value count) {
    Location loc = op.getLoc();
    auto loop = b.create<scf::ForOp>(loc, tid, count, step);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    SmallVector<Value> loopIndices = space.loopIndices(b, loc, rowIndices, loop.getInductionVar());
    IRMapping mapping = cloneBody(b, op, nullptr, loopIndices);
    auto yield = cast<linalg::YieldOp>(op.getRegion().front().getTerminator());
    for (auto [value, init] : llvm::zip(yield.getOperands(), op.getDpsInitsMutable()))
      b.create<memref::StoreOp>(loc, mapping.lookupOrDefault(value), init.get(),
                                pick(b, loc, op.getMatchingIndexingMap(&init), loopIndices));
  }

  /// Loads the inputs at `loopIndices` and clones the body except `skip` (a
  /// reduction's combiner) and the terminator; returns the value mapping.
  static IRMapping cloneBody(OpBuilder &b, linalg::GenericOp op, Operation *skip, ArrayRef<Value> loopIndices) {
    Location loc = op.getLoc();
    Block &body = op.getRegion().front();
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value v = input->get();
      if (isa<MemRefType>(v.getType()))
        v = b.create<memref::LoadOp>(loc, v, pick(b, loc, op.getMatchingIndexingMap(input), loopIndices));
      mapping.map(body.getArgument(input->getOperandNumber()), v);
    }
    for (Operation &inner : body.without_terminator()) {
      if (&inner == skip)
        continue;
      if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
        mapping.map(index.getResult(), loopIndices[index.getDim()]);
        continue;
      }
      b.clone(inner, mapping);
    }
    return mapping;
  }

  /// Moves the 0-d linalg ops that follow `launch` into thread 0's branch,
  /// after the result is stored. Side-effect-free ops and allocations in
  /// between move above the launch (they cannot depend on it: it has no
  /// results).
  static void absorbScalarTail(gpu::LaunchOp launch, OpBuilder &b) {
    Block &body = launch.getBody().front();
    auto ifFirst = std::prev(body.end(), 2); // the last scf.if, before the terminator
    auto branch = cast<scf::IfOp>(*ifFirst);
    Operation *into = branch.thenBlock()->getTerminator();
    Operation *next = launch->getNextNode();
    while (next && !next->hasTrait<OpTrait::IsTerminator>()) {
      Operation *after = next->getNextNode();
      if (isScalarLinalg(next)) {
        next->moveBefore(into);
      } else if (touchesNoBuffer(next)) {
        next->moveBefore(launch);
      } else {
        break;
      }
      next = after;
    }
  }
};

} // namespace
