//===- Philox.h - counter-based random numbers in IR ------------*- C++ -*-===//
//
// Philox4x32-10 (Salmon et al., SC'11), the generator every random op uses,
// built from arith ops so it runs inside any loop body on any target. A draw is
// keyed by the run's seed and counted by (element index, stream, step): the same
// (seed, step, stream) gives the same numbers on every back end, in the forward
// and the backward pass, and after a resume. runtime/Philox.h is the same
// function in C++ for parameter initialisation; a test keeps the two equal.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/Builders.h"

#include <array>

namespace mlir::strata {

/// The four 32-bit words (as i32 values) of Philox4x32-10 for
/// counter = (index, stream, step low, step high), key = (seed low, seed high).
/// `index`, `seed` and `step` are i64; `stream` is a constant.
std::array<Value, 4> buildPhilox(OpBuilder &b, Location loc, Value index, int64_t stream,
                                 Value seed, Value step);

/// A uniform float of `type` in [0, 1) from one 32-bit word (24 random bits).
Value uniformFromBits(OpBuilder &b, Location loc, Value bits, Type type);

/// A standard normal float of `type` from two words (Box-Muller).
Value normalFromBits(OpBuilder &b, Location loc, Value bits0, Value bits1, Type type);

} // namespace mlir::strata
