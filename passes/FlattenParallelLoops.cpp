//===- FlattenParallelLoops.cpp - one index per parallel loop nest --------===//
//
// convert-linalg-to-parallel-loops gives an op over a [256, 512] tensor an
// scf.parallel over (i, j). Tiled and mapped as is, threadIdx.x walks i, so
// the 32 threads of a warp touch 32 rows: 32 memory transactions where one
// would do. Collapsing (i, j) into one index k = i * 512 + j before tiling
// puts consecutive threads on consecutive elements of the innermost, contiguous
// dimension, so every load and store of an elementwise kernel is coalesced,
// whatever the rank. Nested parallel loops (there are none after the linalg
// lowering) are left alone.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAFLATTENPARALLELLOOPS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {
struct FlattenParallelLoopsPass
    : public mlir::strata::impl::StrataFlattenParallelLoopsBase<FlattenParallelLoopsPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() && loop.getNumLoops() > 1)
        outermost.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : outermost) {
      std::vector<unsigned> all(loop.getNumLoops());
      for (unsigned i = 0; i < all.size(); ++i)
        all[i] = i;
      rewriter.setInsertionPoint(loop);
      collapseParallelLoops(rewriter, loop, {all});
    }
  }
};
} // namespace
