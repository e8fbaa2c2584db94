//===- Words.h - word-level text: vocabulary, skip-gram pairs ----*- C++ -*-===//
//
// Word embeddings read the KJV as words, not BPE pieces: lower-cased, a word
// is a maximal run of the letters a-z (so "LORD's" is "lord", "s"), and each
// verse is a sentence that no window crosses. The vocabulary keeps the words
// seen at least min_count times in the training verses, most frequent first
// (ties alphabetical); rarer words are dropped before windowing, as gensim
// and word2vec do.
//
// kjv_words holds word2vec's skip-gram pairs: each kept word (after frequent-
// word subsampling) pairs with every word within a reduced window of it.
// kjv_cooccurrence holds GloVe's weighted co-occurrence counts instead.
// Subsampling and window draws are fixed per data set (Philox keyed by the
// word's position), the 5 noise words of each pair are drawn afresh at every
// step from the unigram^0.75 distribution (see Dataset::sampledIds).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace strata::runtime {

/// The lower-cased words of `text`: maximal runs of ASCII letters.
std::vector<std::string> wordsOf(const std::string &text);

struct Vocabulary {
  std::vector<std::string> words; // id -> word, most frequent first
  std::vector<int64_t> counts;    // id -> occurrences in the training text
  std::unordered_map<std::string, int32_t> ids;

  /// A vocabulary of these words, id order (no counts).
  static Vocabulary ofWords(std::vector<std::string> words);
  /// The id of `word` (lower-cased by the caller), or -1.
  int32_t find(const std::string &word) const;
  int64_t size() const { return static_cast<int64_t>(words.size()); }
};

/// Words seen at least `minCount` times in `sentences`, at most `limit`.
Vocabulary buildVocabulary(const std::vector<std::vector<std::string>> &sentences,
                           int64_t minCount, int64_t limit);

/// What a word set's spec line says. kjv_cooccurrence reads window,
/// min_count and vocab; kjv_words all five.
/// The most draws of the skip-gram pairs a word set holds; epochs beyond
/// take them again in turn.
constexpr int64_t kMaxWordDraws = 8;

struct WordDataOptions {
  int64_t window = 5;     // the largest distance of a context word
  int64_t negatives = 5;  // noise words per pair
  int64_t minCount = 5;
  double subsample = 1e-3; // word2vec's sample threshold; 0 keeps every word
  int64_t vocab = 0;       // the spec's embedding rows: the vocabulary's limit
  int64_t draws = 1;       // kjv_words: independent draws of the pairs, one per epoch
};

/// GloVe's co-occurrence counts of the KJV's `split`: for each pair of
/// vocabulary words within `window` of each other in a verse, X_ij summed
/// over their occurrences with weight 1 / distance (both orders counted), one
/// row per non-zero entry: "row" and "col" i32 [N], "count" f32 [N]; the
/// vocabulary of the training verses.
Dataset loadKjvCooccurrence(const std::string &split, const WordDataOptions &options);

/// Skip-gram pairs of the KJV's `split` ("train": the verses kjvHeldOut
/// leaves in, "test": the held-out 5%): "center" and "context" i32 [N], the
/// sampled field "negatives" i32 [N, K], and the vocabulary of the training
/// verses. Which words subsampling keeps and how far each window reaches are
/// drawn `draws` times, as word2vec draws them again every epoch: the fields
/// hold the draws one after another, each cut to the shortest draw's N pairs
/// (a few pairs at the end of the corpus), and epoch e reads draw e mod draws.
Dataset loadKjvWords(const std::string &split, const WordDataOptions &options);

} // namespace strata::runtime
