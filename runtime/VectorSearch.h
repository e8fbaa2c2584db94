//===- VectorSearch.h - exact nearest neighbours of embeddings ---*- C++ -*-===//
//
// Exact top-k search over the rows of an [N, d] f32 matrix by cosine
// similarity or inner product: queries in blocks, each block's scores one
// BLAS matrix product against every row, then a bounded heap per query,
// the queries of a block split across threads. Equal scores rank the lower
// id first, so results are deterministic. kNN classification
// (Probe.h) and `strata search` both use it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Function.h"

#include <cstdint>
#include <vector>

namespace strata::runtime {

enum class Similarity { Cosine, InnerProduct };

struct Neighbour {
  int64_t id;
  float score;
};

/// For each row of `queries` [Q, d], the `k` rows of `index` [N, d] that
/// score highest, best first, leaving out the ids in `exclude[q]` (when
/// `exclude` is non-empty it has one list per query). Fewer than k come back
/// only when the index has fewer eligible rows.
std::vector<std::vector<Neighbour>> exactSearch(const Tensor &index, const Tensor &queries,
                                                int64_t k, Similarity similarity,
                                                const std::vector<std::vector<int64_t>> &exclude = {});

/// Ranks a above b: higher score, then lower id (so results are deterministic).
bool ranksAbove(const Neighbour &a, const Neighbour &b);

/// Throws std::invalid_argument unless `t` is f32 [rows, dim].
void checkMatrix(const Tensor &t, const char *what);

/// A copy of f32 [N, d] `x` with every non-zero row scaled to unit length.
Tensor unitRows(const Tensor &x);

} // namespace strata::runtime
