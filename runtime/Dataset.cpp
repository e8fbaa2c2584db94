//===- Dataset.cpp - data sets, epoch order and batches -------------------===//

#include "Dataset.h"

#include "Philox.h"
#include "Words.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
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

const std::vector<std::string> &strata::runtime::fashionMnistClassNames() {
  static const std::vector<std::string> names = {"t-shirt", "trouser", "pullover", "dress", "coat",
                                                 "sandal",  "shirt",   "sneaker",  "bag",   "ankle boot"};
  return names;
}

const std::vector<std::string> &strata::runtime::captionTemplates(bool heldOut) {
  static const std::vector<std::string> training = {
      "a photo of {a} {c}.",          "a picture of {a} {c}.",
      "an image of {a} {c}.",         "{a} {c}.",
      "a black and white photo of {a} {c}.", "a low resolution photo of {a} {c}.",
      "a photo of the {c}.",          "a drawing of {a} {c}."};
  static const std::vector<std::string> unseen = {
      "a close-up photo of {a} {c}.", "a grayscale picture of the {c}.", "this is {a} {c}.",
      "a small image of {a} {c}.", "a blurry photo of {a} {c}."};
  return heldOut ? unseen : training;
}

std::string strata::runtime::captionOf(const std::string &templ, int label) {
  const std::string &name = fashionMnistClassNames().at(label);
  std::string article = std::string("aeiou").find(name[0]) != std::string::npos ? "an" : "a";
  std::string out;
  for (size_t i = 0; i < templ.size(); ++i) {
    if (templ.compare(i, 3, "{a}") == 0) {
      out += article;
      i += 2;
    } else if (templ.compare(i, 3, "{c}") == 0) {
      out += name;
      i += 2;
    } else {
      out += templ[i];
    }
  }
  return out;
}

namespace {

/// Token ids of `text` into row `row` of an i32 [N, seqLen] tensor, cut at
/// seqLen and padded with [PAD].
void writeTokenRow(const std::vector<int32_t> &ids, int64_t row, Tensor &out) {
  int64_t seqLen = out.shape()[1];
  int32_t *dst = out.as<int32_t>() + row * seqLen;
  for (int64_t i = 0; i < seqLen; ++i)
    dst[i] = i < static_cast<int64_t>(ids.size()) ? ids[i] : kPadToken;
}

void requireTextSizes(const std::string &name, int64_t seqLen, int64_t vocab) {
  if (seqLen < 1 || vocab < 1)
    throw DataError{name + " needs seq_len and vocab of at least 1"};
}

} // namespace

Dataset strata::runtime::loadFashionMnistCaptions(const std::string &split, int64_t seqLen,
                                                  int64_t vocab) {
  requireTextSizes("fashion_mnist_captions", seqLen, vocab);
  Dataset data = loadFashionMnist(split);
  data.name = "fashion_mnist_captions";
  const auto &templates = captionTemplates(false);
  std::vector<std::string> corpus;
  for (const std::string &t : templates)
    for (int c = 0; c < 10; ++c)
      corpus.push_back(captionOf(t, c));
  auto tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::train(corpus, vocab, true));

  Tensor caption(DType::I32, {data.size, seqLen});
  const int32_t *labels = data.fields.at("label").as<int32_t>();
  uint32_t stream = split == "train" ? 0xCA97 : 0xCA98;
  for (int64_t i = 0; i < data.size; ++i) {
    uint32_t pick = philox(static_cast<uint64_t>(i), stream, 0, 0)[0] % templates.size();
    data.texts.push_back(captionOf(templates[pick], labels[i]));
    writeTokenRow(tokenizer->encode(data.texts.back()), i, caption);
  }
  data.fields["caption"] = std::move(caption);
  data.tokenizer = std::move(tokenizer);
  return data;
}

