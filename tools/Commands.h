//===- Commands.h - the strata commands --------------------------*- C++ -*-===//
//
// One function per command, one file per command (tools/NAMECommand.cpp);
// strata.cpp's command table says which flags each takes and calls it.
// A command that reads a spec gets its graph; the others parse what they
// are given themselves.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Cli.h"
#include "Graph.h"

namespace strata::tools {

int runCheck(const Options &options, const frontend::Graph &graph);
int runEmit(const Options &options);
int runFmt(const Options &options);
int runGradcheck(const Options &options, const frontend::Graph &graph);
int runTrain(const Options &options, const frontend::Graph &graph);
int runEval(const Options &options, const frontend::Graph &graph);
int runEmbed(const Options &options, const frontend::Graph &graph);
int runSearch(const Options &options);
int runPlot(const Options &options);
int runServe(const Options &options, const frontend::Graph &graph);
/// The tokenizer of the spec's text data set, as a Hugging Face
/// tokenizer.json, and the ids of the split's texts.
int runTokenize(const Options &options, const frontend::Graph &graph);
/// The GPU program as a bundle.
int runCompile(const Options &options, const frontend::Graph &graph);
int runBench(const Options &options, const frontend::Graph &graph);

} // namespace strata::tools
