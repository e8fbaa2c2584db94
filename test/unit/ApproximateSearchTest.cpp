//===- ApproximateSearchTest.cpp - the HNSW index against exact search ----===//

#include "ApproximateSearch.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <unistd.h>

using namespace strata::runtime;

namespace {

Tensor gaussianRows(int64_t rows, int64_t cols, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  Tensor t(DType::F32, {rows, cols});
  for (int64_t i = 0; i < rows * cols; ++i)
    t.as<float>()[i] = normal(rng);
  return t;
}

} // namespace

TEST(ApproximateSearch, FindsAlmostAllExactNeighboursAndHonoursExclusions) {
  Tensor rows = gaussianRows(3000, 16, 1), queries = gaussianRows(100, 16, 2);
  ApproximateIndex index(rows, Similarity::Cosine);
  auto approximate = index.search(queries, 10);
  auto exact = exactSearch(rows, queries, 10, Similarity::Cosine);
  EXPECT_GT(recallAtK(approximate, exact), 0.95);
  // Scores are cosines, best first.
  for (const auto &list : approximate) {
    ASSERT_EQ(list.size(), 10u);
    for (size_t r = 1; r < list.size(); ++r)
      EXPECT_GE(list[r - 1].score, list[r].score);
    EXPECT_LE(list[0].score, 1.0f + 1e-5f);
  }
  // A query equal to row 7, with row 7 left out, never gets row 7 back.
  Tensor row7(DType::F32, {1, 16});
  std::copy_n(rows.as<float>() + 7 * 16, 16, row7.as<float>());
  EXPECT_EQ(index.search(row7, 1)[0][0].id, 7);
  auto without = index.search(row7, 5, {{7}});
  ASSERT_EQ(without[0].size(), 5u);
  for (const Neighbour &n : without[0])
    EXPECT_NE(n.id, 7);
}

TEST(ApproximateSearch, ASavedGraphAnswersAsTheBuiltOne) {
  Tensor rows = gaussianRows(500, 8, 3), queries = gaussianRows(20, 8, 4);
  ApproximateIndex built(rows, Similarity::InnerProduct);
  std::string path = "/tmp/strata-hnsw-test-" + std::to_string(::getpid());
  built.save(path);
  auto loaded = ApproximateIndex::load(path, 8, Similarity::InnerProduct, {});
  std::remove(path.c_str());
  EXPECT_EQ(loaded->size(), 500);
  auto a = built.search(queries, 5), b = loaded->search(queries, 5);
  for (size_t q = 0; q < a.size(); ++q)
    for (size_t r = 0; r < a[q].size(); ++r) {
      EXPECT_EQ(a[q][r].id, b[q][r].id);
      EXPECT_EQ(a[q][r].score, b[q][r].score);
    }
}

TEST(ApproximateSearch, RecallCountsSharedIds) {
  std::vector<std::vector<Neighbour>> exact{{{1, 0}, {2, 0}}, {{3, 0}, {4, 0}}};
  std::vector<std::vector<Neighbour>> approximate{{{2, 0}, {9, 0}}, {{4, 0}, {3, 0}}};
  EXPECT_DOUBLE_EQ(recallAtK(approximate, exact), 0.75);
}
