//===- VectorizeElementwise.cpp - four elements per GPU thread ------------===//
//
// After strata-flatten-parallel-loops an elementwise kernel is one
// scf.parallel over the linear index k in [0, N). When N is a multiple of 4,
// this pass makes each iteration handle k = 4g ... 4g + 3 with vector<4xT>
// values, so that every load and store of the innermost, contiguous
// dimension is one 16-byte access (ld.global.v4.f32 once the kernel's
// arguments are known to be 16-byte aligned: strata-assume-kernel-alignment).
//
// Each index value of the body is classified for the four lanes:
//   uniform     the same in all four: values from outside the loop, k / C
//               with C a multiple of 4, and what only such values compute;
//   contiguous  base, base + 1, base + 2, base + 3: k itself, k % C with C a
//               multiple of 4, and a contiguous value plus a uniform one;
//               "aligned" when base is a multiple of 4;
//   vector      anything else, as a vector<4xT>.
// A load or store whose last index is aligned contiguous and whose others
// are uniform, in a memref with unit innermost stride and static offset and
// strides that are multiples of 4, becomes vector.load / vector.store; a
// load with only uniform indices stays one scalar load. Elementwise ops
// (arith, math) on uniform operands stay scalar and otherwise work on
// vectors, uniform operands broadcast. Anything else in the body (a store
// whose four lanes would hit one address, a nested region, a call) leaves
// the loop as it was: the pass builds the new loop beside the old one and
// keeps whichever is valid.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAVECTORIZEELEMENTWISE
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;

namespace {

constexpr int64_t kWidth = 4;

enum class LaneKind { Uniform, Contiguous, Vector };

/// One scalar value of the old body in the new one, for four lanes.
struct Lanes {
  LaneKind kind = LaneKind::Uniform;
  Value value;          // uniform: the value; contiguous: lane 0's; vector: vector<4xT>
  bool aligned = false; // contiguous only: lane 0's value is a multiple of 4
};

std::optional<int64_t> constantIndex(Value v) {
  APInt value;
  if (matchPattern(v, m_ConstantInt(&value)))
    return value.getSExtValue();
  return std::nullopt;
}

/// Builds the four-lane body of one loop; fails (leaving the caller to erase
/// what it built) on anything it cannot vectorize.
class LaneBuilder {
public:
  LaneBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  void mapUniform(Value old, Value now) { lanes[old] = {LaneKind::Uniform, now, false}; }
  void mapContiguous(Value old, Value base, bool aligned) { lanes[old] = {LaneKind::Contiguous, base, aligned}; }

  LogicalResult build(Operation &op) {
    if (auto load = dyn_cast<memref::LoadOp>(op))
      return buildLoad(load);
    if (auto store = dyn_cast<memref::StoreOp>(op))
      return buildStore(store);
    if (op.getNumRegions() != 0)
      return failure();
    if (op.hasTrait<OpTrait::ConstantLike>() && op.getNumOperands() == 0) {
      Operation *copy = b.clone(op);
      for (auto [old, now] : llvm::zip(op.getResults(), copy->getResults()))
        mapUniform(old, now);
      return success();
    }
    if (!op.hasTrait<OpTrait::Elementwise>() || !isMemoryEffectFree(&op))
      return failure();
    if (succeeded(buildIndexArithmetic(op)))
      return success();
    return buildElementwise(op);
  }

private:
  OpBuilder &b;
  Location loc;
  DenseMap<Value, Lanes> lanes;

  Lanes lookup(Value old) {
    auto it = lanes.find(old);
    return it != lanes.end() ? it->second : Lanes{LaneKind::Uniform, old, false}; // defined outside
  }

  VectorType vectorOf(Type scalar) { return VectorType::get({kWidth}, scalar); }

