//===- VectorSearch.cpp - exact nearest neighbours of embeddings ----------===//

#include "VectorSearch.h"

#include "Parallel.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

using namespace strata::runtime;

namespace {

/// The k best of one query's scores over n rows, skipping `skip` (sorted).
std::vector<Neighbour> topK(const float *scores, int64_t n, int64_t k,
                            const std::vector<int64_t> &skip) {
  std::vector<Neighbour> heap; // a min-heap by ranksAbove: the worst kept on top
  heap.reserve(k + 1);
  for (int64_t i = 0; i < n; ++i) {
    Neighbour candidate{i, scores[i]};
    if (static_cast<int64_t>(heap.size()) == k && !ranksAbove(candidate, heap.front()))
      continue;
    if (!skip.empty() && std::binary_search(skip.begin(), skip.end(), i))
      continue;
    heap.push_back(candidate);
    std::push_heap(heap.begin(), heap.end(), ranksAbove);
    if (static_cast<int64_t>(heap.size()) > k) {
      std::pop_heap(heap.begin(), heap.end(), ranksAbove);
      heap.pop_back();
    }
  }
  std::sort(heap.begin(), heap.end(), ranksAbove);
  return heap;
}

} // namespace

bool strata::runtime::ranksAbove(const Neighbour &a, const Neighbour &b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

void strata::runtime::checkMatrix(const Tensor &t, const char *what) {
  if (t.dtype() != DType::F32 || t.shape().size() != 2)
    throw std::invalid_argument(std::string(what) + " must be f32 [rows, dim]");
}

Tensor strata::runtime::unitRows(const Tensor &x) {
  checkMatrix(x, "unitRows");
  int64_t n = x.shape()[0], d = x.shape()[1];
  Tensor out(DType::F32, {n, d});
  const float *src = x.as<float>();
  float *dst = out.as<float>();
  for (int64_t i = 0; i < n; ++i) {
    double norm = 0;
    for (int64_t j = 0; j < d; ++j)
      norm += double(src[i * d + j]) * src[i * d + j];
    float scale = norm > 0 ? static_cast<float>(1 / std::sqrt(norm)) : 0.0f;
    for (int64_t j = 0; j < d; ++j)
      dst[i * d + j] = src[i * d + j] * scale;
  }
  return out;
}

std::vector<std::vector<Neighbour>>
strata::runtime::exactSearch(const Tensor &index, const Tensor &queries, int64_t k,
                             Similarity similarity, const std::vector<std::vector<int64_t>> &exclude) {
  checkMatrix(index, "the index");
  checkMatrix(queries, "the queries");
  int64_t n = index.shape()[0], d = index.shape()[1], q = queries.shape()[0];
  if (queries.shape()[1] != d)
    throw std::invalid_argument("queries have " + std::to_string(queries.shape()[1]) +
                                " columns, the index " + std::to_string(d));
  if (k < 1)
    throw std::invalid_argument("k must be at least 1");
  if (!exclude.empty() && static_cast<int64_t>(exclude.size()) != q)
    throw std::invalid_argument("one exclusion list per query");
  bool cosine = similarity == Similarity::Cosine;
  Tensor rows = cosine ? unitRows(index) : Tensor(), asked = cosine ? unitRows(queries) : Tensor();
  const float *x = cosine ? rows.as<float>() : index.as<float>();
  const float *y = cosine ? asked.as<float>() : queries.as<float>();
  std::vector<std::vector<int64_t>> skip(exclude);
  for (auto &ids : skip)
    std::sort(ids.begin(), ids.end());

  const std::vector<int64_t> none;
  std::vector<std::vector<Neighbour>> results(q);
  const int64_t block = 256; // queries per matrix product: block x n floats of scores
  std::vector<float> scores(std::min(block, q) * n);
  for (int64_t start = 0; start < q; start += block) {
    int64_t m = std::min(block, q - start);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, d, 1.0f, y + start * d, d, x, d,
                0.0f, scores.data(), n);
    auto select = [&](int64_t first, int64_t last) {
      for (int64_t r = first; r < last; ++r)
        results[start + r] = topK(scores.data() + r * n, n, k, skip.empty() ? none : skip[start + r]);
    };
    parallelRanges(m, select);
  }
  return results;
}
