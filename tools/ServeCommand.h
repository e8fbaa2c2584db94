//===- ServeCommand.h - strata serve ------------------------------*- C++ -*-===//
#pragma once

#include "Cli.h"
#include "Graph.h"

namespace strata::tools {

/// `strata serve SPEC [--checkpoint DIR]`: a local web page to explore the
/// model's embeddings of a split (tools/serve/explorer.html).
int runServe(const Options &options, const frontend::Graph &graph);

} // namespace strata::tools
