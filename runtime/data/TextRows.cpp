//===- TextRows.cpp - texts as rows of token ids --------------------------===//

#include "TextRows.h"

#include <algorithm>

using namespace strata::runtime;

/// Token ids of `text` into row `row` of an i32 [N, seqLen] tensor, cut at
/// seqLen and padded with [PAD].
void strata::runtime::writeTokenRow(const std::vector<int32_t> &ids, int64_t row, Tensor &out) {
  int64_t seqLen = out.shape()[1];
  int32_t *dst = out.as<int32_t>() + row * seqLen;
  for (int64_t i = 0; i < seqLen; ++i)
    dst[i] = i < static_cast<int64_t>(ids.size()) ? ids[i] : kPadToken;
}

void strata::runtime::requireTextSizes(const std::string &name, int64_t seqLen, int64_t vocab) {
  if (seqLen < 1 || vocab < 1)
    throw DataError{name + " needs seq_len and vocab of at least 1"};
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

/// Each text as [CLS] and its ids, packed end to end and cut into rows of
/// seqLen, the last row padded with [PAD].
Tensor strata::runtime::packedRows(const BpeTokenizer &tokenizer, const std::vector<std::string> &texts,
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