Dataset strata::runtime::captionRows(const Dataset &captioned, const std::vector<std::string> &texts,
                                     const std::vector<int> &labels) {
  if (!captioned.tokenizer || !captioned.fields.count("caption"))
    throw DataError{"data set '" + captioned.name + "' has no captions"};
  Dataset rows;
  rows.name = captioned.name;
  rows.split = "captions";
  rows.size = static_cast<int64_t>(texts.size());
  rows.numClasses = captioned.numClasses;
  rows.tokenizer = captioned.tokenizer;
  rows.texts = texts;
  for (const auto &[field, column] : captioned.fields) {
    std::vector<int64_t> shape = column.shape();
    shape[0] = rows.size;
    rows.fields[field] = Tensor(column.dtype(), shape); // zeros
  }
  Tensor &caption = rows.fields.at("caption");
  for (int64_t i = 0; i < rows.size; ++i)
    writeTokenRow(captioned.tokenizer->encode(texts[i]), i, caption);
  if (rows.fields.count("label"))
    for (int64_t i = 0; i < rows.size; ++i)
      rows.fields.at("label").set(i, labels.at(i));
  return rows;
}

std::vector<std::string> strata::runtime::kjvVerses(std::vector<std::string> *references) {
  std::string command = "bible -f Gen1:1-Rev22:21 2>/dev/null";
  const char *file = std::getenv("STRATA_KJV");
  bool fromFile = file && *file;
  std::FILE *in = fromFile ? std::fopen(file, "r") : popen(command.c_str(), "r");
  if (!in)
    throw DataError{fromFile ? "cannot open STRATA_KJV file '" + std::string(file) + "'"
                             : "cannot run `bible` (install Debian's bible-kjv, or set STRATA_KJV)"};
  std::vector<std::string> verses;
  std::string line;
  char buffer[1 << 14];
  while (std::fgets(buffer, sizeof buffer, in)) {
    line += buffer;
    if (line.empty() || line.back() != '\n')
      continue;
    line.pop_back();
    // "Ge1:1 In the beginning ...": the text follows the reference.
    size_t space = line.find(' ');
    if (space != std::string::npos && space + 1 < line.size()) {
      verses.push_back(line.substr(space + 1));
      if (references)
        references->push_back(line.substr(0, space));
    }
    line.clear();
  }
  int status = fromFile ? std::fclose(in) : pclose(in);
  if (status != 0 || verses.empty())
    throw DataError{fromFile ? "STRATA_KJV file '" + std::string(file) + "' has no verses"
                             : "`bible -f Gen1:1-Rev22:21` failed (install Debian's bible-kjv, or set STRATA_KJV)"};
  return verses;
}

bool strata::runtime::kjvHeldOut(int64_t index) {
  return uniformFromBits(philox(static_cast<uint64_t>(index), 0x4B4A56, 0, 0)[0]) < 0.05;
}

KjvSplit strata::runtime::kjvSplit(const std::string &name, const std::string &split) {
  if (split != "train" && split != "test" && split != "all")
    throw DataError{name + " has splits 'train', 'test' and 'all', not '" + split + "'"};
  std::vector<std::string> references;
  std::vector<std::string> verses = kjvVerses(&references);
  KjvSplit out;
  for (size_t i = 0; i < verses.size(); ++i) {
    bool heldOut = kjvHeldOut(static_cast<int64_t>(i));
    if (!heldOut)
      out.train.push_back(verses[i]);
    if (split == "all" || heldOut == (split == "test")) {
      out.split.push_back(verses[i]);
      out.splitReferences.push_back(references[i]);
    }
  }
  return out;
}

Tensor strata::runtime::textRows(const BpeTokenizer &tokenizer,
                                 const std::vector<std::string> &texts, int64_t seqLen) {
  Tensor tokens(DType::I32, {static_cast<int64_t>(texts.size()), seqLen});
  for (size_t t = 0; t < texts.size(); ++t) {
    std::vector<int32_t> ids = {kStartToken};
    std::vector<int32_t> pieces = tokenizer.encode(texts[t]);
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    writeTokenRow(ids, static_cast<int64_t>(t), tokens);
  }
  return tokens;
}

