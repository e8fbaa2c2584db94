//===- Dataset.cpp - data sets, epoch order and batches -------------------===//

#include "Dataset.h"

#include "Philox.h"

#include <algorithm>
#include <cstring>

using namespace strata::runtime;

std::vector<int64_t> strata::runtime::labelledSubset(const Tensor &labels, int classes, int64_t count,
                                                     uint64_t seed) {
  int64_t n = labels.shape()[0];
  if (count > n)
    throw DataError{"labelled: " + std::to_string(count) + " is more than the split's " +
                    std::to_string(n) + " images"};
  std::vector<int64_t> order = epochOrder(n, seed ^ 0x1abe11edULL, 0);
  std::vector<int64_t> perClass(classes, 0), rows;
  std::vector<bool> taken(n, false);
  const int32_t *y = labels.as<int32_t>();
  for (int64_t i : order)
    if (static_cast<int64_t>(rows.size()) < count && perClass[y[i]] < count / classes) {
      ++perClass[y[i]];
      rows.push_back(i);
      taken[i] = true;
    }
  for (int64_t i : order)
    if (static_cast<int64_t>(rows.size()) < count && !taken[i])
      rows.push_back(i);
  std::sort(rows.begin(), rows.end());
  return rows;
}

Dataset strata::runtime::selectRows(const Dataset &data, const std::vector<int64_t> &rows) {
  Dataset out;
  out.name = data.name;
  out.split = data.split;
  out.size = static_cast<int64_t>(rows.size());
  out.numClasses = data.numClasses;
  out.tokenizer = data.tokenizer;
  for (const auto &[field, column] : data.fields) {
    std::vector<int64_t> shape = column.shape();
    int64_t rowBytes = static_cast<int64_t>(column.bytes()) / shape[0];
    shape[0] = out.size;
    Tensor t(column.dtype(), shape);
    for (int64_t r = 0; r < out.size; ++r)
      std::memcpy(static_cast<std::byte *>(t.data()) + r * rowBytes,
                  static_cast<const std::byte *>(column.data()) + rows[r] * rowBytes, rowBytes);
    out.fields[field] = std::move(t);
  }
  for (int64_t r : rows)
    if (r < static_cast<int64_t>(data.texts.size()))
      out.texts.push_back(data.texts[r]);
  return out;
}

std::vector<int64_t> strata::runtime::epochOrder(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i)
    order[i] = i;
  // Fisher-Yates from the back; stream 0x5EED separates it from parameter init.
  for (int64_t i = n - 1; i > 0; --i) {
    auto bits = philox(static_cast<uint64_t>(i), 0x5EED, seed, static_cast<uint64_t>(epoch));
    uint64_t r = (uint64_t(bits[0]) << 32) | bits[1];
    std::swap(order[i], order[r % static_cast<uint64_t>(i + 1)]);
  }
  return order;
}

void strata::runtime::gatherRows(const Tensor &field, const std::vector<int64_t> &order,
                                 int64_t start, Tensor &out) {
  int64_t rows = out.shape().empty() ? 1 : out.shape()[0];
  int64_t rowElements = out.numElements() / std::max<int64_t>(rows, 1);
  if (field.numElements() / std::max<int64_t>(field.shape()[0], 1) != rowElements)
    throw DataError{"a data field's rows do not match the compiled input's"};
  if (start + rows > static_cast<int64_t>(order.size()))
    throw DataError{"batch runs past the end of the epoch"};
  bool same = field.dtype() == out.dtype();
  size_t rowBytes = rowElements * sizeOf(field.dtype());
  for (int64_t r = 0; r < rows; ++r) {
    int64_t src = order[start + r];
    if (same) {
      std::memcpy(static_cast<std::byte *>(out.data()) + r * rowBytes,
                  static_cast<const std::byte *>(field.data()) + src * rowBytes, rowBytes);
      continue;
    }
    for (int64_t e = 0; e < rowElements; ++e)
      out.set(r * rowElements + e, field.at(src * rowElements + e));
  }
}

