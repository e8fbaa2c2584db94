//===- TokenizerTest.cpp - BPE training, encoding, the file form, text sets ===//

#include "Dataset.h"
#include "Tokenizer.h"
#include "FashionMnist.h"
#include "Kjv.h"
#include "TextRows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

using namespace strata::runtime;

namespace {

std::string joined(const BpeTokenizer &t, const std::vector<int32_t> &ids) {
  std::string s;
  for (int32_t id : ids)
    s += t.piece(id) + "|";
  return s;
}

const std::vector<std::string> kCorpus = {"low lower lowest low low", "newer wider newest",
                                          "the lowest, the newest; the widest."};

} // namespace

TEST(Tokenizer, SplitsLikeTheWhitespacePreTokenizer) {
  BpeTokenizer t = BpeTokenizer::train({"x"}, 200, false);
  EXPECT_EQ(t.words("Let there be light: and  there was\tlight..."),
            (std::vector<std::string>{"Let", "there", "be", "light", ":", "and", "there", "was",
                                      "light", "..."}));
  EXPECT_EQ(t.words("a-b_c 3.5"), (std::vector<std::string>{"a", "-", "b_c", "3", ".", "5"}));
}

TEST(Tokenizer, SpecialTokensHaveTheirIds) {
  BpeTokenizer t = BpeTokenizer::train(kCorpus, 200, false);
  EXPECT_EQ(t.piece(kPadToken), "[PAD]");
  EXPECT_EQ(t.piece(kMaskToken), "[MASK]");
  EXPECT_EQ(t.piece(kStartToken), "[CLS]");
  EXPECT_EQ(t.piece(kUnknownToken), "[UNK]");
  EXPECT_EQ(t.encode("low [MASK] low"), (std::vector<int32_t>{t.encode("low")[0], kMaskToken,
                                                              t.encode("low")[0]}));
}

TEST(Tokenizer, FrequentWordsBecomeOnePieceAndRareOnesSplit) {
  BpeTokenizer t = BpeTokenizer::train(kCorpus, 4 + 94 + 10, false);
  EXPECT_EQ(t.vocabSize(), 4 + 94 + 10);
  EXPECT_EQ(t.encode("low").size(), 1u) << joined(t, t.encode("low"));
  // An unseen word still tokenizes, from smaller pieces; a character outside
  // the alphabet is [UNK].
  std::vector<int32_t> zebra = t.encode("zebra");
  EXPECT_GT(zebra.size(), 1u);
  EXPECT_EQ(joined(t, t.encode("\xC3\xA9")), "[UNK]|");
}

TEST(Tokenizer, StopsWhenNoPairIsLeft) {
  BpeTokenizer t = BpeTokenizer::train({"ab ab"}, 100000, false);
  EXPECT_EQ(t.vocabSize(), 4 + 94 + 1); // the alphabet and "ab"
}

TEST(Tokenizer, RejectsAVocabularySmallerThanTheAlphabet) {
  EXPECT_THROW(BpeTokenizer::train(kCorpus, 50, false), Error);
}

TEST(Tokenizer, LowerCases) {
  BpeTokenizer t = BpeTokenizer::train({"The the THE"}, 200, true);
  EXPECT_EQ(t.encode("THE"), t.encode("the"));
  EXPECT_EQ(t.encode("the").size(), 1u);
}

TEST(Tokenizer, TrainingIsDeterministic) {
  EXPECT_EQ(BpeTokenizer::train(kCorpus, 130, false).toJson(),
            BpeTokenizer::train(kCorpus, 130, false).toJson());
}

TEST(Tokenizer, TheFileFormRoundTrips) {
  BpeTokenizer t = BpeTokenizer::train(kCorpus, 130, true);
  BpeTokenizer back = BpeTokenizer::fromJson(t.toJson());
  EXPECT_TRUE(back.lowercase());
  EXPECT_EQ(back.vocabSize(), t.vocabSize());
  std::string text = "The newest, lowest wider [MASK] zebra\xC3\xA9!";
  EXPECT_EQ(back.encode(text), t.encode(text));
  EXPECT_EQ(back.toJson(), t.toJson());
}

TEST(Tokenizer, MergesApplyLowestRankFirst) {
  // "b c" ranks before "a b": "abc" is a + bc, although "ab" is also a piece.
  std::string json = R"({"normalizer": null, "model": {"type": "BPE",
    "vocab": {"[PAD]": 0, "[MASK]": 1, "[CLS]": 2, "[UNK]": 3, "a": 4, "b": 5, "c": 6, "bc": 7, "ab": 8},
    "merges": ["b c", ["a", "b"]]}})";
  BpeTokenizer t = BpeTokenizer::fromJson(json);
  EXPECT_EQ(t.encode("abc"), (std::vector<int32_t>{4, 7}));
  EXPECT_EQ(t.encode("abab"), (std::vector<int32_t>{8, 8}));
}

