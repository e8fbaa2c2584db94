//===- PlanMemory.cpp - activations and temporaries in one arena by liveness ===//
//
// After bufferization every activation, gradient and temporary of a step is a
// memref.alloc. This pass gives each static one an offset in a single scratch
// arena instead, so a step allocates nothing while it runs (a requirement for
// replaying it as a CUDA graph) and buffers whose lifetimes do not overlap
// share bytes:
//
//   1. The live range of a buffer runs from the first to the last op of the
//      function body that uses it or any view of it (subview, cast, reshape),
//      uses inside a nested region counting at their top-level op (an
//      allocation hoisted to the top is not live before its first use).
//   2. Buffers are placed largest first, each at the lowest 256-byte-aligned
//      offset that overlaps no placed buffer whose live range meets its own
//      ("greedy by size", as TFLite's arena planner does).
//   3. Each alloc becomes a memref.view of a new last argument
//      `memref<Nxi8> {strata.arena = "scratch"}`; its deallocs go away.
//
// The function records the plan: strata.scratch_bytes (N), strata.buffers and
// strata.unplanned_bytes (what separate allocations would have taken).
// Buffers that escape (returned, stored) or have dynamic shapes are left alone.
//
//===----------------------------------------------------------------------===//

#include "BufferViews.h"
#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAPLANMEMORY
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

constexpr int64_t kAlignment = 256; // cuBLASLt and 128-bit vector accesses want this

struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes = 0;
  unsigned start = 0, end = 0; // live range over the body's top-level ops
  int64_t offset = -1;
};

int64_t alignUp(int64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

/// The first and last top-level positions that use `root` or a view of it
/// (views themselves do not count); nullopt when the buffer escapes the
/// function.
std::optional<std::pair<unsigned, unsigned>> useRange(Value root, Block *body,
                                                      const DenseMap<Operation *, unsigned> &position) {
  unsigned first = ~0u, last = 0;
  for (Value v : viewsOf(root))
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<func::ReturnOp>(user) || isa<memref::StoreOp>(user) && use.getOperandNumber() == 0)
        return std::nullopt;
      Operation *top = topLevelIn(user, body);
      if (!top)
        return std::nullopt;
      if (isViewOf(user, v))
        continue;
      first = std::min(first, position.lookup(top));
      last = std::max(last, position.lookup(top));
    }
  return std::make_pair(first, last);
}

bool overlaps(const Buffer &a, const Buffer &b) {
  bool live = a.start <= b.end && b.start <= a.end;
  bool bytes = a.offset < b.offset + alignUp(b.bytes) && b.offset < a.offset + alignUp(a.bytes);
  return live && bytes;
}

/// Greedy by size: largest first, lowest offset that fits.
int64_t place(std::vector<Buffer> &buffers) {
  std::vector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  std::stable_sort(order.begin(), order.end(), [](Buffer *a, Buffer *b) { return a->bytes > b->bytes; });
  int64_t total = 0;
  std::vector<Buffer *> placed;
  for (Buffer *b : order) {
    // Candidate offsets: 0 and the end of every placed buffer live at the same time.
    std::vector<int64_t> candidates = {0};
    for (Buffer *p : placed)
      if (p->start <= b->end && b->start <= p->end)
        candidates.push_back(p->offset + alignUp(p->bytes));
    std::sort(candidates.begin(), candidates.end());
    for (int64_t offset : candidates) {
      b->offset = offset;
      if (llvm::none_of(placed, [&](Buffer *p) { return overlaps(*b, *p); }))
        break;
    }
    placed.push_back(b);
    total = std::max(total, b->offset + alignUp(b->bytes));
  }
  return total;
}

struct PlanMemoryPass : public mlir::strata::impl::StrataPlanMemoryBase<PlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block *body = &func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    unsigned index = 0;
    for (Operation &op : *body)
      position[&op] = index++;

    std::vector<Buffer> buffers;
    int64_t unplanned = 0;
    for (Operation &op : *body) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
          !type.getElementType().isIntOrFloat())
        continue;
      // Deallocs end a buffer's life; they are not uses that keep it alive.
      SmallVector<memref::DeallocOp> deallocs;
      for (Operation *user : alloc->getUsers())
        if (auto d = dyn_cast<memref::DeallocOp>(user))
          deallocs.push_back(d);
      for (memref::DeallocOp d : deallocs)
        d.erase();
      std::optional<std::pair<unsigned, unsigned>> range = useRange(alloc, body, position);
      if (!range)
        continue;
      Buffer b;
      b.alloc = alloc;
      b.bytes = type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
      b.start = range->first == ~0u ? position[alloc] : range->first;
      b.end = std::max(range->second, b.start);
      unplanned += b.bytes;
      buffers.push_back(b);
    }
    int64_t total = place(buffers);

    OpBuilder b(func.getContext());
    auto scratchType = MemRefType::get({std::max<int64_t>(total, 1)}, b.getI8Type());
    unsigned argIndex = func.getNumArguments();
    func.insertArgument(argIndex, scratchType,
                        b.getDictionaryAttr(b.getNamedAttr("strata.arena", b.getStringAttr("scratch"))),
                        func.getLoc());
    Value scratch = func.getArgument(argIndex);
    for (Buffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset = b.create<arith::ConstantIndexOp>(loc, buffer.offset);
      Value view = b.create<memref::ViewOp>(loc, buffer.alloc.getType(), scratch, offset, ValueRange{});
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    func->setAttr("strata.scratch_bytes", b.getI64IntegerAttr(total));
    func->setAttr("strata.buffers", b.getI64IntegerAttr(static_cast<int64_t>(buffers.size())));
    func->setAttr("strata.unplanned_bytes", b.getI64IntegerAttr(unplanned));
  }
};

} // namespace
