//===- ParallelDimsFirst.cpp - reductions innermost -----------------------===//
//
// convert-linalg-to-parallel-loops turns only the leading run of parallel
// dimensions into an scf.parallel; a reduction dimension in front (the bias
// gradient sums over the batch: dims (b, n), b reduced) leaves the whole op
// as sequential loops, which on the GPU path would run on the host. Moving
// every parallel dimension in front of every reduction dimension (keeping
// each group's order) gives one parallel loop over the outputs with the
// reduction inside: one GPU thread per output element. A reduction whose
// every dimension is reduced is left for strata-serial-kernels.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAPARALLELDIMSFIRST
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {
struct ParallelDimsFirstPass
    : public mlir::strata::impl::StrataParallelDimsFirstBase<ParallelDimsFirstPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      SmallVector<unsigned> parallel, reduction;
      for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
        (type == utils::IteratorType::parallel ? parallel : reduction).push_back(i);
      SmallVector<unsigned> order = parallel;
      order.append(reduction);
      if (llvm::equal(order, llvm::seq<unsigned>(0, order.size())))
        continue;
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order))) {
        op.emitOpError("strata-parallel-dims-first: cannot interchange its loops");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
