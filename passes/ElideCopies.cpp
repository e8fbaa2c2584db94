//===- ElideCopies.cpp - compute into the destination of a final copy -----===//
//
// Bufferization leaves copies where a value is computed into a buffer of its
// own and then copied where it belongs: every gradient is copied into its
// slot of the gradient arena, the loss into the function's out-parameter.
// When a buffer B is copied whole and never used after the copy, and nothing
// touches the destination's bytes while B is live, B can be the destination:
//
//   - destination a function argument of B's type: B's uses take the argument;
//   - destination a 1-D unit-stride slice of a buffer A (the gradient arena,
//     itself an allocation): A becomes an i8 allocation with a typed view, and
//     B a memref.view of A's bytes at the slice's offset, so B keeps its type
//     and its layout (memref.view gives identity layouts);
//   - destination a slice of a function argument (the optimizer state), when
//     every user of B accepts any layout (copies, linalg ops, loads, stores):
//     B's uses take the slice itself.
//
// A copy whose source and target are the same slice of the same buffer (what
// the last case leaves of the optimizer's copy-in) is erased as well.
//
// The copy then disappears: a full pass over the data saved on the CPU, a
// kernel saved on the GPU. Liveness planning runs after this pass.
//
//===----------------------------------------------------------------------===//

#include "BufferViews.h"
#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAELIDECOPIES
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

bool isStaticIdentity(MemRefType t) {
  return t.hasStaticShape() && t.getLayout().isIdentity() && t.getElementType().isIntOrFloat();
}

/// The allocation `v` reshapes (through collapse/expand_shape), or null.
memref::AllocOp reshapedAlloc(Value v) {
  while (true) {
    if (auto alloc = v.getDefiningOp<memref::AllocOp>())
      return isStaticIdentity(alloc.getType()) ? alloc : nullptr;
    if (auto c = v.getDefiningOp<memref::CollapseShapeOp>())
      v = c.getSrc();
    else if (auto e = v.getDefiningOp<memref::ExpandShapeOp>())
      v = e.getSrc();
    else
      return nullptr;
  }
}

/// [offset, offset + size) in elements of a static unit-stride 1-D subview of
/// an allocation, or nullopt.
std::optional<std::pair<int64_t, int64_t>> sliceRange(memref::SubViewOp s) {
  if (s.getSourceType().getRank() != 1 || !s.hasUnitStride())
    return std::nullopt;
  auto offsets = s.getStaticOffsets(), sizes = s.getStaticSizes();
  if (ShapedType::isDynamic(offsets[0]) || ShapedType::isDynamic(sizes[0]))
    return std::nullopt;
  return std::make_pair(offsets[0], offsets[0] + sizes[0]);
}

