//===- FmtCommand.cpp - strata fmt ----------------------------------------===//
//
// strata fmt SPEC --to=json|dsl [-o FILE]: one spec form into the other.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "Graph.h"
#include "Spec.h"

#include <iostream>

using namespace strata::frontend;
using namespace strata::tools;

int strata::tools::runFmt(const Options &options) {
  auto to = options.flags.find("--to");
  if (to == options.flags.end() || (to->second != "json" && to->second != "dsl"))
    throw UsageError{"'fmt' needs --to=json or --to=dsl"};
  Spec spec = loadSpec(options.spec);
  if (spec.model) // a spec that does not expand is not formatted either
    buildGraph(spec, prelude());
  std::string text = to->second == "json" ? printJson(spec) : printDsl(spec);
  auto out = options.flags.find("-o");
  if (out != options.flags.end())
    writeAtomically(out->second, text);
  else
    std::cout << text;
  return 0;
}
