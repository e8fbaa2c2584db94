//===- TrainCommands.h - train, eval, embed and bench ------------*- C++ -*-===//
#pragma once

#include "Cli.h"
#include "Graph.h"

namespace strata::tools {

int runTrain(const Options &options, const frontend::Graph &graph);
int runEval(const Options &options, const frontend::Graph &graph);
int runEmbed(const Options &options, const frontend::Graph &graph);
int runBench(const Options &options, const frontend::Graph &graph);
/// `strata compile SPEC --target=cuda -o DIR`: the GPU program as a bundle.
int runCompile(const Options &options, const frontend::Graph &graph);
/// `strata check SPEC --memory`: the GPU path's memory plan and work per call.
int runMemoryReport(const Options &options, const frontend::Graph &graph);

} // namespace strata::tools
