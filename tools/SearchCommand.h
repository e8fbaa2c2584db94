//===- SearchCommand.h - strata search ---------------------------*- C++ -*-===//
#pragma once

#include "Cli.h"

namespace strata::tools {

/// `strata search --index FILE.npy (--query ROW | --query-file Q.npy)`: the
/// nearest rows of an embedding file; `strata search SPEC (--word W |
/// --analogy "A - B + C")`: the nearest words of a word-embedding model.
int runSearch(const Options &options);

} // namespace strata::tools