SampledIds::SampledIds(const std::vector<double> &weights, int64_t perRow) : perRow_(perRow) {
  double sum = 0;
  for (double w : weights)
    cdf_.push_back(sum += w);
  if (cdf_.empty() || sum <= 0)
    throw DataError{"sampled ids need at least one positive weight"};
  guide_.resize(cdf_.size());
  double bucket = sum / static_cast<double>(guide_.size());
  for (size_t i = 0; i < guide_.size(); ++i)
    guide_[i] = static_cast<int32_t>(
        std::upper_bound(cdf_.begin(), cdf_.end(), static_cast<double>(i) * bucket) - cdf_.begin());
}

int64_t SampledIds::idOf(double u) const {
  double total = cdf_.back();
  auto bucket = std::min<size_t>(static_cast<size_t>(u / total * static_cast<double>(guide_.size())),
                                 guide_.size() - 1);
  // The bucket's start can round to either side of u: step back while the
  // previous entry is still above u, then forward while this one is not.
  int64_t at = std::min<int64_t>(guide_[bucket], static_cast<int64_t>(cdf_.size()) - 1);
  while (at > 0 && cdf_[at - 1] > u)
    --at;
  while (at + 1 < static_cast<int64_t>(cdf_.size()) && cdf_[at] <= u)
    ++at;
  return at;
}

void SampledIds::draw(uint64_t seed, int64_t step, Tensor &out) const {
  if (out.dtype() != DType::I32 || out.shape().size() != 2 || out.shape()[1] != perRow_)
    throw DataError{"a sampled field must be compiled as i32 [batch, " + std::to_string(perRow_) + "]"};
  int32_t *dst = out.as<int32_t>();
  double total = cdf_.back();
  for (int64_t r = 0; r < out.shape()[0]; ++r)
    for (int64_t k = 0; k < perRow_; k += 4) {
      // Stream 0x4E53 ("NS"); one Philox call gives four draws.
      auto bits = philox((static_cast<uint64_t>(step) << 24) | static_cast<uint64_t>(k / 4), 0x4E53,
                         seed, static_cast<uint64_t>(r));
      for (int64_t j = k; j < std::min(k + 4, perRow_); ++j)
        dst[r * perRow_ + j] = static_cast<int32_t>(idOf(uniformFromBits(bits[j - k]) * total));
    }
}

void strata::runtime::fillField(const Dataset &data, const std::string &field,
                                const std::vector<int64_t> &order, int64_t start, uint64_t seed,
                                int64_t step, Tensor &out) {
  if (auto it = data.fields.find(field); it != data.fields.end())
    return gatherRows(it->second, order, start, out);
  if (auto it = data.sampled.find(field); it != data.sampled.end())
    return it->second.draw(seed, step, out);
  throw DataError{"data set " + data.name + " has no field '" + field + "'"};
}

StepBatches::StepBatches(const Dataset &data, int64_t batch, uint64_t seed)
    : data_(data), batch_(batch), perEpoch_(batch > 0 ? data.size / batch : 0), seed_(seed) {
  if (perEpoch_ == 0)
    throw DataError{"data set " + data.name + " (" + data.split + ", " + std::to_string(data.size) +
                    " rows) is smaller than one batch of " + std::to_string(batch)};
}

void StepBatches::gather(int64_t step, const std::string &field, Tensor &out) {
  int64_t epoch = step / perEpoch_;
  if (epoch != epoch_) {
    order_ = epochOrder(data_.size, seed_, epoch);
    // A set redrawn every epoch: this epoch's draw of the rows.
    if (int64_t offset = (epoch % data_.epochDraws) * data_.size; offset > 0)
      for (int64_t &row : order_)
        row += offset;
    epoch_ = epoch;
  }
  fillField(data_, field, order_, (step % perEpoch_) * batch_, seed_, step, out);
}
