//===- Philox.h - Philox4x32-10 in C++ --------------------------*- C++ -*-===//
//
// The same generator passes/Philox.cpp builds in IR, with the same counter
// layout: (index, stream, step low, step high), key (seed low, seed high).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace strata::runtime {

inline std::array<uint32_t, 4> philox(uint64_t index, uint32_t stream, uint64_t seed,
                                      uint64_t step) {
  std::array<uint32_t, 4> c = {static_cast<uint32_t>(index), stream, static_cast<uint32_t>(step),
                               static_cast<uint32_t>(step >> 32)};
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(0xD2511F53u) * c[0];
    uint64_t p1 = uint64_t(0xCD9E8D57u) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

/// Uniform in [0, 1) from the top 24 bits, as the compiled code computes it.
inline double uniformFromBits(uint32_t bits) { return (bits >> 8) * (1.0 / 16777216.0); }

inline double normalFromBits(uint32_t bits0, uint32_t bits1) {
  double u1 = 1.0 - uniformFromBits(bits0), u2 = uniformFromBits(bits1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

} // namespace strata::runtime
