//===- RunningStatistics.cpp - batch_norm in its eval form ----------------===//
//
// (x - running_mean) / sqrt(running_var + eps) * gamma + beta, per channel;
// the op's running-statistics results become its running-statistics operands.
//
//===----------------------------------------------------------------------===//

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

Value normalizedByRunningStatistics(TensorMath &m, BatchNormOp op) {
  Value x = op.getInput();
  Value inv = m.div(m.scalar(1.0, x),
                    m.sqrt(m.add(op.getRunningVar(), m.scalar(op.getEps().convertToDouble(), x))));
  return m.add(m.mul(m.mul(m.sub(x, op.getRunningMean()), inv), op.getGamma()), op.getBeta());
}

struct RunningStatisticsPass
    : public mlir::strata::impl::StrataRunningStatisticsBase<RunningStatisticsPass> {
  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation().walk([&](BatchNormOp op) {
      b.setInsertionPoint(op);
      TensorMath m(b, op.getLoc());
      op.getResult().replaceAllUsesWith(normalizedByRunningStatistics(m, op));
      op.getNewMean().replaceAllUsesWith(op.getRunningMean());
      op.getNewVar().replaceAllUsesWith(op.getRunningVar());
      op.erase();
    });
  }
};

} // namespace
