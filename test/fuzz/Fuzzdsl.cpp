// libFuzzer entry for the dsl spec reader: any input either expands to a graph
// or raises a located SpecError; anything else (a crash, a sanitizer report, an
// uncaught exception) is a bug.
#include "Graph.h"
#include "Spec.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  try {
    strata::frontend::Spec spec = strata::frontend::parseDsl(text, "fuzz");
    strata::frontend::printDsl(spec);
    strata::frontend::printJson(spec);
    if (spec.model)
      strata::frontend::buildGraph(spec, strata::frontend::prelude());
  } catch (const strata::frontend::SpecError &) {
  }
  return 0;
}
