//===- GroupSiblingLoops.cpp - independent loops of one shape side by side -===//
//
// Multi-head attention lays out queries, keys and values as [B, H, S, D] for
// its batched GEMMs, so each projection's output goes through a permuting
// copy: three copies, each between the GEMM that feeds it and the next
// projection's GEMM. scf-parallel-loop-fusion only merges adjacent loops, so
// each copy would be a kernel of its own. This pass moves every top-level
// scf.parallel down to the next one with the same iteration space when no op
// in between reads what it writes or writes what it touches; the fusion pass
// then decides, with its own dependence check, whether the two become one
// kernel. A loop whose output feeds the op right after it cannot go down;
// there the next sibling comes up to it instead, with the allocation and
// views it uses (the backward pass's three copies, each feeding a GEMM).
//
// Buffers are told apart by the allocation (or function argument) their views
// come from; distinct function arguments are distinct arenas. A library call
// reads and writes every buffer it is given. An op whose effects are unknown
// stops the move. Loops go down last to first, so a loop moved next to its
// sibling carries the siblings before it along; then up, first to last.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAGROUPSIBLINGLOOPS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;

namespace {

/// The allocation or function argument a memref view is taken from.
Value bufferOf(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// The buffers an op (with everything nested in it) reads and writes.
struct Accesses {
  llvm::DenseSet<Value> reads, writes;
  bool known = true;

  void addCall(func::CallOp call) {
    for (Value operand : call.getOperands())
      if (isa<MemRefType>(operand.getType())) {
        reads.insert(bufferOf(operand));
        writes.insert(bufferOf(operand));
      }
  }

  void addEffects(MemoryEffectOpInterface op) {
    SmallVector<MemoryEffects::EffectInstance> effects;
    op.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects) {
      Value value = effect.getValue();
      if (!value) {
        known = false;
        return;
      }
      if (isa<MemoryEffects::Read>(effect.getEffect()))
        reads.insert(bufferOf(value));
      else if (!isa<MemoryEffects::Allocate>(effect.getEffect()))
        writes.insert(bufferOf(value)); // Write or Free
    }
  }

  static Accesses of(Operation *root) {
    Accesses accesses;
    root->walk([&](Operation *op) {
      if (auto call = dyn_cast<func::CallOp>(op))
        accesses.addCall(call);
      else if (auto effects = dyn_cast<MemoryEffectOpInterface>(op))
        accesses.addEffects(effects);
      else if (!op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        accesses.known = false;
      return accesses.known ? WalkResult::advance() : WalkResult::interrupt();
    });
    return accesses;
  }

  bool intersects(const llvm::DenseSet<Value> &a, const llvm::DenseSet<Value> &b) const {
    for (Value v : a)
      if (b.contains(v))
        return true;
    return false;
  }

  /// Whether `other` may run after these accesses instead of before them.
  bool commutesWith(const Accesses &other) const {
    return known && other.known && !intersects(writes, other.reads) && !intersects(writes, other.writes) &&
           !intersects(reads, other.writes);
  }
};

bool hasNestedLoop(scf::ParallelOp loop) {
  return loop.getBody()
      ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

bool sameIterationSpace(scf::ParallelOp a, scf::ParallelOp b) {
  return a.getLowerBound() == b.getLowerBound() && a.getUpperBound() == b.getUpperBound() &&
         a.getStep() == b.getStep();
}

bool isSibling(Operation *op, scf::ParallelOp loop) {
  auto other = dyn_cast<scf::ParallelOp>(op);
  return other && !hasNestedLoop(other) && sameIterationSpace(loop, other);
}

/// An op with no memory effects and no regions: any loop may pass it.
bool movesFreely(Operation *op) { return isMemoryEffectFree(op) && op->getNumRegions() == 0; }

/// The next loop after `loop` in its block with its iteration space, when
/// every op up to it commutes with `loop`; null otherwise.
scf::ParallelOp siblingBelow(scf::ParallelOp loop) {
  Accesses moved = Accesses::of(loop);
  for (Operation *op = loop->getNextNode(); op; op = op->getNextNode()) {
    if (isSibling(op, loop))
      return cast<scf::ParallelOp>(op);
    if (!movesFreely(op) && !moved.commutesWith(Accesses::of(op)))
      return {};
  }
  return {};
}

/// The previous loop before `loop` in its block with its iteration space,
/// when every op in between either commutes with `loop` or defines a value
/// it needs and can move up with it (a pure op or an allocation); those ops
/// go to `carried`, in program order.
scf::ParallelOp siblingAbove(scf::ParallelOp loop, SmallVectorImpl<Operation *> &carried) {
  Accesses moved = Accesses::of(loop);
  llvm::SetVector<Value> needed;
  getUsedValuesDefinedAbove(loop.getRegion(), needed);
  needed.insert(loop->operand_begin(), loop->operand_end());
  for (Operation *op = loop->getPrevNode(); op; op = op->getPrevNode()) {
    if (isSibling(op, loop)) {
      std::reverse(carried.begin(), carried.end());
      return cast<scf::ParallelOp>(op);
    }
    bool isNeeded = llvm::any_of(op->getResults(), [&](Value v) { return needed.contains(v); });
    if (isNeeded) {
      if (!movesFreely(op) && !isa<memref::AllocOp>(op))
        return {};
      carried.push_back(op);
      needed.insert(op->operand_begin(), op->operand_end());
    } else if (!movesFreely(op) && !moved.commutesWith(Accesses::of(op))) {
      return {};
    }
  }
  return {};
}

SmallVector<scf::ParallelOp> topLevelLoops(func::FuncOp func) {
  SmallVector<scf::ParallelOp> loops;
  for (Block &block : func.getBody())
    for (Operation &op : block)
      if (auto loop = dyn_cast<scf::ParallelOp>(op); loop && !hasNestedLoop(loop))
        loops.push_back(loop);
  return loops;
}

struct GroupSiblingLoopsPass : public mlir::strata::impl::StrataGroupSiblingLoopsBase<GroupSiblingLoopsPass> {
  void runOnOperation() override {
    // Down first, last loop first: a copy goes past the GEMMs it does not
    // feed to the next copy, taking the copies before it along.
    SmallVector<scf::ParallelOp> loops = topLevelLoops(getOperation());
    for (scf::ParallelOp loop : llvm::reverse(loops))
      if (scf::ParallelOp sibling = siblingBelow(loop); sibling && sibling != loop->getNextNode())
        loop->moveBefore(sibling);
    // Then up, first loop first: a copy whose output feeds the GEMM right
    // after it cannot go down, but the next copy may come up to it, with the
    // allocation and views it uses.
    loops = topLevelLoops(getOperation());
    for (scf::ParallelOp loop : loops) {
      SmallVector<Operation *> carried;
      scf::ParallelOp sibling = siblingAbove(loop, carried);
      if (!sibling || sibling == loop->getPrevNode())
        continue;
      // What it carries goes above the run of siblings ending at `sibling`:
      // an allocation between two loops would keep the fusion pass from
      // merging them.
      Operation *runStart = sibling;
      while (runStart->getPrevNode() && isSibling(runStart->getPrevNode(), loop))
        runStart = runStart->getPrevNode();
      for (Operation *op : carried)
        op->moveBefore(runStart);
      loop->moveAfter(sibling);
    }
  }
};

} // namespace
