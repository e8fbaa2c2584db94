//===- RunningStatistics.cpp - batch_norm in its eval form ----------------===//
//
// (x - running_mean) / sqrt(running_var + eps) * gamma + beta, per channel;
// the op's running-statistics results become its running-statistics operands.
//
//===----------------------------------------------------------------------===//

#include "Decompositions.h"
#include "Passes.h"
#include "StrataDialect.h"
#include "TensorMath.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATARUNNINGSTATISTICS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

struct RunningStatisticsPass
    : public mlir::strata::impl::StrataRunningStatisticsBase<RunningStatisticsPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation().walk([&](BatchNormOp op) {
      b.setInsertionPoint(op);
      TensorMath m(b, op.getLoc());
      op.getResult().replaceAllUsesWith(batchNormEvalForm(m, op));
      op.getNewMean().replaceAllUsesWith(op.getRunningMean());
      op.getNewVar().replaceAllUsesWith(op.getRunningVar());
      op.erase();
    });
  }
};

} // namespace
