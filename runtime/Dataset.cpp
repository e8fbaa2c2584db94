//===- Dataset.cpp - data sets, epoch order and batches -------------------===//

#include "Dataset.h"

#include "Philox.h"

#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace strata::runtime;

namespace {

/// The whole decompressed content of a gzip file.
std::vector<uint8_t> readGzip(const std::string &path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    throw DataError{"cannot open '" + path + "' (install Debian's dataset-fashion-mnist, or set STRATA_FASHION_MNIST)"};
  std::unique_ptr<gzFile_s, int (*)(gzFile)> closer(file, gzclose);
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  int n;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  if (n < 0)
    throw DataError{"'" + path + "' is not a readable gzip file"};
  return bytes;
}

uint32_t bigEndian32(const uint8_t *p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

/// An IDX file of unsigned bytes: its dimensions and a pointer to the data.
struct Idx {
  std::vector<uint8_t> bytes;
  std::vector<int64_t> dims;
  const uint8_t *data() const { return bytes.data() + 4 + 4 * dims.size(); }
};

Idx readIdx(const std::string &path, size_t rank) {
  Idx idx;
  idx.bytes = readGzip(path);
  // Magic: two zero bytes, the element type (0x08: unsigned byte), the rank.
  if (idx.bytes.size() < 4 + 4 * rank || idx.bytes[0] != 0 || idx.bytes[1] != 0 ||
      idx.bytes[2] != 0x08 || idx.bytes[3] != rank)
    throw DataError{"'" + path + "' is not an IDX file of rank " + std::to_string(rank) + " bytes"};
  int64_t count = 1;
  for (size_t d = 0; d < rank; ++d) {
    idx.dims.push_back(bigEndian32(idx.bytes.data() + 4 + 4 * d));
    count *= idx.dims.back();
  }
  if (idx.bytes.size() != 4 + 4 * rank + static_cast<size_t>(count))
    throw DataError{"'" + path + "' is truncated"};
  return idx;
}

} // namespace

std::string strata::runtime::fashionMnistDirectory() {
  if (const char *dir = std::getenv("STRATA_FASHION_MNIST"); dir && *dir)
    return dir;
  return "/usr/share/datasets/fashion-mnist";
}

Dataset strata::runtime::loadFashionMnist(const std::string &split) {
  if (split != "train" && split != "test")
    throw DataError{"fashion_mnist has splits 'train' and 'test', not '" + split + "'"};
  std::string prefix = fashionMnistDirectory() + "/" + (split == "train" ? "train" : "t10k");
  Idx images = readIdx(prefix + "-images-idx3-ubyte.gz", 3);
  Idx labels = readIdx(prefix + "-labels-idx1-ubyte.gz", 1);
  int64_t n = images.dims[0], pixels = images.dims[1] * images.dims[2];
  if (labels.dims[0] != n)
    throw DataError{prefix + ": " + std::to_string(n) + " images but " +
                    std::to_string(labels.dims[0]) + " labels"};

  Dataset data;
  data.name = "fashion_mnist";
  data.split = split;
  data.size = n;
  data.numClasses = 10;
  Tensor image(DType::F32, {n, pixels});
  float *dst = image.as<float>();
  for (int64_t i = 0; i < n * pixels; ++i)
    dst[i] = images.data()[i] / 255.0f;
  Tensor label(DType::I32, {n});
  for (int64_t i = 0; i < n; ++i) {
    if (labels.data()[i] >= 10)
      throw DataError{prefix + ": label " + std::to_string(labels.data()[i]) + " out of range"};
    label.as<int32_t>()[i] = labels.data()[i];
  }
  data.fields["image"] = std::move(image);
  data.fields["label"] = std::move(label);
  return data;
}

Dataset strata::runtime::loadDataset(const std::string &name, const std::string &split) {
  if (name == "fashion_mnist")
    return loadFashionMnist(split);
  throw DataError{"no loader for data set '" + name + "' yet"};
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
    epoch_ = epoch;
  }
  auto it = data_.fields.find(field);
  if (it == data_.fields.end())
    throw DataError{"data set " + data_.name + " has no field '" + field + "'"};
  gatherRows(it->second, order_, (step % perEpoch_) * batch_, out);
}