  /// `l` as a vector<4xT>: a broadcast, or base + [0, 1, 2, 3].
  Value asVector(const Lanes &l) {
    if (l.kind == LaneKind::Vector)
      return l.value;
    Value splat = b.create<vector::SplatOp>(loc, vectorOf(l.value.getType()), l.value);
    if (l.kind == LaneKind::Uniform)
      return splat;
    auto steps = DenseElementsAttr::get(vectorOf(b.getIndexType()), ArrayRef<int64_t>{0, 1, 2, 3});
    Value offsets = b.create<arith::ConstantOp>(loc, steps);
    return b.create<arith::AddIOp>(loc, splat, offsets);
  }

  /// Whether uniform `v` (of the new body or from outside) is a multiple of 4.
  bool multipleOfWidth(Value v) {
    if (auto c = constantIndex(v))
      return *c % kWidth == 0;
    if (auto mul = v.getDefiningOp<arith::MulIOp>())
      return multipleOfWidth(mul.getLhs()) || multipleOfWidth(mul.getRhs());
    return false;
  }

  /// k / C, k % C (C a multiple of 4) and contiguous + uniform keep their
  /// lane structure; other index arithmetic is left to buildElementwise.
  LogicalResult buildIndexArithmetic(Operation &op) {
    if (op.getNumOperands() != 2 || op.getNumResults() != 1 || !op.getResult(0).getType().isIndex())
      return failure();
    Lanes lhs = lookup(op.getOperand(0)), rhs = lookup(op.getOperand(1));
    if (isa<arith::AddIOp>(op) && (lhs.kind == LaneKind::Contiguous) != (rhs.kind == LaneKind::Contiguous) &&
        lhs.kind != LaneKind::Vector && rhs.kind != LaneKind::Vector) {
      const Lanes &run = lhs.kind == LaneKind::Contiguous ? lhs : rhs;
      const Lanes &shift = lhs.kind == LaneKind::Contiguous ? rhs : lhs;
      Value base = b.create<arith::AddIOp>(loc, run.value, shift.value);
      mapContiguous(op.getResult(0), base, run.aligned && multipleOfWidth(shift.value));
      return success();
    }
    auto divisor = constantIndex(op.getOperand(1));
    if (!isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp>(op) ||
        lhs.kind != LaneKind::Contiguous || !lhs.aligned || !divisor || *divisor <= 0 ||
        *divisor % kWidth != 0)
      return failure();
    // The four lanes of an aligned run lie in one block of C: one quotient,
    // and remainders that run on from lane 0's.
    IRMapping operands;
    operands.map(op.getOperand(0), lhs.value);
    operands.map(op.getOperand(1), rhs.value);
    Value now = b.clone(op, operands)->getResult(0);
    if (isa<arith::DivSIOp, arith::DivUIOp>(op))
      mapUniform(op.getResult(0), now);
    else
      mapContiguous(op.getResult(0), now, /*aligned=*/true);
    return success();
  }

  /// An elementwise op: scalar when every operand is uniform, else on vectors.
  LogicalResult buildElementwise(Operation &op) {
    bool uniform = llvm::all_of(op.getOperands(), [&](Value v) { return lookup(v).kind == LaneKind::Uniform; });
    OperationState state(loc, op.getName());
    state.addAttributes(op.getAttrs());
    for (Value v : op.getOperands())
      state.addOperands(uniform ? lookup(v).value : asVector(lookup(v)));
    for (Type t : op.getResultTypes()) {
      if (!t.isIntOrIndexOrFloat())
        return failure();
      state.addTypes(uniform ? t : Type(vectorOf(t)));
    }
    Operation *now = b.create(state);
    for (auto [old, result] : llvm::zip(op.getResults(), now->getResults()))
      lanes[old] = {uniform ? LaneKind::Uniform : LaneKind::Vector, result, false};
    return success();
  }

