//===- ImageLowering.h - im2col and col2im as linalg -------------*- C++ -*-===//
#pragma once

#include "StrataDialect.h"

#include "mlir/IR/Builders.h"

namespace mlir::strata {

/// One linalg.generic gathering every window tap of the zero-padded input into
/// [B, OH, OW, KH, KW, C], reshaped to the op's [B, OH, OW, KH*KW*C].
Value lowerIm2col(OpBuilder &b, Im2colOp op);

/// A zero [B, Hp, Wp, C] image to which each tap's columns are added in place,
/// through a strided slice per tap; the padding is cut off at the end.
Value lowerCol2im(OpBuilder &b, Col2imOp op);

} // namespace mlir::strata
