//===- Geometry.cpp - effective rank, spread and uniformity of embeddings --===//

#include "Geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <vector>

// LAPACK's symmetric eigensolver, from the OpenBLAS the runtime links.
extern "C" void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                       double *w, double *work, const int *lwork, int *info);

using namespace strata::runtime;

namespace {

/// The rows of `t` as doubles, [rows][dim] flattened.
std::vector<double> rowsOf(const Tensor &t, int64_t rows, int64_t dim) {
  std::vector<double> x(rows * dim);
  for (int64_t i = 0; i < rows * dim; ++i)
    x[i] = t.at(i);
  return x;
}

/// Per-dimension means of the rows.
std::vector<double> meansOf(const std::vector<double> &x, int64_t rows, int64_t dim) {
  std::vector<double> mean(dim, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t d = 0; d < dim; ++d)
      mean[d] += x[r * dim + d] / rows;
  return mean;
}

/// The dim x dim covariance of the rows (lower triangle, row-major; the
/// upper triangle is left zero).
std::vector<double> covarianceOf(const std::vector<double> &x, int64_t rows, int64_t dim) {
  std::vector<double> mean = meansOf(x, rows, dim), cov(dim * dim, 0.0), centered(dim);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t d = 0; d < dim; ++d)
      centered[d] = x[r * dim + d] - mean[d];
    for (int64_t i = 0; i < dim; ++i)
      for (int64_t j = 0; j <= i; ++j)
        cov[i * dim + j] += centered[i] * centered[j] / rows;
  }
  return cov;
}

/// Eigenvalues (ascending) of a covariance from covarianceOf, and with
/// `vectors` its eigenvectors, overwriting `cov`: eigenvector i is
/// cov[i * dim .. i * dim + dim) (LAPACK reads the lower triangle of the
/// row-major matrix as its column-major upper one, and writes column-major
/// vectors, which are rows here).
std::vector<double> eigenOf(std::vector<double> &cov, int64_t dim, bool vectors) {
  int n = static_cast<int>(dim), lwork = -1, info = 0;
  const char *job = vectors ? "V" : "N";
  std::vector<double> w(dim);
  double query = 0;
  dsyev_(job, "U", &n, cov.data(), &n, w.data(), &query, &lwork, &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(std::max(lwork, 1));
  dsyev_(job, "U", &n, cov.data(), &n, w.data(), work.data(), &lwork, &info);
  if (info != 0)
    throw std::runtime_error("dsyev failed (info " + std::to_string(info) + ")");
  return w;
}

/// `scale`: the rows' own size (their Frobenius norm, in the units of the
/// singular values); singular values below
/// a millionth of it are rounding, not spread (rows that are one point
/// leave about 1e-16 of it after centering).
double effectiveRankOf(const std::vector<double> &eigenvalues, double scale) {
  // Singular values of the centered rows are the square roots.
  std::vector<double> sigma;
  double total = 0;
  for (double lambda : eigenvalues) {
    double s = std::sqrt(std::max(lambda, 0.0));
    sigma.push_back(s > 1e-6 * scale ? s : 0.0);
    total += sigma.back();
  }
  if (total <= 0)
    return 0;
  double entropy = 0;
  for (double s : sigma)
    if (s > 0)
      entropy -= (s / total) * std::log(s / total);
  return std::exp(entropy);
}

/// Per-dimension standard deviations of the rows.
std::vector<double> stdsOf(const std::vector<double> &x, int64_t rows, int64_t dim) {
  std::vector<double> mean = meansOf(x, rows, dim), var(dim, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t d = 0; d < dim; ++d)
      var[d] += (x[r * dim + d] - mean[d]) * (x[r * dim + d] - mean[d]) / rows;
  for (double &v : var)
    v = std::sqrt(v);
  return var;
}

/// The rows scaled to unit length (a zero row stays zero).
std::vector<double> normalized(std::vector<double> x, int64_t rows, int64_t dim) {
  for (int64_t r = 0; r < rows; ++r) {
    double norm = 0;
    for (int64_t d = 0; d < dim; ++d)
      norm += x[r * dim + d] * x[r * dim + d];
    norm = std::sqrt(norm);
    for (int64_t d = 0; d < dim && norm > 0; ++d)
      x[r * dim + d] /= norm;
  }
  return x;
}

} // namespace

