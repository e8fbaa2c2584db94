//===- FashionMnist.cpp - Fashion-MNIST and its captions ------------------===//

#include "FashionMnist.h"

#include "Philox.h"
#include "TextRows.h"

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
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
