//===- Dataset.h - data sets, epoch order and batches ------------*- C++ -*-===//
//
// A data set is a few named fields of equal length ("image", "label"), held in
// host memory; the loaders of the built-in sets are their own files here
// (FashionMnist.h, Kjv.h, Words.h), and DataSources.h picks one by name. The order of an epoch is a Fisher-Yates shuffle driven by
// Philox keyed by (seed, epoch), so any step of any epoch can be reproduced
// from the seed alone: that is what makes --resume exact without saving the
// loader's state. Nothing is ever downloaded: a missing file is a DataError.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"
#include "Function.h"
#include "Tokenizer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace strata::runtime {

struct DataError : Error {
  using Error::Error;
};

/// A field drawn afresh at every step instead of stored (word2vec's noise
/// words): `perRow` ids per row, id i with probability proportional to its
/// weight. The draws are Philox keyed by (seed, step, row), so a resumed run
/// draws the same ones.
class SampledIds {
public:
  SampledIds() = default;
  SampledIds(const std::vector<double> &weights, int64_t perRow);

  int64_t perRow() const { return perRow_; }

  /// Fills i32 `out` ([batch, perRow]) with step `step`'s draws.
  void draw(uint64_t seed, int64_t step, Tensor &out) const;

  /// The id whose interval of the running sums holds u in [0, total weight):
  /// the first whose running sum is above u (what std::upper_bound finds),
  /// found from the guide table's start for u's bucket.
  int64_t idOf(double u) const;

private:
  std::vector<double> cdf_; // running sums of the weights
  /// guide_[i]: the first id with cdf > i * total / guide_.size(), so a
  /// draw looks at one or two entries instead of a binary search's dozen.
  std::vector<int32_t> guide_;
  int64_t perRow_ = 0;
};

struct Dataset {
  std::string name;
  std::string split;
  int64_t size = 0;
  /// Field name -> tensor whose first dimension is `size`.
  std::map<std::string, Tensor> fields;
  int numClasses = 0; // 0 when there are no labels
  /// Text sets: the tokenizer that made their token ids, and the texts
  /// (verses, captions) the rows were made from.
  std::shared_ptr<const BpeTokenizer> tokenizer;
  std::vector<std::string> texts;
  /// Sets redrawn every epoch (kjv_words): each stored field holds this many
  /// draws of `size` rows one after another, and epoch e reads draw
  /// e mod epochDraws. Anything else reads the first.
  int64_t epochDraws = 1;
  /// Fields drawn at every step rather than stored, by name.
  std::map<std::string, SampledIds> sampled;
  /// Word sets: the word of each id, most frequent first.
  std::vector<std::string> vocabulary;

  bool hasField(const std::string &field) const {
    return fields.count(field) != 0 || sampled.count(field) != 0;
  }
};

/// What a spec's `data` line names: the loader, the split, and for text the
/// tokens per row and the tokenizer's vocabulary size.
struct DataSource {
  std::string name;
  std::string split = "train";
  int64_t seqLen = 0;
  int64_t vocab = 0;
  /// Word sets (kjv_words): skip-gram window, noise words per pair, the
  /// rarest word kept, and the frequent-word subsampling threshold.
  int64_t window = 0, negatives = 0, minCount = 0;
  double subsample = 0;
  /// Word sets: how many epochs get their own draw of the pairs.
  int64_t draws = 1;
  /// Text sets: one row per text (a verse), padded, instead of packed rows;
  /// what a vector per verse (`strata embed`, `strata search --text`) reads.
  bool rowPerText = false;
  /// Image sets: the train split cut to this many labelled images, the same
  /// number of each class (the rest taken in order), picked by Philox from
  /// `seed`; 0 keeps all. A few labels for transfer learning.
  int64_t labelled = 0;
  uint64_t seed = 0;
};



/// The rows `count` labelled images keep: `count / classes` of each class and
/// the remainder in order, walking a Philox(seed) shuffle of all rows; in
/// row order.
std::vector<int64_t> labelledSubset(const Tensor &labels, int classes, int64_t count, uint64_t seed);

/// `data` cut to `rows` (in that order).
Dataset selectRows(const Dataset &data, const std::vector<int64_t> &rows);













/// The permutation of [0, n) that epoch `epoch` visits.
std::vector<int64_t> epochOrder(int64_t n, uint64_t seed, int64_t epoch);

/// The rows each training step takes: step s is position s mod stepsPerEpoch
/// of epoch s / stepsPerEpoch's order (the last partial batch is dropped).
/// Keeps the order of the epoch it last served.
class StepBatches {
public:
  StepBatches(const Dataset &data, int64_t batch, uint64_t seed);
  int64_t stepsPerEpoch() const { return perEpoch_; }
  /// Copies `field`'s rows for step `step` into `out` ([batch, ...]).
  void gather(int64_t step, const std::string &field, Tensor &out);

private:
  const Dataset &data_;
  int64_t batch_, perEpoch_;
  uint64_t seed_;
  int64_t epoch_ = -1;
  std::vector<int64_t> order_;
};

/// Fills `out` with `field` for the rows order[start, start + batch): a
/// stored field's rows are copied (gatherRows), a sampled one is drawn for
/// (seed, step).
void fillField(const Dataset &data, const std::string &field, const std::vector<int64_t> &order,
               int64_t start, uint64_t seed, int64_t step, Tensor &out);

/// Copies the rows order[start, start + batch) of `field` into `out`, whose
/// first dimension is the batch; converts between integer or float dtypes
/// when the compiled input asks for another one than the data set holds.
void gatherRows(const Tensor &field, const std::vector<int64_t> &order, int64_t start,
                Tensor &out);

} // namespace strata::runtime
