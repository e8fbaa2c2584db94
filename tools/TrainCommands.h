//===- TrainCommands.h - train, eval, embed and bench ------------*- C++ -*-===//
#pragma once

#include "Cli.h"
#include "Dataset.h"
#include "Graph.h"

namespace strata::tools {

/// --matmul=blas|loops: whether 2-D matmuls call the BLAS.
bool blasFlag(const Options &options);
/// --chip, an NVIDIA architecture (sm_90 by default).
std::string chipFlag(const Options &options);

int runTrain(const Options &options, const frontend::Graph &graph);
int runEval(const Options &options, const frontend::Graph &graph);
int runEmbed(const Options &options, const frontend::Graph &graph);
/// A word-embedding model's vector of every word of its data set's
/// vocabulary (the @represent value with the word's id as the center word
/// of kjv_words, the row word of kjv_cooccurrence),
/// and the words, id order. A UsageError for a data set without words.
runtime::Tensor vocabularyVectors(const Options &options, const frontend::Graph &graph,
                                  std::vector<std::string> &words);
/// The rows `strata embed` and `strata search --text` read of a split: the
/// spec's data set, a text set with one row per text (verse).
runtime::DataSource embeddedRows(const frontend::Graph &graph, const std::string &split);

/// The @represent value of every row of each data set under the parameters
/// of the checkpoint --checkpoint names (runs/MODEL by default), the forward
/// pass compiled once, at `batch` rows (0: up to 256 of the first set), in
/// its inference form (no dropout, noise or masking; passes/Inference.cpp).
std::vector<runtime::Tensor> representOf(const Options &options, const frontend::Graph &graph,
                                         const std::vector<const runtime::Dataset *> &sets,
                                         int64_t batch = 0);
runtime::Tensor representOf(const Options &options, const frontend::Graph &graph,
                            const runtime::Dataset &data, int64_t batch = 0);
/// `strata tokenize SPEC`: the tokenizer of the spec's text data set, as a
/// Hugging Face tokenizer.json, and the ids of the split's texts.
int runTokenize(const Options &options, const frontend::Graph &graph);
int runBench(const Options &options, const frontend::Graph &graph);
/// `strata compile SPEC --target=cuda -o DIR`: the GPU program as a bundle.
int runCompile(const Options &options, const frontend::Graph &graph);
/// `strata check SPEC --memory`: the GPU path's memory plan and work per call.
int runMemoryReport(const Options &options, const frontend::Graph &graph);

} // namespace strata::tools
