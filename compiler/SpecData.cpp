//===- SpecData.cpp - the data set a spec names ---------------------------===//

#include "SpecData.h"

#include "Words.h"

#include <algorithm>

strata::runtime::DataSource strata::compiler::dataSourceOf(const frontend::Graph &graph,
                                                           const std::string &split) {
  runtime::DataSource source;
  source.name = graph.train.dataset;
  for (const auto &[key, value] : graph.train.datasetArgs) {
    if (key == "split")
      source.split = value.s;
    else if (key == "seq_len")
      source.seqLen = value.i;
    else if (key == "vocab")
      source.vocab = value.i;
    else if (key == "window")
      source.window = value.i;
    else if (key == "negatives")
      source.negatives = value.i;
    else if (key == "min_count")
      source.minCount = value.i;
    else if (key == "subsample")
      source.subsample = value.f;
    else if (key == "labelled")
      source.labelled = value.i;
  }
  source.seed = static_cast<uint64_t>(graph.train.seed);
  if (!split.empty())
    source.split = split;
  return source;
}

strata::runtime::DataSource strata::compiler::trainingDataOf(const frontend::Graph &graph) {
  runtime::DataSource source = dataSourceOf(graph);
  // word2vec draws subsampling and windows again every epoch; so does the
  // train split of a word set, once per epoch of the spec, up to
  // kMaxWordDraws (each draw holds all its pairs: about 20 MB on the KJV).
  if (source.name == "kjv_words" && source.split == "train")
    source.draws = std::clamp<int64_t>(graph.train.epochs, 1, runtime::kMaxWordDraws);
  return source;
}
