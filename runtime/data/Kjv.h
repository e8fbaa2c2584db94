//===- Kjv.h - the King James Bible as text ---------------------*- C++ -*-===//
//
// The KJV from Debian's bible-kjv (`bible -f`), its fixed held-out split, and
// the kjv text set's token rows; random_tokens, text-shaped noise for timing.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"

#include <string>
#include <vector>

namespace strata::runtime {

/// The King James Bible, one verse per line as `bible -f Gen1:1-Rev22:21`
/// prints it (or the file STRATA_KJV names), each line "Ge1:1 In the ...":
/// the texts, and when `references` is not null the references ("Ge1:1").
std::vector<std::string> kjvVerses(std::vector<std::string> *references = nullptr);

/// Whether verse `index` belongs to the held-out split: a fixed 5% sample,
/// drawn by Philox from the verse index alone, the same for every seed.
bool kjvHeldOut(int64_t index);

/// The KJV's verses in order, split by kjvHeldOut: the training verses, and
/// those of `split` ("train", "test" or "all"; anything else is a DataError
/// naming the data set `name`) with their references.
struct KjvSplit {
  std::vector<std::string> train, split, splitReferences;
};

KjvSplit kjvSplit(const std::string &name, const std::string &split);

/// The KJV as i32 "tokens" rows of seqLen: each verse of the split is [CLS]
/// and its BPE ids; the verses are packed end to end and cut into rows, the
/// last row padded with [PAD]. With `rowPerVerse`, row i is verse i alone
/// (cut at seqLen, padded), and texts[i] is "Ge1:1 In the beginning ...".
/// The tokenizer (cased) is trained on the training verses only.
Dataset loadKjv(const std::string &split, int64_t seqLen, int64_t vocab, bool rowPerVerse = false);

/// Uniform random token ids (for timing only): 16,384 rows of seqLen ids
/// in [4, vocab), the same for every split and seed.
Dataset loadRandomTokens(int64_t seqLen, int64_t vocab);

} // namespace strata::runtime
