//===- SpecData.h - the data set a spec names -------------------*- C++ -*-===//
//
// A spec's train section as the runtime's DataSource: which loader, which
// split, the text and word sets' sizes. Every command and the bundle's
// manifest read the data through these two, so they agree on what a spec's
// data is.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Dataset.h"
#include "Graph.h"

#include <string>

namespace strata::compiler {

/// The data set the spec's train section names, for `split`; an empty split
/// is the spec's own ("train" when it names none).
runtime::DataSource dataSourceOf(const frontend::Graph &graph, const std::string &split = "");

/// The data set a training run reads: the spec's own, where a word set
/// (kjv_words) holds a draw of its skip-gram pairs for each epoch of the spec,
/// as word2vec draws them again every epoch. Evaluation, embedding and
/// search read dataSourceOf's single draw.
runtime::DataSource trainingDataOf(const frontend::Graph &graph);

} // namespace strata::compiler
