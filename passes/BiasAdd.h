//===- BiasAdd.h - recognizing a linear layer's bias add (and ReLU) -*- C++ -*-===//
//
// strata-fuse-elementwise keeps a matmul's bias add (and the ReLU after it)
// out of other fusions, and strata-matmul-to-blas turns it into the GEMM's
// epilogue; both recognize the op's body the same way, here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

#include <optional>

namespace mlir::strata {

/// When the body of `op` (two inputs) is `addf` of its two input elements,
/// optionally followed by `maximumf` with +0, and yields that: whether the
/// ReLU is there. nullopt for any other body.
inline std::optional<bool> biasAddBody(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2)
    return std::nullopt;
  Block &body = op.getRegion().front();
  Value yielded = cast<linalg::YieldOp>(body.getTerminator())->getOperand(0);
  bool relu = false;
  if (auto max = yielded.getDefiningOp<arith::MaximumFOp>()) {
    bool zeroRhs = matchPattern(max.getRhs(), m_PosZeroFloat());
    if (!zeroRhs && !matchPattern(max.getLhs(), m_PosZeroFloat()))
      return std::nullopt;
    yielded = zeroRhs ? max.getLhs() : max.getRhs();
    relu = true;
  }
  auto add = yielded.getDefiningOp<arith::AddFOp>();
  Value in0 = body.getArgument(0), in1 = body.getArgument(1);
  if (!add || !(add.getLhs() == in0 && add.getRhs() == in1 || add.getLhs() == in1 && add.getRhs() == in0))
    return std::nullopt;
  if (body.getOperations().size() != (relu ? 3u : 2u))
    return std::nullopt;
  return relu;
}

} // namespace mlir::strata
