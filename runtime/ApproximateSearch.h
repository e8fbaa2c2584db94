//===- ApproximateSearch.h - HNSW nearest neighbours of embeddings -*- C++ -*-===//
//
// Approximate top-k search for large embedding sets, through hnswlib's
// hierarchical navigable small-world graph (Malkov & Yashunin), Debian's
// libhnswlib-dev. Cosine similarity is the inner product of unit rows. The
// graph is built on one thread, in row order, from a fixed seed, so the same
// rows give the same graph and the same answers; queries run on every core.
// Only the `strata` tools link this: the bundle runtime does not need it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "VectorSearch.h"

#include <memory>
#include <string>

namespace strata::runtime {

struct HnswOptions {
  int64_t m = 16;                // graph degree (links per node and layer)
  int64_t efConstruction = 200;  // candidate list while building
  int64_t efSearch = 64;         // candidate list while searching (at least k)
  uint64_t seed = 100;           // draws each node's top layer
};

class ApproximateIndex {
public:
  /// Builds the graph over the rows of f32 [N, d] `rows`.
  ApproximateIndex(const Tensor &rows, Similarity similarity, const HnswOptions &options = {});
  /// Reads a graph that `save` wrote for rows of `dim` columns; the caller
  /// makes sure it was built from the same rows, similarity and options.
  static std::unique_ptr<ApproximateIndex> load(const std::string &path, int64_t dim, Similarity similarity,
                                                const HnswOptions &options);
  /// Writes the graph (and the vectors in it) in hnswlib's own format.
  void save(const std::string &path) const;
  ~ApproximateIndex();
  ApproximateIndex(const ApproximateIndex &) = delete;
  ApproximateIndex &operator=(const ApproximateIndex &) = delete;

  /// Like exactSearch: the k best rows of each query, best first, leaving out
  /// the ids in `exclude[q]`; scores are cosine or inner product as built.
  std::vector<std::vector<Neighbour>> search(const Tensor &queries, int64_t k,
                                             const std::vector<std::vector<int64_t>> &exclude = {}) const;

  /// The candidate list of later searches (at least k is used).
  void setEfSearch(int64_t ef);

  int64_t size() const { return rows_; }
  int64_t dim() const { return dim_; }

private:
  explicit ApproximateIndex(Similarity similarity);
  struct Graph;
  std::unique_ptr<Graph> graph_;
  Similarity similarity_;
  int64_t rows_, dim_;
};

/// The share of `exact`'s ids that `approximate` also returned, over all
/// queries (recall@k, k the length of each exact list).
double recallAtK(const std::vector<std::vector<Neighbour>> &approximate,
                 const std::vector<std::vector<Neighbour>> &exact);

} // namespace strata::runtime
