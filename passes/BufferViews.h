//===- BufferViews.h - buffers, their views, and where they are used -*- C++ -*-===//
//
// The buffer passes (strata-plan-memory, strata-elide-copies) reason about a
// buffer through every view of it (subview, cast, reshape, memref.view) and
// place each use at the top-level op of the function body that contains it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/Block.h"
#include "mlir/IR/Operation.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::strata {

/// The op of `block` that contains `op` (itself, or an ancestor); null when
/// `op` is not inside `block`.
inline Operation *topLevelIn(Operation *op, Block *block) {
  while (op && op->getBlock() != block)
    op = op->getParentOp();
  return op;
}

/// Whether `user` is a view whose source is `v`.
inline bool isViewOf(Operation *user, Value v) {
  auto view = dyn_cast<ViewLikeOpInterface>(user);
  return view && view.getViewSource() == v;
}

/// An op that may sit between two buffer ops without ordering them: views,
/// constants and scalar math (side-effect free, no regions), and allocations
/// of new buffers. Such ops can move above a kernel that absorbs the ops
/// around them.
inline bool touchesNoBuffer(Operation *op) {
  return isa<memref::AllocOp>(op) || isMemoryEffectFree(op) && op->getNumRegions() == 0;
}

/// The buffer that `v` views (through subviews, casts, reshapes), or `v`.
inline Value rootOf(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// `root` and every value that views it, transitively.
inline SmallVector<Value> viewsOf(Value root) {
  SmallVector<Value> all = {root};
  for (size_t i = 0; i < all.size(); ++i)
    for (Operation *user : all[i].getUsers())
      if (isViewOf(user, all[i]))
        all.push_back(user->getResult(0));
  return all;
}

} // namespace mlir::strata