TEST(Tokenizer, RejectsABrokenFile) {
  EXPECT_THROW(BpeTokenizer::fromJson("{"), Error);
  EXPECT_THROW(BpeTokenizer::fromJson(R"({"normalizer": null, "model": {"type": "BPE",
    "vocab": {"[PAD]": 0, "[MASK]": 1, "[CLS]": 2, "[UNK]": 3, "a": 4}, "merges": ["a z"]}})"),
               Error);
}

TEST(TextData, KjvSplitsPacksAndMarksVerses) {
  if (std::system("bible -f Gen1:1 > /dev/null 2>&1") != 0 && !std::getenv("STRATA_KJV"))
    GTEST_SKIP() << "bible-kjv is not installed";
  std::vector<std::string> verses = kjvVerses();
  ASSERT_EQ(verses.size(), 31102u);
  EXPECT_EQ(verses[0], "In the beginning God created the heaven and the earth.");
  int64_t heldOut = 0;
  for (size_t i = 0; i < verses.size(); ++i)
    heldOut += kjvHeldOut(static_cast<int64_t>(i));
  EXPECT_GT(heldOut, 1300);
  EXPECT_LT(heldOut, 1800);

  Dataset test = loadKjv("test", 64, 1000);
  ASSERT_TRUE(test.tokenizer);
  EXPECT_EQ(test.tokenizer->vocabSize(), 1000);
  const Tensor &tokens = test.fields.at("tokens");
  ASSERT_EQ(tokens.shape(), (std::vector<int64_t>{test.size, 64}));
  // Every held-out verse starts with [CLS]; only the last row is padded.
  int64_t starts = 0, pads = 0;
  for (int64_t i = 0; i < tokens.numElements(); ++i) {
    int32_t id = tokens.as<int32_t>()[i];
    ASSERT_GE(id, 0);
    ASSERT_LT(id, 1000);
    starts += id == kStartToken;
    pads += id == kPadToken;
  }
  EXPECT_EQ(starts, heldOut);
  EXPECT_LT(pads, 64);
  EXPECT_EQ(tokens.as<int32_t>()[0], kStartToken);
}

TEST(TextData, CaptionsNameTheClassOfTheirImage) {
  if (std::system(("test -r " + fashionMnistDirectory() + "/t10k-labels-idx1-ubyte.gz").c_str()) != 0)
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  Dataset d = loadFashionMnistCaptions("test", 16, 1024);
  const Tensor &caption = d.fields.at("caption");
  ASSERT_EQ(caption.shape(), (std::vector<int64_t>{10000, 16}));
  const int32_t *labels = d.fields.at("label").as<int32_t>();
  for (int64_t i = 0; i < 20; ++i) {
    std::string text;
    for (int64_t k = 0; k < 16; ++k)
      if (int32_t id = caption.as<int32_t>()[i * 16 + k]; id != kPadToken)
        text += d.tokenizer->piece(id);
    std::string name = fashionMnistClassNames()[labels[i]];
    name.erase(std::remove(name.begin(), name.end(), ' '), name.end());
    EXPECT_NE(text.find(name), std::string::npos) << text;
  }
  EXPECT_EQ(captionOf("a photo of {a} {c}.", 9), "a photo of an ankle boot.");
  EXPECT_EQ(captionOf("{a} {c}.", 7), "a sneaker.");
}

TEST(TextRows, OneRowPerTextStartTokenThenIdsCutAndPadded) {
  BpeTokenizer t = BpeTokenizer::train(kCorpus, 200, false);
  std::vector<std::string> texts = {"the cat", "the cat sat on the mat and the dog sat too"};
  Tensor rows = textRows(t, texts, 6);
  ASSERT_EQ(rows.shape(), (std::vector<int64_t>{2, 6}));
  const int32_t *r = rows.as<int32_t>();
  std::vector<int32_t> short_ = t.encode(texts[0]), long_ = t.encode(texts[1]);
  ASSERT_LT(short_.size(), 5u);
  ASSERT_GT(long_.size(), 5u);
  EXPECT_EQ(r[0], kStartToken);
  for (size_t i = 0; i < short_.size(); ++i)
    EXPECT_EQ(r[1 + i], short_[i]);
  for (size_t i = 1 + short_.size(); i < 6; ++i)
    EXPECT_EQ(r[i], kPadToken);
  EXPECT_EQ(r[6], kStartToken);
  for (size_t i = 0; i < 5; ++i) // cut at seqLen: the start token and 5 ids
    EXPECT_EQ(r[7 + i], long_[i]);
}
