//===- Probe.cpp - how good is a frozen representation? -------------------===//

#include "Probe.h"

#include "Dataset.h"
#include "VectorSearch.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

using namespace strata::runtime;

namespace {

void checkPair(const Tensor &x, const Tensor &y, const char *what) {
  if (x.dtype() != DType::F32 || x.shape().size() != 2 || y.dtype() != DType::I32 ||
      y.numElements() != x.shape()[0])
    throw std::invalid_argument(std::string(what) + ": features must be f32 [N, d] with N i32 labels");
}

/// Copies `x` standardized with the given per-column mean and deviation.
std::vector<float> standardized(const Tensor &x, const std::vector<double> &mean,
                                const std::vector<double> &deviation) {
  int64_t n = x.shape()[0], d = x.shape()[1];
  std::vector<float> out(n * d);
  const float *p = x.as<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      out[i * d + j] = static_cast<float>((p[i * d + j] - mean[j]) / deviation[j]);
  return out;
}

/// logits[m, c] = x[m, d] w[d, c] + b[c]
void affine(const float *x, const std::vector<float> &w, const std::vector<float> &b, int64_t m,
            int64_t d, int64_t c, std::vector<float> &logits) {
  for (int64_t i = 0; i < m; ++i)
    std::copy(b.begin(), b.end(), logits.begin() + i * c);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, c, d, 1.0f, x, d, w.data(), c, 1.0f,
              logits.data(), c);
}

int argmax(const float *row, int c) {
  return static_cast<int>(std::max_element(row, row + c) - row);
}

/// Adam on one flat vector, PyTorch's defaults (beta 0.9, 0.999, eps 1e-8).
struct Adam {
  std::vector<float> m, v;
  double lr;
  explicit Adam(size_t n, double lr) : m(n, 0), v(n, 0), lr(lr) {}
  void step(std::vector<float> &p, const std::vector<float> &g, int64_t t) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t);
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = static_cast<float>(b1 * m[i] + (1 - b1) * g[i]);
      v[i] = static_cast<float>(b2 * v[i] + (1 - b2) * g[i] * g[i]);
      p[i] -= static_cast<float>(lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
    }
  }
};

/// Rows scaled to unit length (zero rows stay zero).

} // namespace

double strata::runtime::linearProbeAccuracy(const Tensor &trainX, const Tensor &trainY,
                                            const Tensor &testX, const Tensor &testY,
                                            int numClasses, const LinearProbeOptions &options) {
  checkPair(trainX, trainY, "linear probe (train)");
  checkPair(testX, testY, "linear probe (test)");
  int64_t n = trainX.shape()[0], d = trainX.shape()[1], c = numClasses;
  if (testX.shape()[1] != d)
    throw std::invalid_argument("linear probe: train and test features differ in width");

  std::vector<double> mean(d, 0), deviation(d, 0);
  const float *p = trainX.as<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      mean[j] += p[i * d + j];
  for (double &m : mean)
    m /= n;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      deviation[j] += (p[i * d + j] - mean[j]) * (p[i * d + j] - mean[j]);
  for (double &s : deviation)
    s = std::sqrt(s / n) + 1e-8; // a constant feature stays at zero
  std::vector<float> x = standardized(trainX, mean, deviation);
  std::vector<float> xt = standardized(testX, mean, deviation);
  const int32_t *y = trainY.as<int32_t>();

  std::vector<float> w(d * c, 0), b(c, 0), gw(d * c), gb(c);
  Adam adamW(w.size(), options.lr), adamB(b.size(), options.lr);
  std::vector<float> batchX(options.batch * d), logits(options.batch * c);
  int64_t t = 0;
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    std::vector<int64_t> order = epochOrder(n, options.seed, epoch);
    for (int64_t start = 0; start < n; start += options.batch) {
      int64_t m = std::min(options.batch, n - start);
      for (int64_t r = 0; r < m; ++r)
        std::copy(x.begin() + order[start + r] * d, x.begin() + (order[start + r] + 1) * d,
                  batchX.begin() + r * d);
      affine(batchX.data(), w, b, m, d, c, logits);
      // Softmax minus the one-hot target, over m: the gradient of the mean
      // cross-entropy with respect to the logits.
      std::fill(gb.begin(), gb.end(), 0.0f);
      for (int64_t r = 0; r < m; ++r) {
        float *row = logits.data() + r * c;
        float top = *std::max_element(row, row + c);
        double sum = 0;
        for (int64_t k = 0; k < c; ++k)
          sum += row[k] = std::exp(row[k] - top);
        for (int64_t k = 0; k < c; ++k) {
          row[k] = static_cast<float>((row[k] / sum - (y[order[start + r]] == k)) / m);
          gb[k] += row[k];
        }
      }
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, c, m, 1.0f, batchX.data(), d,
                  logits.data(), c, 0.0f, gw.data(), c);
      ++t;
      adamW.step(w, gw, t);
      adamB.step(b, gb, t);
    }
  }

  int64_t nt = testX.shape()[0], correct = 0;
  std::vector<float> testLogits(nt * c);
  affine(xt.data(), w, b, nt, d, c, testLogits);
  const int32_t *yt = testY.as<int32_t>();
  for (int64_t i = 0; i < nt; ++i)
    correct += argmax(testLogits.data() + i * c, c) == yt[i];
  return static_cast<double>(correct) / nt;
}

