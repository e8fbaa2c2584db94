//===- Philox.cpp - counter-based random numbers in IR --------------------===//

#include "Philox.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::strata;

namespace {
Value i32(OpBuilder &b, Location loc, uint32_t v) {
  return b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
}
Value low32(OpBuilder &b, Location loc, Value v64) {
  return b.create<arith::TruncIOp>(loc, b.getI32Type(), v64);
}
Value high32(OpBuilder &b, Location loc, Value v64) {
  Value shifted = b.create<arith::ShRUIOp>(
      loc, v64, b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(32)));
  return low32(b, loc, shifted);
}
} // namespace

std::array<Value, 4> mlir::strata::buildPhilox(OpBuilder &b, Location loc, Value index,
                                               int64_t stream, Value seed, Value step) {
  std::array<Value, 4> c = {low32(b, loc, index), i32(b, loc, static_cast<uint32_t>(stream)),
                            low32(b, loc, step), high32(b, loc, step)};
  Value k0 = low32(b, loc, seed), k1 = high32(b, loc, seed);
  Value m0 = i32(b, loc, 0xD2511F53u), m1 = i32(b, loc, 0xCD9E8D57u);
  Value w0 = i32(b, loc, 0x9E3779B9u), w1 = i32(b, loc, 0xBB67AE85u);
  for (int round = 0; round < 10; ++round) {
    auto p0 = b.create<arith::MulUIExtendedOp>(loc, m0, c[0]);
    auto p1 = b.create<arith::MulUIExtendedOp>(loc, m1, c[2]);
    Value n0 = b.create<arith::XOrIOp>(loc, b.create<arith::XOrIOp>(loc, p1.getHigh(), c[1]), k0);
    Value n2 = b.create<arith::XOrIOp>(loc, b.create<arith::XOrIOp>(loc, p0.getHigh(), c[3]), k1);
    c = {n0, p1.getLow(), n2, p0.getLow()};
    k0 = b.create<arith::AddIOp>(loc, k0, w0);
    k1 = b.create<arith::AddIOp>(loc, k1, w1);
  }
  return c;
}

Value mlir::strata::uniformFromBits(OpBuilder &b, Location loc, Value bits, Type type) {
  Value top24 = b.create<arith::ShRUIOp>(loc, bits, i32(b, loc, 8));
  Value asFloat = b.create<arith::UIToFPOp>(loc, type, top24);
  Value scale = b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, 1.0 / 16777216.0));
  return b.create<arith::MulFOp>(loc, asFloat, scale);
}

Value mlir::strata::normalFromBits(OpBuilder &b, Location loc, Value bits0, Value bits1,
                                   Type type) {
  // u1 in (0, 1] so that log(u1) is finite.
  Value one = b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, 1.0));
  Value u1 = b.create<arith::SubFOp>(loc, one, uniformFromBits(b, loc, bits0, type));
  Value u2 = uniformFromBits(b, loc, bits1, type);
  Value minusTwo = b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, -2.0));
  Value radius = b.create<math::SqrtOp>(
      loc, b.create<arith::MulFOp>(loc, minusTwo, b.create<math::LogOp>(loc, u1)));
  Value twoPi = b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, 2.0 * M_PI));
  Value angle = b.create<arith::MulFOp>(loc, twoPi, u2);
  return b.create<arith::MulFOp>(loc, radius, b.create<math::CosOp>(loc, angle));
}
