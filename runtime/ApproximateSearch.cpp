//===- ApproximateSearch.cpp - HNSW nearest neighbours of embeddings ------===//

#include "ApproximateSearch.h"

#include "Parallel.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

using namespace strata::runtime;

struct ApproximateIndex::Graph {
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> hnsw;
  Graph(int64_t rows, int64_t dim, const HnswOptions &o)
      : space(static_cast<size_t>(dim)),
        hnsw(&space, static_cast<size_t>(rows), static_cast<size_t>(o.m),
             static_cast<size_t>(o.efConstruction), static_cast<size_t>(o.seed)) {}
  Graph(const std::string &path, int64_t dim) : space(static_cast<size_t>(dim)), hnsw(&space, path) {}
};

ApproximateIndex::ApproximateIndex(const Tensor &rows, Similarity similarity, const HnswOptions &options)
    : similarity_(similarity) {
  checkMatrix(rows, "the index");
  if (options.m < 2 || options.efConstruction < 1 || options.efSearch < 1)
    throw std::invalid_argument("HNSW needs m >= 2, ef_construction >= 1 and ef_search >= 1");
  rows_ = rows.shape()[0];
  dim_ = rows.shape()[1];
  if (rows_ == 0)
    throw std::invalid_argument("the index has no rows");
  graph_ = std::make_unique<Graph>(rows_, dim_, options);
  Tensor unit = similarity == Similarity::Cosine ? unitRows(rows) : Tensor();
  const float *x = similarity == Similarity::Cosine ? unit.as<float>() : rows.as<float>();
  // Row order, one thread: hnswlib's graph depends on the insertion order.
  for (int64_t i = 0; i < rows_; ++i)
    graph_->hnsw.addPoint(x + i * dim_, static_cast<hnswlib::labeltype>(i));
  graph_->hnsw.setEf(static_cast<size_t>(options.efSearch)); // searchKnn uses max(ef, k)
}

void ApproximateIndex::setEfSearch(int64_t ef) { graph_->hnsw.setEf(static_cast<size_t>(ef)); }

ApproximateIndex::ApproximateIndex(Similarity similarity) : similarity_(similarity), rows_(0), dim_(0) {}

std::unique_ptr<ApproximateIndex> ApproximateIndex::load(const std::string &path, int64_t dim,
                                                         Similarity similarity, const HnswOptions &options) {
  std::unique_ptr<ApproximateIndex> index(new ApproximateIndex(similarity));
  index->graph_ = std::make_unique<Graph>(path, dim);
  index->rows_ = static_cast<int64_t>(index->graph_->hnsw.cur_element_count);
  index->dim_ = dim;
  index->graph_->hnsw.setEf(static_cast<size_t>(options.efSearch));
  return index;
}

void ApproximateIndex::save(const std::string &path) const { graph_->hnsw.saveIndex(path); }

ApproximateIndex::~ApproximateIndex() = default;

std::vector<std::vector<Neighbour>>
ApproximateIndex::search(const Tensor &queries, int64_t k, const std::vector<std::vector<int64_t>> &exclude) const {
  checkMatrix(queries, "the queries");
  int64_t q = queries.shape()[0];
  if (queries.shape()[1] != dim_)
    throw std::invalid_argument("queries have " + std::to_string(queries.shape()[1]) +
                                " columns, the index " + std::to_string(dim_));
  if (k < 1)
    throw std::invalid_argument("k must be at least 1");
  if (!exclude.empty() && static_cast<int64_t>(exclude.size()) != q)
    throw std::invalid_argument("one exclusion list per query");
  Tensor unit = similarity_ == Similarity::Cosine ? unitRows(queries) : Tensor();
  const float *y = similarity_ == Similarity::Cosine ? unit.as<float>() : queries.as<float>();

  std::vector<std::vector<Neighbour>> results(q);
  auto answer = [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      const std::vector<int64_t> *skip = exclude.empty() ? nullptr : &exclude[r];
      // Ask for the excluded ids too, so k remain after dropping them.
      size_t want = static_cast<size_t>(std::min<int64_t>(k + (skip ? skip->size() : 0), rows_));
      auto found = graph_->hnsw.searchKnn(y + r * dim_, want);
      std::vector<Neighbour> &list = results[r];
      while (!found.empty()) {
        auto [distance, label] = found.top();
        found.pop();
        int64_t id = static_cast<int64_t>(label);
        if (skip && std::find(skip->begin(), skip->end(), id) != skip->end())
          continue;
        list.push_back({id, 1.0f - distance}); // hnswlib's inner-product distance is 1 - <x, y>
      }
      std::sort(list.begin(), list.end(), ranksAbove);
      if (static_cast<int64_t>(list.size()) > k)
        list.resize(k);
    }
  };
  parallelRanges(q, answer);
  return results;
}

double strata::runtime::recallAtK(const std::vector<std::vector<Neighbour>> &approximate,
                                  const std::vector<std::vector<Neighbour>> &exact) {
  if (approximate.size() != exact.size())
    throw std::invalid_argument("recall needs one approximate list per exact list");
  int64_t found = 0, wanted = 0;
  for (size_t q = 0; q < exact.size(); ++q) {
    std::unordered_set<int64_t> ids;
    for (const Neighbour &n : approximate[q])
      ids.insert(n.id);
    for (const Neighbour &n : exact[q])
      found += ids.count(n.id);
    wanted += static_cast<int64_t>(exact[q].size());
  }
  return wanted ? static_cast<double>(found) / wanted : 1.0;
}
