//===- Dataset.h - data sets, epoch order and batches ------------*- C++ -*-===//
//
// A data set is a few named fields of equal length ("image", "label"), held in
// host memory. The order of an epoch is a Fisher-Yates shuffle driven by
// Philox keyed by (seed, epoch), so any step of any epoch can be reproduced
// from the seed alone: that is what makes --resume exact without saving the
// loader's state. Nothing is ever downloaded: a missing file is a DataError.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"
#include "Function.h"

#include <map>
#include <string>
#include <vector>

namespace strata::runtime {

struct DataError : Error {
  using Error::Error;
};

struct Dataset {
  std::string name;
  std::string split;
  int64_t size = 0;
  /// Field name -> tensor whose first dimension is `size`.
  std::map<std::string, Tensor> fields;
  int numClasses = 0; // 0 when there are no labels
};

/// Where Debian's dataset-fashion-mnist puts the gzipped IDX files; the
/// environment variable STRATA_FASHION_MNIST overrides it.
std::string fashionMnistDirectory();

/// Fashion-MNIST's "train" (60,000) or "test" (10,000) split: "image" as f32
/// [N, 784] scaled to [0, 1], "label" as i32 [N].
Dataset loadFashionMnist(const std::string &split);

/// Loads the data set a spec names (only fashion_mnist so far).
Dataset loadDataset(const std::string &name, const std::string &split);

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

/// Copies the rows order[start, start + batch) of `field` into `out`, whose
/// first dimension is the batch; converts between integer or float dtypes
/// when the compiled input asks for another one than the data set holds.
void gatherRows(const Tensor &field, const std::vector<int64_t> &order, int64_t start,
                Tensor &out);

} // namespace strata::runtime
