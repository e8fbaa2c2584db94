//===- Parallel.h - a loop split across the machine's cores ------*- C++ -*-===//
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace strata::runtime {

/// Runs body(first, last) over [0, n) in contiguous ranges, one per hardware
/// thread (no more ranges than n); the calling thread takes the first range
/// and returns when every range is done. Callers keep results deterministic
/// by writing each index's result to its own place.
template <typename Body> void parallelRanges(int64_t n, Body body) {
  if (n <= 0)
    return;
  int64_t workers = std::min<int64_t>(std::max(1u, std::thread::hardware_concurrency()), n);
  std::vector<std::thread> pool;
  for (int64_t w = 1; w < workers; ++w)
    pool.emplace_back(body, n * w / workers, n * (w + 1) / workers);
  body(int64_t{0}, n / workers);
  for (std::thread &t : pool)
    t.join();
}

} // namespace strata::runtime