Geometry strata::runtime::geometryOf(const Tensor &embeddings) {
  Geometry g;
  g.rows = embeddings.shape().empty() ? 0 : embeddings.shape()[0];
  if (g.rows == 0)
    return g;
  g.dim = embeddings.numElements() / g.rows;
  std::vector<double> x = rowsOf(embeddings, g.rows, g.dim);
  // One covariance gives both the spectrum and, on its diagonal, each
  // dimension's variance.
  std::vector<double> cov = covarianceOf(x, g.rows, g.dim);
  double squares = 0;
  for (double v : x)
    squares += v * v;
  // The deviations first: the eigen solver overwrites the covariance, its
  // diagonal included (reading it afterwards gave a dead unit's std as -nan).
  g.stdMin = std::numeric_limits<double>::infinity();
  for (int64_t d = 0; d < g.dim; ++d) {
    double deviation = std::sqrt(std::max(cov[d * g.dim + d], 0.0));
    g.stdMin = std::min(g.stdMin, deviation);
    g.stdMean += deviation / g.dim;
  }
  // (The covariance is divided by the rows, so its singular values are
  // sqrt(rows) smaller than the rows'; the scale follows.)
  g.effectiveRank = effectiveRankOf(eigenOf(cov, g.dim, /*vectors=*/false), std::sqrt(squares / g.rows));
  for (double s : stdsOf(normalized(x, g.rows, g.dim), g.rows, g.dim))
    g.normalizedStd += s / g.dim * std::sqrt(static_cast<double>(g.dim));
  return g;
}

double strata::runtime::uniformity(const Tensor &embeddings, int64_t maxRows) {
  int64_t rows = std::min<int64_t>(embeddings.shape()[0], maxRows);
  int64_t dim = embeddings.numElements() / embeddings.shape()[0];
  std::vector<double> u = normalized(rowsOf(embeddings, rows, dim), rows, dim);
  double sum = 0;
  int64_t pairs = 0;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = i + 1; j < rows; ++j, ++pairs) {
      double squared = 0;
      for (int64_t d = 0; d < dim; ++d)
        squared += (u[i * dim + d] - u[j * dim + d]) * (u[i * dim + d] - u[j * dim + d]);
      sum += std::exp(-2.0 * squared);
    }
  return pairs > 0 ? std::log(sum / pairs) : 0.0;
}

Tensor strata::runtime::principalComponents(const Tensor &embeddings, int64_t count,
                                            std::vector<double> *explained) {
  int64_t rows = embeddings.shape().empty() ? 0 : embeddings.shape()[0];
  if (rows == 0)
    throw std::invalid_argument("principal components of no rows");
  int64_t dim = embeddings.numElements() / rows;
  if (count < 1 || count > dim)
    throw std::invalid_argument("principal components: asked for " + std::to_string(count) + " of " +
                                std::to_string(dim) + " dimensions");
  std::vector<double> x = rowsOf(embeddings, rows, dim), mean = meansOf(x, rows, dim);
  std::vector<double> axes = covarianceOf(x, rows, dim);
  std::vector<double> variance = eigenOf(axes, dim, /*vectors=*/true);
  double total = 0;
  for (double v : variance)
    total += std::max(v, 0.0);
  if (explained)
    explained->clear();
  Tensor out(DType::F32, {rows, count});
  for (int64_t c = 0; c < count; ++c) {
    const double *axis = axes.data() + (dim - 1 - c) * dim; // largest first
    // An eigenvector's sign is arbitrary: fix it so its largest entry is positive.
    int64_t peak = 0;
    for (int64_t d = 1; d < dim; ++d)
      if (std::abs(axis[d]) > std::abs(axis[peak]))
        peak = d;
    double sign = axis[peak] < 0 ? -1.0 : 1.0;
    for (int64_t r = 0; r < rows; ++r) {
      double dot = 0;
      for (int64_t d = 0; d < dim; ++d)
        dot += (x[r * dim + d] - mean[d]) * axis[d];
      out.as<float>()[r * count + c] = static_cast<float>(sign * dot);
    }
    if (explained)
      explained->push_back(total > 0 ? std::max(variance[dim - 1 - c], 0.0) / total : 0.0);
  }
  return out;
}

double strata::runtime::alignment(const Tensor &embeddings, const Tensor &labels, int64_t maxRows) {
  if (labels.dtype() != DType::I32 || labels.numElements() != embeddings.shape()[0])
    throw std::invalid_argument("alignment needs one i32 label per row");
  int64_t rows = std::min<int64_t>(embeddings.shape()[0], maxRows);
  int64_t dim = embeddings.numElements() / embeddings.shape()[0];
  std::vector<double> u = normalized(rowsOf(embeddings, rows, dim), rows, dim);
  const int32_t *y = labels.as<int32_t>();
  double sum = 0;
  int64_t pairs = 0;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = i + 1; j < rows; ++j) {
      if (y[i] != y[j])
        continue;
      for (int64_t d = 0; d < dim; ++d)
        sum += (u[i * dim + d] - u[j * dim + d]) * (u[i * dim + d] - u[j * dim + d]);
      ++pairs;
    }
  return pairs > 0 ? sum / pairs : 0.0;
}

std::string strata::runtime::collapseSign(const Geometry &g) {
  char text[160];
  if (g.effectiveRank < 1.5 || g.normalizedStd < 0.005) {
    std::snprintf(text, sizeof text, "effective rank %.2f of %lld, normalized std %.4f",
                  g.effectiveRank, (long long)g.dim, g.normalizedStd);
    return text;
  }
  return "";
}