KnnScores strata::runtime::knnScores(const Tensor &trainX, const Tensor &trainY, const Tensor &testX,
                                     const Tensor &testY, int numClasses, int k) {
  checkPair(trainX, trainY, "kNN (train)");
  checkPair(testX, testY, "kNN (test)");
  int64_t n = trainX.shape()[0], d = trainX.shape()[1], nt = testX.shape()[0];
  if (testX.shape()[1] != d)
    throw std::invalid_argument("kNN: train and test features differ in width");
  if (k < 1 || k > n)
    throw std::invalid_argument("kNN: k must be between 1 and the number of train rows");
  const int32_t *y = trainY.as<int32_t>(), *yt = testY.as<int32_t>();
  auto neighbours = exactSearch(trainX, testX, k, Similarity::Cosine);
  int64_t correct = 0, agreeing = 0;
  for (int64_t i = 0; i < nt; ++i) {
    std::vector<int> votes(numClasses, 0);
    for (const Neighbour &nb : neighbours[i])
      ++votes[y[nb.id]];
    int predicted = static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
    correct += predicted == yt[i];
    agreeing += votes[yt[i]];
  }
  return {static_cast<double>(correct) / nt, static_cast<double>(agreeing) / (nt * k)};
}

double strata::runtime::labelAgreementWithin(const Tensor &x, const Tensor &labels, int k) {
  int64_t n = x.shape().empty() ? 0 : x.shape()[0];
  if (labels.dtype() != DType::I32 || labels.numElements() != n || n <= k || k < 1)
    throw std::invalid_argument("label agreement needs one i32 label per row and more than k rows");
  int64_t d = x.numElements() / n;
  Tensor rows(DType::F32, {n, d});
  for (int64_t i = 0; i < n * d; ++i)
    rows.as<float>()[i] = static_cast<float>(x.at(i));
  std::vector<std::vector<int64_t>> self(n);
  for (int64_t i = 0; i < n; ++i)
    self[i] = {i};
  auto neighbours = exactSearch(rows, rows, k, Similarity::Cosine, self);
  const int32_t *y = labels.as<int32_t>();
  int64_t agreeing = 0;
  for (int64_t i = 0; i < n; ++i)
    for (const Neighbour &nb : neighbours[i])
      agreeing += y[nb.id] == y[i];
  return static_cast<double>(agreeing) / (n * k);
}

double strata::runtime::knnAccuracy(const Tensor &trainX, const Tensor &trainY, const Tensor &testX,
                                    const Tensor &testY, int numClasses, int k) {
  return knnScores(trainX, trainY, testX, testY, numClasses, k).accuracy;
}