struct ElideCopiesPass : public mlir::strata::impl::StrataElideCopiesBase<ElideCopiesPass> {
  Block *body = nullptr;
  DenseMap<Operation *, unsigned> position;
  /// Allocations already rebased on i8 storage: the storage.
  DenseMap<Operation *, Value> bytesOf;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    body = &func.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (Operation &op : *body)
      if (auto copy = dyn_cast<memref::CopyOp>(op))
        copies.push_back(copy);
    for (memref::CopyOp copy : copies) {
      renumber();
      elide(copy);
    }
    SmallVector<memref::CopyOp> selfCopies;
    for (Operation &op : *body)
      if (auto copy = dyn_cast<memref::CopyOp>(op); copy && sameSlice(copy.getSource(), copy.getTarget()))
        selfCopies.push_back(copy);
    for (memref::CopyOp copy : selfCopies)
      eraseCopy(copy);
  }

  /// Whether `a` and `b` are the same bytes: one value, or equal static
  /// subviews of one buffer.
  static bool sameSlice(Value a, Value b) {
    if (a == b)
      return true;
    auto sa = a.getDefiningOp<memref::SubViewOp>(), sb = b.getDefiningOp<memref::SubViewOp>();
    return sa && sb && sa.getSource() == sb.getSource() && sa.getType() == sb.getType() &&
           sa.getStaticOffsets() == sb.getStaticOffsets() && sa.getStaticSizes() == sb.getStaticSizes() &&
           sa.getStaticStrides() == sb.getStaticStrides() && sa.getOffsets().empty() &&
           sb.getOffsets().empty() && sa.getSizes().empty() && sb.getSizes().empty() &&
           sa.getStrides().empty() && sb.getStrides().empty();
  }

  /// Whether every user of `v` works on any strided layout.
  static bool layoutAgnosticUsers(Value v) {
    return llvm::all_of(v.getUsers(), [](Operation *user) {
      return isa<memref::CopyOp, linalg::LinalgOp, memref::LoadOp, memref::StoreOp>(user);
    });
  }

  void renumber() {
    position.clear();
    unsigned i = 0;
    for (Operation &op : *body)
      position[&op] = i++;
  }

  /// First and last top-level positions that use any alias of `root`,
  /// ignoring `except`.
  std::pair<unsigned, unsigned> useRange(Value root, Operation *except) {
    unsigned first = ~0u, last = 0;
    for (Value v : viewsOf(root))
      for (Operation *user : v.getUsers()) {
        if (user == except || isViewOf(user, v))
          continue;
        unsigned p = position.lookup(topLevelIn(user, body));
        first = std::min(first, p);
        last = std::max(last, p);
      }
    return {first, last};
  }

  void elide(memref::CopyOp copy) {
    memref::AllocOp source = reshapedAlloc(copy.getSource());
    if (!source || source->getBlock() != body)
      return;
    auto [first, last] = useRange(source, copy);
    unsigned at = position.lookup(copy);
    if (first == ~0u || last >= at) // unused, or used after the copy
      return;
    Value target = copy.getTarget();
    MemRefType sourceType = source.getType();

    if (auto arg = dyn_cast<BlockArgument>(target)) {
      if (arg.getOwner() != body || arg.getType() != sourceType || touchedBetween(arg, first, at, std::nullopt))
        return;
      source.replaceAllUsesWith(arg);
      eraseCopy(copy);
      source.erase();
      return;
    }
    auto slice = target.getDefiningOp<memref::SubViewOp>();
    if (!slice)
      return;
    if (auto base = dyn_cast<BlockArgument>(slice.getSource()); base && base.getOwner() == body) {
      elideIntoArgumentSlice(copy, source, slice, first, at);
      return;
    }
    // The arena: an allocation, or the typed view an earlier elision made of one.
    Value arena = slice.getSource();
    Operation *arenaDef = arena.getDefiningOp();
    bool known = arenaDef && (bytesOf.count(arenaDef) ||
                              (isa<memref::AllocOp>(arenaDef) && arenaDef->getBlock() == body));
    auto arenaType = dyn_cast<MemRefType>(arena.getType());
    std::optional<std::pair<int64_t, int64_t>> range = sliceRange(slice);
    if (!known || !range || !arenaType || !isStaticIdentity(arenaType) ||
        arenaType.getElementType() != sourceType.getElementType() ||
        range->second - range->first != sourceType.getNumElements() ||
        touchedBetween(arena, first, at, *range))
      return;
    Value bytes = byteStorage(arenaDef);
    OpBuilder b(source);
    int64_t elementBytes = (sourceType.getElementTypeBitWidth() + 7) / 8;
    Value offset = b.create<arith::ConstantIndexOp>(source.getLoc(), range->first * elementBytes);
    Value view = b.create<memref::ViewOp>(source.getLoc(), sourceType, bytes, offset, ValueRange{});
    source.replaceAllUsesWith(view);
    eraseCopy(copy);
    source.erase();
  }

  /// B's uses take a fresh copy of the destination slice of a function
  /// argument, made where B was allocated.
  void elideIntoArgumentSlice(memref::CopyOp copy, memref::AllocOp source, memref::SubViewOp slice,
                              unsigned first, unsigned at) {
    std::optional<std::pair<int64_t, int64_t>> range = sliceRange(slice);
    if (copy.getSource() != source.getResult() || !range ||
        slice.getType().getShape() != source.getType().getShape() ||
        !layoutAgnosticUsers(source))
      return;
    // The copy of this very slice into B becomes a copy onto itself: not a use.
    auto copyIn = [&](Operation *op) {
      auto c = dyn_cast<memref::CopyOp>(op);
      return c && c.getTarget() == source.getResult() && sameSlice(c.getSource(), slice.getResult());
    };
    if (touchedBetween(slice.getSource(), first, at, *range, copyIn))
      return;
    OpBuilder b(source);
    Operation *fresh = b.clone(*slice);
    source.replaceAllUsesWith(fresh->getResult(0));
    eraseCopy(copy);
    source.erase();
  }

  /// Whether an op at a position in [from, to) accesses `root`, other than
  /// those `ignore` accepts. With `range` (elements), accesses through a
  /// static 1-D slice of `root` disjoint from it do not count.
  bool touchedBetween(Value root, unsigned from, unsigned to,
                      std::optional<std::pair<int64_t, int64_t>> range,
                      function_ref<bool(Operation *)> ignore = nullptr) {
    auto accessed = [&](Operation *user) {
      unsigned p = position.lookup(topLevelIn(user, body));
      return p >= from && p < to && !(ignore && ignore(user));
    };
    for (Operation *user : root.getUsers()) {
      if (!isViewOf(user, root)) {
        if (accessed(user))
          return true;
        continue;
      }
      auto slice = dyn_cast<memref::SubViewOp>(user);
      std::optional<std::pair<int64_t, int64_t>> other = slice ? sliceRange(slice) : std::nullopt;
      if (range && other && (other->second <= range->first || range->second <= other->first))
        continue; // disjoint bytes
      for (Value v : viewsOf(user->getResult(0)))
        for (Operation *u : v.getUsers())
          if (!isViewOf(u, v) && accessed(u))
            return true;
    }
    return false;
  }

  /// `arena`'s bytes: on first use, replaces the allocation with an i8 one at
  /// the top of the function and a typed view of it in the original place.
  Value byteStorage(Operation *arenaDef) {
    if (auto it = bytesOf.find(arenaDef); it != bytesOf.end())
      return it->second;
    auto arena = cast<memref::AllocOp>(arenaDef);
    MemRefType type = arena.getType();
    int64_t bytes = type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
    OpBuilder b = OpBuilder::atBlockBegin(body);
    auto storage = b.create<memref::AllocOp>(arena.getLoc(), MemRefType::get({bytes}, b.getI8Type()),
                                             arena.getAlignmentAttr());
    b.setInsertionPoint(arena);
    Value zero = b.create<arith::ConstantIndexOp>(arena.getLoc(), 0);
    Value typed = b.create<memref::ViewOp>(arena.getLoc(), type, storage, zero, ValueRange{});
    arena.replaceAllUsesWith(typed);
    bytesOf[typed.getDefiningOp()] = storage;
    arena.erase();
    return storage;
  }

  void eraseCopy(memref::CopyOp copy) {
    SmallVector<Operation *> views;
    for (Value v : {copy.getSource(), copy.getTarget()})
      if (Operation *def = v.getDefiningOp(); def && isa<ViewLikeOpInterface>(def))
        views.push_back(def);
    copy.erase();
    for (Operation *view : views)
      if (view->use_empty())
        view->erase();
  }
};

} // namespace
