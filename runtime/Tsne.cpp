//===- Tsne.cpp - t-SNE of a set of embeddings ----------------------------===//

#include "Tsne.h"

#include "Geometry.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

using namespace strata::runtime;

namespace {

/// Rows are processed in this many chunks whatever the thread count, and the
/// chunks' partial sums are added in chunk order.
constexpr int64_t kChunks = 64;

/// Runs body(first, last, chunk) over [0, n) in kChunks chunks on all cores.
template <typename Body> void forChunks(int64_t n, Body body) {
  parallelRanges(kChunks, [&](int64_t firstChunk, int64_t lastChunk) {
    for (int64_t c = firstChunk; c < lastChunk; ++c)
      body(n * c / kChunks, n * (c + 1) / kChunks, c);
  });
}

/// Symmetric input affinities P (n x n, summing to 1): row i's conditional
/// Gaussian has the precision that gives it the wanted perplexity.
std::vector<double> affinities(const Tensor &embeddings, int64_t n, double perplexity) {
  int64_t dim = embeddings.numElements() / n;
  std::vector<double> x(n * dim), distance(n * n), p(n * n);
  for (int64_t i = 0; i < n * dim; ++i)
    x[i] = embeddings.at(i);
  forChunks(n, [&](int64_t first, int64_t last, int64_t) {
    for (int64_t i = first; i < last; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double squared = 0;
        for (int64_t d = 0; d < dim; ++d)
          squared += (x[i * dim + d] - x[j * dim + d]) * (x[i * dim + d] - x[j * dim + d]);
        distance[i * n + j] = squared;
      }
  });
  double wantedEntropy = std::log(perplexity);
  forChunks(n, [&](int64_t first, int64_t last, int64_t) {
    for (int64_t i = first; i < last; ++i) {
      double *row = p.data() + i * n;
      const double *di = distance.data() + i * n;
      // Distances shifted by the nearest one, so exp does not underflow for far rows.
      double nearest = INFINITY;
      for (int64_t j = 0; j < n; ++j)
        if (j != i)
          nearest = std::min(nearest, di[j]);
      double beta = 1, low = 0, high = INFINITY;
      for (int step = 0; step < 100; ++step) {
        double sum = 0, weighted = 0;
        for (int64_t j = 0; j < n; ++j) {
          row[j] = j == i ? 0.0 : std::exp(-beta * (di[j] - nearest));
          sum += row[j];
          weighted += row[j] * (di[j] - nearest);
        }
        double entropy = std::log(sum) + beta * weighted / sum;
        for (int64_t j = 0; j < n; ++j)
          row[j] /= sum;
        if (std::abs(entropy - wantedEntropy) < 1e-5)
          break;
        if (entropy > wantedEntropy) { // too flat: sharpen
          low = beta;
          beta = std::isinf(high) ? beta * 2 : (beta + high) / 2;
        } else {
          high = beta;
          beta = (beta + low) / 2;
        }
      }
    }
  });
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      double s = std::max((p[i * n + j] + p[j * n + i]) / (2.0 * n), 1e-12);
      p[i * n + j] = p[j * n + i] = s;
    }
  return p;
}

} // namespace

Tensor strata::runtime::tsne(const Tensor &embeddings, const TsneOptions &options) {
  int64_t n = embeddings.shape().empty() ? 0 : embeddings.shape()[0];
  if (n < 4)
    throw std::invalid_argument("t-SNE needs at least 4 rows");
  if (options.perplexity <= 0 || options.perplexity >= n)
    throw std::invalid_argument("t-SNE's perplexity must be in (0, rows)");
  std::vector<double> p = affinities(embeddings, n, std::min(options.perplexity, (n - 1) / 3.0));

  // Start from the PCA plane, scaled to a standard deviation of 1e-4 on its
  // first axis (scikit-learn's init="pca").
  Tensor start = principalComponents(embeddings, std::min<int64_t>(2, embeddings.numElements() / n));
  std::vector<double> y(n * 2, 0.0);
  double firstStd = 0;
  for (int64_t i = 0; i < n; ++i)
    firstStd += double(start.as<float>()[i * start.shape()[1]]) * start.as<float>()[i * start.shape()[1]] / n;
  firstStd = std::sqrt(firstStd);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < start.shape()[1]; ++c)
      y[i * 2 + c] = firstStd > 0 ? 1e-4 * start.as<float>()[i * start.shape()[1] + c] / firstStd : 0.0;

  double rate = options.learningRate > 0 ? options.learningRate : std::max(n / options.exaggeration / 4, 50.0);
  std::vector<double> gradient(n * 2), velocity(n * 2, 0.0), gains(n * 2, 1.0), q(n * n);
  std::vector<double> chunkSums(kChunks);
  for (int64_t it = 0; it < options.iterations; ++it) {
    double exaggerate = it < options.exaggerationIterations ? options.exaggeration : 1.0;
    double momentum = it < options.exaggerationIterations ? 0.5 : 0.8;
    // Student-t kernel 1 / (1 + |yi - yj|^2), and its total.
    forChunks(n, [&](int64_t first, int64_t last, int64_t chunk) {
      double sum = 0;
      for (int64_t i = first; i < last; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double dx = y[i * 2] - y[j * 2], dy = y[i * 2 + 1] - y[j * 2 + 1];
          double kernel = j == i ? 0.0 : 1.0 / (1.0 + dx * dx + dy * dy);
          q[i * n + j] = kernel;
          sum += kernel;
        }
      chunkSums[chunk] = sum;
    });
    double z = 0;
    for (double s : chunkSums)
      z += s;
    // dC/dyi = 4 sum_j (exaggerate * p_ij - q_ij / z) * kernel_ij * (yi - yj)
    forChunks(n, [&](int64_t first, int64_t last, int64_t) {
      for (int64_t i = first; i < last; ++i) {
        double gx = 0, gy = 0;
        for (int64_t j = 0; j < n; ++j) {
          double kernel = q[i * n + j];
          double force = (exaggerate * p[i * n + j] - kernel / z) * kernel;
          gx += force * (y[i * 2] - y[j * 2]);
          gy += force * (y[i * 2 + 1] - y[j * 2 + 1]);
        }
        gradient[i * 2] = 4 * gx;
        gradient[i * 2 + 1] = 4 * gy;
      }
    });
    for (int64_t k = 0; k < n * 2; ++k) {
      // Gains grow where the gradient keeps changing sign against the step.
      bool flipped = (gradient[k] > 0) != (velocity[k] > 0);
      gains[k] = std::max(flipped ? gains[k] + 0.2 : gains[k] * 0.8, 0.01);
      velocity[k] = momentum * velocity[k] - rate * gains[k] * gradient[k];
      y[k] += velocity[k];
    }
    if (options.onIteration)
      options.onIteration(it + 1, options.iterations);
  }
  Tensor out(DType::F32, {n, 2});
  for (int64_t k = 0; k < n * 2; ++k)
    out.as<float>()[k] = static_cast<float>(y[k]);
  return out;
}
