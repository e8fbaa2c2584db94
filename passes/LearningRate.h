//===- LearningRate.h - an optimizer step's learning rate -------*- C++ -*-===//
#pragma once

#include "StrataDialect.h"

#include "mlir/IR/Builders.h"

namespace mlir::strata {

/// The learning rate of `op`'s step, as f64, after its schedule (constant,
/// cosine with warm-up, or word2vec's linear decay) at its `step` operand.
Value buildLearningRate(OpBuilder &b, OptimizerUpdateOp op);

} // namespace mlir::strata