namespace {

/// Each text as [CLS] and its ids, packed end to end and cut into rows of
/// seqLen, the last row padded with [PAD].
Tensor packedRows(const BpeTokenizer &tokenizer, const std::vector<std::string> &texts,
                  int64_t seqLen) {
  std::vector<int32_t> stream;
  for (const std::string &text : texts) {
    stream.push_back(kStartToken);
    std::vector<int32_t> ids = tokenizer.encode(text);
    stream.insert(stream.end(), ids.begin(), ids.end());
  }
  int64_t rows = (static_cast<int64_t>(stream.size()) + seqLen - 1) / seqLen;
  stream.resize(rows * seqLen, kPadToken);
  Tensor tokens(DType::I32, {rows, seqLen});
  std::copy(stream.begin(), stream.end(), tokens.as<int32_t>());
  return tokens;
}

} // namespace

Dataset strata::runtime::loadKjv(const std::string &split, int64_t seqLen, int64_t vocab,
                                 bool rowPerVerse) {
  requireTextSizes("kjv", seqLen, vocab);
  auto [trainVerses, splitVerses, references] = kjvSplit("kjv", split);
  auto tokenizer = std::make_shared<BpeTokenizer>(BpeTokenizer::train(trainVerses, vocab, false));
  Dataset data;
  data.name = "kjv";
  data.split = split;
  if (rowPerVerse) {
    data.fields["tokens"] = textRows(*tokenizer, splitVerses, seqLen);
    for (size_t v = 0; v < splitVerses.size(); ++v)
      data.texts.push_back(references[v] + " " + splitVerses[v]);
  } else {
    data.fields["tokens"] = packedRows(*tokenizer, splitVerses, seqLen);
    data.texts = std::move(splitVerses);
  }
  data.size = data.fields.at("tokens").shape()[0];
  data.tokenizer = std::move(tokenizer);
  return data;
}

Dataset strata::runtime::loadRandomTokens(int64_t seqLen, int64_t vocab) {
  requireTextSizes("random_tokens", seqLen, vocab);
  if (vocab <= 4)
    throw DataError{"random_tokens needs a vocabulary larger than the 4 special tokens"};
  const int64_t rows = 16384;
  Tensor tokens(DType::I32, {rows, seqLen});
  int32_t *dst = tokens.as<int32_t>();
  for (int64_t i = 0; i < rows * seqLen; ++i)
    dst[i] = 4 + static_cast<int32_t>(philox(static_cast<uint64_t>(i), 0x7A4D, 0, 0)[0] % (vocab - 4));
  Dataset data;
  data.name = "random_tokens";
  data.split = "train";
  data.size = rows;
  data.fields["tokens"] = std::move(tokens);
  return data;
}

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

Dataset strata::runtime::loadDataset(const DataSource &source) {
  if (source.name == "fashion_mnist" && source.labelled > 0 && source.split == "train") {
    Dataset all = loadFashionMnist(source.split);
    return selectRows(all, labelledSubset(all.fields.at("label"), all.numClasses, source.labelled,
                                          source.seed));
  }
  if (source.name == "fashion_mnist")
    return loadFashionMnist(source.split);
  if (source.name == "fashion_mnist_captions")
    return loadFashionMnistCaptions(source.split, source.seqLen, source.vocab);
  if (source.name == "kjv")
    return loadKjv(source.split, source.seqLen, source.vocab, source.rowPerText);
  if (source.name == "random_tokens")
    return loadRandomTokens(source.seqLen, source.vocab);
  if (source.name == "kjv_words" || source.name == "kjv_cooccurrence") {
    WordDataOptions options;
    options.window = source.window;
    options.negatives = source.negatives;
    options.minCount = source.minCount;
    options.subsample = source.subsample;
    options.vocab = source.vocab;
    options.draws = std::max<int64_t>(source.draws, 1);
    return source.name == "kjv_words" ? loadKjvWords(source.split, options)
                                      : loadKjvCooccurrence(source.split, options);
  }
  throw DataError{"no loader for data set '" + source.name + "'"};
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
