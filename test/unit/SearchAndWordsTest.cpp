//===- SearchAndWordsTest.cpp - exact search, words, sampled fields -------===//

#include "Dataset.h"
#include "VectorSearch.h"
#include "Words.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace strata::runtime;

namespace {

Tensor matrix(int64_t rows, int64_t cols, const std::vector<float> &values) {
  Tensor t(DType::F32, {rows, cols});
  std::copy(values.begin(), values.end(), t.as<float>());
  return t;
}

} // namespace

TEST(ExactSearch, RanksByCosineAndBreaksTiesByLowerId) {
  // Rows 1 and 3 point the same way (cosine 1 with the query), row 2 is
  // orthogonal, row 0 is opposite.
  Tensor index = matrix(4, 2, {-1, 0, 2, 0, 0, 5, 7, 0});
  Tensor query = matrix(1, 2, {1, 0});
  auto hits = exactSearch(index, query, 3, Similarity::Cosine);
  ASSERT_EQ(hits.size(), 1u);
  ASSERT_EQ(hits[0].size(), 3u);
  EXPECT_EQ(hits[0][0].id, 1);
  EXPECT_EQ(hits[0][1].id, 3);
  EXPECT_FLOAT_EQ(hits[0][1].score, 1.0f);
  EXPECT_EQ(hits[0][2].id, 2);
}

TEST(ExactSearch, InnerProductUsesLengthsAndExclusionsSkipIds) {
  Tensor index = matrix(4, 2, {-1, 0, 2, 0, 0, 5, 7, 0});
  Tensor query = matrix(1, 2, {1, 0});
  auto hits = exactSearch(index, query, 2, Similarity::InnerProduct, {{3}});
  ASSERT_EQ(hits[0].size(), 2u);
  EXPECT_EQ(hits[0][0].id, 1); // 2, row 3's 7 is excluded
  EXPECT_EQ(hits[0][1].id, 2); // 0 beats row 0's -1
}

TEST(ExactSearch, ReturnsFewerWhenTheIndexIsSmall) {
  auto hits = exactSearch(matrix(2, 1, {1, 2}), matrix(1, 1, {1}), 5, Similarity::Cosine);
  EXPECT_EQ(hits[0].size(), 2u);
}

TEST(Words, LowerCasedRunsOfLetters) {
  EXPECT_EQ(wordsOf("And the LORD's word; (Selah)"),
            (std::vector<std::string>{"and", "the", "lord", "s", "word", "selah"}));
}

TEST(Words, VocabularyKeepsFrequentWordsMostFrequentFirst) {
  Vocabulary v = buildVocabulary({{"b", "a", "b", "c"}, {"a", "b", "d"}}, 2, 0);
  EXPECT_EQ(v.words, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(v.counts, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(v.find("a"), 1);
  EXPECT_EQ(v.find("c"), -1);
  EXPECT_EQ(buildVocabulary({{"b", "a", "b", "c"}}, 1, 2).words, (std::vector<std::string>{"b", "a"}));
}

TEST(SampledIds, GuideTableFindsWhatABinarySearchFinds) {
  // Skewed weights with zeros among them, like unigram^0.75 counts.
  std::vector<double> weights, cdf;
  double sum = 0;
  for (int i = 0; i < 997; ++i) {
    weights.push_back(i % 7 == 3 ? 0.0 : std::pow(1000.0 / (i + 1), 0.75));
    cdf.push_back(sum += weights.back());
  }
  SampledIds noise(weights, 5);
  for (int i = 0; i < 200000; ++i) {
    double u = (i + 0.5) / 200000.0 * sum;
    if (i % 1000 == 0)
      u = cdf[i / 1000]; // exactly on an edge
    auto expected = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
    ASSERT_EQ(noise.idOf(u), std::min<int64_t>(expected, cdf.size() - 1)) << "u = " << u;
  }
}

TEST(SampledIds, DrawsFollowTheWeightsAndRepeatPerStep) {
  SampledIds noise({1, 0, 3}, 5); // id 1 never drawn
  Tensor a(DType::I32, {200, 5}), b(DType::I32, {200, 5}), c(DType::I32, {200, 5});
  noise.draw(7, 3, a);
  noise.draw(7, 3, b);
  noise.draw(7, 4, c);
  int counts[3] = {0, 0, 0};
  bool differs = false;
  for (int64_t i = 0; i < a.numElements(); ++i) {
    ++counts[a.as<int32_t>()[i]];
    EXPECT_EQ(a.as<int32_t>()[i], b.as<int32_t>()[i]);
    differs |= a.as<int32_t>()[i] != c.as<int32_t>()[i];
  }
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[2] / 1000.0, 0.75, 0.05);
  EXPECT_TRUE(differs);
}

TEST(StepBatches, EachEpochReadsItsOwnDrawOfARedrawnSet) {
  // Two draws of 4 rows: rows 0-3 are draw 0, rows 4-7 draw 1.
  Dataset data;
  data.name = "draws";
  data.size = 4;
  data.epochDraws = 2;
  Tensor x(DType::I32, {8});
  for (int32_t i = 0; i < 8; ++i)
    x.as<int32_t>()[i] = i;
  data.fields["x"] = x;
  StepBatches batches(data, 4, 0);
  ASSERT_EQ(batches.stepsPerEpoch(), 1);
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    Tensor out(DType::I32, {4});
    batches.gather(epoch, "x", out);
    std::vector<int32_t> rows(out.as<int32_t>(), out.as<int32_t>() + 4);
    std::sort(rows.begin(), rows.end());
    int32_t first = static_cast<int32_t>(epoch % 2) * 4;
    EXPECT_EQ(rows, (std::vector<int32_t>{first, first + 1, first + 2, first + 3})) << "epoch " << epoch;
  }
}
