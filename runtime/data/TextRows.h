//===- TextRows.h - texts as rows of token ids ------------------*- C++ -*-===//
//
// How every text set turns texts into the i32 token rows a model reads.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"
#include "Tokenizer.h"

#include <string>
#include <vector>

namespace strata::runtime {

/// One i32 row of seqLen per text: [CLS] and the text's ids, cut at seqLen,
/// padded with [PAD].
Tensor textRows(const BpeTokenizer &tokenizer, const std::vector<std::string> &texts,
                int64_t seqLen);

/// The i32 rows of token ids of `texts`, each [CLS] and its ids, packed end
/// to end and cut into rows of seqLen, the last row padded with [PAD].
Tensor packedRows(const BpeTokenizer &tokenizer, const std::vector<std::string> &texts, int64_t seqLen);

/// Token ids of `text` into row `row` of an i32 [N, seqLen] tensor, cut at
/// seqLen and padded with [PAD].
void writeTokenRow(const std::vector<int32_t> &ids, int64_t row, Tensor &out);

/// A DataError naming the set `name` unless seq_len and vocab are at least 1.
void requireTextSizes(const std::string &name, int64_t seqLen, int64_t vocab);

} // namespace strata::runtime
