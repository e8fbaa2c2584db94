//===- Tsne.h - t-SNE of a set of embeddings ---------------------*- C++ -*-===//
//
// Exact t-SNE (van der Maaten & Hinton 2008) to two dimensions, for pictures
// of a few thousand embeddings: Gaussian affinities at a fixed perplexity,
// Student-t affinities in the plane, gradient descent with momentum, gains
// and early exaggeration, started from the PCA projection (so no random
// start, and the same rows always give the same picture). Each iteration is
// O(n^2); the rows are split into fixed chunks whose sums are added in
// order, so the result does not depend on the number of threads.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Function.h"

#include <cstdint>
#include <functional>

namespace strata::runtime {

struct TsneOptions {
  double perplexity = 30;
  int64_t iterations = 1000;
  int64_t exaggerationIterations = 250;  // the first ones, with P scaled up
  double exaggeration = 12;
  double learningRate = 0;               // 0: max(n / exaggeration / 4, 50), scikit-learn's "auto"
  /// Called after each iteration with how many are done (progress display).
  std::function<void(int64_t done, int64_t total)> onIteration;
};

/// f32 [n, 2] coordinates of the rows of f32 [n, ...] `embeddings`.
Tensor tsne(const Tensor &embeddings, const TsneOptions &options = {});

} // namespace strata::runtime
