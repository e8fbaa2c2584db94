//===- Words.cpp - word-level text: vocabulary, skip-gram pairs -----------===//

#include "Words.h"

#include "Kjv.h"
#include "Philox.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace strata::runtime;

std::vector<std::string> strata::runtime::wordsOf(const std::string &text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower >= 'a' && lower <= 'z') {
      word += lower;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty())
    words.push_back(std::move(word));
  return words;
}

Vocabulary Vocabulary::ofWords(std::vector<std::string> words) {
  Vocabulary v;
  v.words = std::move(words);
  for (size_t id = 0; id < v.words.size(); ++id)
    v.ids[v.words[id]] = static_cast<int32_t>(id);
  return v;
}

int32_t Vocabulary::find(const std::string &word) const {
  auto it = ids.find(word);
  return it == ids.end() ? -1 : it->second;
}

Vocabulary strata::runtime::buildVocabulary(const std::vector<std::vector<std::string>> &sentences,
                                            int64_t minCount, int64_t limit) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto &sentence : sentences)
    for (const std::string &word : sentence)
      ++counts[word];
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto &[word, count] : counts)
    if (count >= minCount)
      kept.emplace_back(word, count);
  std::sort(kept.begin(), kept.end(), [](const auto &a, const auto &b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (limit > 0 && static_cast<int64_t>(kept.size()) > limit)
    kept.resize(limit);
  std::vector<std::string> words;
  for (const auto &entry : kept)
    words.push_back(entry.first);
  Vocabulary v = Vocabulary::ofWords(std::move(words));
  for (const auto &entry : kept)
    v.counts.push_back(entry.second);
  return v;
}

namespace {

void requireWordDataOptions(const WordDataOptions &o) {
  if (o.window < 1 || o.negatives < 1 || o.minCount < 1 || o.vocab < 1 || o.subsample < 0)
    throw DataError{"kjv_words needs window, negatives, min_count and vocab of at least 1 and a "
                    "non-negative subsample"};
}

/// word2vec's probability of keeping one occurrence of a word seen `count`
/// times among `total`: (sqrt(c / (s T)) + 1) (s T) / c, at most 1.
double keepProbability(int64_t count, int64_t total, double sample) {
  if (sample <= 0)
    return 1.0;
  double threshold = sample * static_cast<double>(total);
  double c = static_cast<double>(count);
  return std::min(1.0, (std::sqrt(c / threshold) + 1.0) * threshold / c);
}

/// The KJV's verses as words: those of `split`, and the vocabulary of the
/// training verses.
struct KjvWords {
  std::vector<std::string> texts;                   // the split's verses
  std::vector<std::vector<std::string>> sentences;  // and their words
  Vocabulary vocab;
};

KjvWords readKjvWords(const std::string &name, const std::string &split,
                      const WordDataOptions &options) {
  KjvSplit verses = kjvSplit(name, split);
  KjvWords out;
  for (const std::string &verse : verses.split)
    out.sentences.push_back(wordsOf(verse));
  // The vocabulary comes from the training verses: the split's own words
  // when the split is "train".
  std::vector<std::vector<std::string>> trainSentences;
  if (split != "train")
    for (const std::string &verse : verses.train)
      trainSentences.push_back(wordsOf(verse));
  out.vocab = buildVocabulary(split == "train" ? out.sentences : trainSentences, options.minCount,
                              options.vocab);
  out.texts = std::move(verses.split);
  if (out.vocab.size() == 0)
    throw DataError{name + ": no word occurs min_count times"};
  return out;
}

/// A sentence's in-vocabulary word ids.
std::vector<int32_t> idsOf(const std::vector<std::string> &sentence, const Vocabulary &vocab) {
  std::vector<int32_t> ids;
  for (const std::string &word : sentence)
    if (int32_t id = vocab.find(word); id >= 0)
      ids.push_back(id);
  return ids;
}

/// Appends draw `draw` of the corpus's skip-gram pairs, in corpus order, to
/// `centers` and `contexts`; returns how many. The draw is of which words
/// subsampling keeps and how far each one's window reaches, keyed by the draw
/// and by the position of each in-vocabulary word of the split, and of each
/// kept one.
size_t appendSkipGramPairs(const KjvWords &corpus, int64_t total, const WordDataOptions &options,
                           uint64_t draw, std::vector<int32_t> &centers,
                           std::vector<int32_t> &contexts) {
  const Vocabulary &vocab = corpus.vocab;
  size_t before = centers.size();
  uint64_t position = 0, keptPosition = 0;
  std::vector<int32_t> kept;
  for (const auto &sentence : corpus.sentences) {
    kept.clear();
    for (int32_t id : idsOf(sentence, vocab)) {
      auto bits = philox(position++, 0x5753, draw, 0); // "WS": word subsampling
      if (uniformFromBits(bits[0]) < keepProbability(vocab.counts[id], total, options.subsample))
        kept.push_back(id);
    }
    for (size_t i = 0; i < kept.size(); ++i) {
      // The reduced window: 1..window, uniform, as word2vec draws it.
      auto bits = philox(keptPosition++, 0x5757, draw, 0); // "WW": word window
      int64_t reach = options.window - static_cast<int64_t>(bits[0] % options.window);
      size_t lo = i >= static_cast<size_t>(reach) ? i - reach : 0;
      size_t hi = std::min(kept.size(), i + reach + 1);
      for (size_t j = lo; j < hi; ++j)
        if (j != i) {
          centers.push_back(kept[i]);
          contexts.push_back(kept[j]);
        }
    }
  }
  return centers.size() - before;
}

} // namespace

Dataset strata::runtime::loadKjvWords(const std::string &split, const WordDataOptions &options) {
  requireWordDataOptions(options);
  KjvWords corpus = readKjvWords("kjv_words", split, options);
  const Vocabulary &vocab = corpus.vocab;
  int64_t total = std::accumulate(vocab.counts.begin(), vocab.counts.end(), int64_t(0));

  // The draws one after another, then each moved down to its place in the
  // layout of equal draws (cut to the shortest), in place.
  std::vector<int32_t> centers, contexts;
  std::vector<size_t> starts, counts;
  for (int64_t draw = 0; draw < options.draws; ++draw) {
    starts.push_back(centers.size());
    counts.push_back(appendSkipGramPairs(corpus, total, options, static_cast<uint64_t>(draw), centers, contexts));
    if (counts.back() == 0)
      throw DataError{"kjv_words (" + split + "): no skip-gram pairs"};
  }
  size_t shortest = *std::min_element(counts.begin(), counts.end());
  for (size_t d = 1; d < starts.size(); ++d) {
    if (starts[d] == d * shortest)
      continue;
    std::copy(centers.begin() + starts[d], centers.begin() + starts[d] + shortest, centers.begin() + d * shortest);
    std::copy(contexts.begin() + starts[d], contexts.begin() + starts[d] + shortest, contexts.begin() + d * shortest);
  }
  centers.resize(starts.size() * shortest);
  contexts.resize(starts.size() * shortest);

  int64_t n = static_cast<int64_t>(centers.size());
  Dataset data;
  data.name = "kjv_words";
  data.split = split;
  data.size = static_cast<int64_t>(shortest);
  data.epochDraws = options.draws;
  Tensor center(DType::I32, {n}), context(DType::I32, {n});
  std::copy(centers.begin(), centers.end(), center.as<int32_t>());
  std::copy(contexts.begin(), contexts.end(), context.as<int32_t>());
  data.fields["center"] = std::move(center);
  data.fields["context"] = std::move(context);
  std::vector<double> weights;
  for (int64_t count : vocab.counts)
    weights.push_back(std::pow(static_cast<double>(count), 0.75));
  data.sampled["negatives"] = SampledIds(weights, options.negatives);
  data.vocabulary = vocab.words;
  data.texts = std::move(corpus.texts);
  return data;
}

Dataset strata::runtime::loadKjvCooccurrence(const std::string &split,
                                             const WordDataOptions &options) {
  if (options.window < 1 || options.minCount < 1 || options.vocab < 1)
    throw DataError{"kjv_cooccurrence needs window, min_count and vocab of at least 1"};
  KjvWords corpus = readKjvWords("kjv_cooccurrence", split, options);
  std::unordered_map<uint64_t, double> counts; // (i << 32 | j) -> X_ij
  for (const auto &sentence : corpus.sentences) {
    std::vector<int32_t> ids = idsOf(sentence, corpus.vocab);
    for (size_t i = 0; i < ids.size(); ++i)
      for (size_t j = i + 1; j < std::min(ids.size(), i + options.window + 1); ++j) {
        double weight = 1.0 / static_cast<double>(j - i);
        counts[(uint64_t(ids[i]) << 32) | uint32_t(ids[j])] += weight;
        counts[(uint64_t(ids[j]) << 32) | uint32_t(ids[i])] += weight;
      }
  }
  if (counts.empty())
    throw DataError{"kjv_cooccurrence (" + split + "): no co-occurring words"};
  // Entries in key order: the data set is the same whatever the hash order.
  std::vector<std::pair<uint64_t, double>> entries(counts.begin(), counts.end());
  std::sort(entries.begin(), entries.end());
  int64_t n = static_cast<int64_t>(entries.size());
  Tensor row(DType::I32, {n}), col(DType::I32, {n}), count(DType::F32, {n});
  for (int64_t e = 0; e < n; ++e) {
    row.as<int32_t>()[e] = static_cast<int32_t>(entries[e].first >> 32);
    col.as<int32_t>()[e] = static_cast<int32_t>(entries[e].first & 0xFFFFFFFFu);
    count.as<float>()[e] = static_cast<float>(entries[e].second);
  }
  Dataset data;
  data.name = "kjv_cooccurrence";
  data.split = split;
  data.size = n;
  data.fields["row"] = std::move(row);
  data.fields["col"] = std::move(col);
  data.fields["count"] = std::move(count);
  data.vocabulary = std::move(corpus.vocab.words);
  data.texts = std::move(corpus.texts);
  return data;
}
