//===- LearningRate.cpp - an optimizer step's learning rate ---------------===//

#include "LearningRate.h"

#include "LinalgBuilders.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::strata;

Value mlir::strata::buildLearningRate(OpBuilder &b, OptimizerUpdateOp op) {
  Location loc = op.getLoc();
  Type f64 = b.getF64Type();
  auto c = [&](double v) { return scalarConstant(b, loc, f64, v); };
  double lr = op.getLr().convertToDouble();
  Value t = b.create<arith::SIToFPOp>(loc, f64, op.getStep()); // 0-based
  if (op.getSchedule() == "cosine") {
    double warmup = static_cast<double>(op.getWarmup());
    double total = static_cast<double>(op.getTotalSteps());
    double minLr = op.getMinLr().convertToDouble();
    Value warm = b.create<arith::DivFOp>(loc, b.create<arith::MulFOp>(loc, c(lr), b.create<arith::AddFOp>(loc, t, c(1))), c(std::max(warmup, 1.0)));
    Value progress = b.create<arith::DivFOp>(loc, b.create<arith::SubFOp>(loc, t, c(warmup)), c(std::max(total - warmup, 1.0)));
    progress = b.create<arith::MinimumFOp>(loc, progress, c(1));
    Value cosine = b.create<math::CosOp>(loc, b.create<arith::MulFOp>(loc, progress, c(M_PI)));
    Value decayed = b.create<arith::AddFOp>(loc, c(minLr), b.create<arith::MulFOp>(loc, c(0.5 * (lr - minLr)), b.create<arith::AddFOp>(loc, c(1), cosine)));
    Value inWarmup = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, t, c(warmup));
    return b.create<arith::SelectOp>(loc, inWarmup, warm, decayed);
  }
  if (op.getSchedule() == "linear") {
    // word2vec's decay: lr - (lr - min_lr) * t / total, held at min_lr after.
    double total = std::max(static_cast<double>(op.getTotalSteps()), 1.0);
    double minLr = op.getMinLr().convertToDouble();
    Value progress = b.create<arith::MinimumFOp>(loc, b.create<arith::DivFOp>(loc, t, c(total)), c(1));
    return b.create<arith::SubFOp>(loc, c(lr), b.create<arith::MulFOp>(loc, c(lr - minLr), progress));
  }
  return c(lr);
}