  /// Whether four consecutive elements of `type` starting at an aligned last
  /// index (the other indices anything) are one 16-byte-aligned run, given
  /// a 16-byte-aligned base.
  static bool runsAligned(MemRefType type) {
    SmallVector<int64_t> strides;
    int64_t offset;
    if (type.getRank() == 0 || failed(getStridesAndOffset(type, strides, offset)) ||
        ShapedType::isDynamic(offset) || offset % kWidth != 0 || strides.back() != 1 ||
        !type.getElementType().isIntOrIndexOrFloat())
      return false;
    for (int64_t s : ArrayRef<int64_t>(strides).drop_back())
      if (ShapedType::isDynamic(s) || s % kWidth != 0)
        return false;
    return true;
  }

  /// The new indices of an access, and whether it is a run (last index
  /// aligned contiguous) or one element (all uniform); failure otherwise.
  FailureOr<bool> accessIndices(ValueRange old, SmallVectorImpl<Value> &now) {
    bool run = false;
    for (auto [i, index] : llvm::enumerate(old)) {
      Lanes l = lookup(index);
      bool last = i + 1 == old.size();
      if (l.kind == LaneKind::Vector || (l.kind == LaneKind::Contiguous && (!last || !l.aligned)))
        return failure();
      run |= l.kind == LaneKind::Contiguous;
      now.push_back(l.value);
    }
    return run;
  }

  LogicalResult buildLoad(memref::LoadOp load) {
    SmallVector<Value> indices;
    FailureOr<bool> run = accessIndices(load.getIndices(), indices);
    if (failed(run) || (*run && !runsAligned(load.getMemRefType())))
      return failure();
    if (!*run) {
      mapUniform(load.getResult(), b.create<memref::LoadOp>(loc, load.getMemRef(), indices));
      return success();
    }
    Value v = b.create<vector::LoadOp>(loc, vectorOf(load.getType()), load.getMemRef(), indices);
    lanes[load.getResult()] = {LaneKind::Vector, v, false};
    return success();
  }

  LogicalResult buildStore(memref::StoreOp store) {
    SmallVector<Value> indices;
    FailureOr<bool> run = accessIndices(store.getIndices(), indices);
    // Four lanes storing to one element is not elementwise: left alone.
    if (failed(run) || !*run || !runsAligned(store.getMemRefType()))
      return failure();
    b.create<vector::StoreOp>(loc, asVector(lookup(store.getValueToStore())), store.getMemRef(), indices);
    return success();
  }
};

/// The loop over groups of four that replaces `loop`, or failure (nothing
/// left behind).
LogicalResult vectorize(scf::ParallelOp loop) {
  auto lower = constantIndex(loop.getLowerBound()[0]), upper = constantIndex(loop.getUpperBound()[0]),
       step = constantIndex(loop.getStep()[0]);
  if (!lower || !upper || !step || *lower != 0 || *step != 1 || *upper % kWidth != 0 || *upper == 0 ||
      loop.getNumReductions() != 0)
    return failure();
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value groups = b.create<arith::ConstantIndexOp>(loc, *upper / kWidth);
  auto grouped = b.create<scf::ParallelOp>(loc, ValueRange{zero}, ValueRange{groups}, ValueRange{one});
  b.setInsertionPoint(grouped.getBody()->getTerminator());
  Value width = b.create<arith::ConstantIndexOp>(loc, kWidth);
  Value first = b.create<arith::MulIOp>(loc, grouped.getInductionVars()[0], width);
  LaneBuilder lanes(b, loc);
  lanes.mapContiguous(loop.getInductionVars()[0], first, /*aligned=*/true);
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (failed(lanes.build(op))) {
      grouped.erase();
      for (Value v : {groups, one, zero})
        v.getDefiningOp()->erase();
      return failure();
    }
  }
  loop.erase();
  return success();
}

struct VectorizeElementwisePass
    : public mlir::strata::impl::StrataVectorizeElementwiseBase<VectorizeElementwisePass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (loop.getNumLoops() == 1 && !loop->getParentOfType<scf::ParallelOp>() && !loop->hasAttr("mapping") &&
          loop.getBody()->getOperations().size() > 1)
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops)
      (void)vectorize(loop);
  }
};

} // namespace
