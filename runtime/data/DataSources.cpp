//===- DataSources.cpp - a data set by its name ---------------------------===//

#include "DataSources.h"

#include "FashionMnist.h"
#include "Kjv.h"
#include "Words.h"

#include <algorithm>

using namespace strata::runtime;

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
