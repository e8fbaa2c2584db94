//===- Decompose.cpp - composite ops into primitive ops -------------------===//

#include "Decompositions.h"
#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATADECOMPOSE
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {
struct DecomposePass : public mlir::strata::impl::StrataDecomposeBase<DecomposePass> {
  void runOnOperation() override {
    SmallVector<Operation *> composites;
    getOperation().walk([&](Operation *op) {
      if (isComposite(op))
        composites.push_back(op);
    });
    OpBuilder b(&getContext());
    for (Operation *op : composites) {
      b.setInsertionPoint(op);
      SmallVector<Value> replacements = decompose(b, op);
      op->replaceAllUsesWith(replacements);
      op->erase();
    }
  }
};
} // namespace
