// libFuzzer entry for one spec reader (STRATA_FUZZ_READER: parseDsl or
// parseJsonSpec): any input either expands to a graph or raises a located
// SpecError; anything else (a crash, a sanitizer report, an uncaught exception)
// is a bug.
#include "Graph.h"
#include "Spec.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace strata::frontend;
  std::string text(reinterpret_cast<const char *>(data), size);
  try {
    Spec spec = STRATA_FUZZ_READER(text, "fuzz");
    printDsl(spec);
    printJson(spec);
    if (spec.model)
      buildGraph(spec, prelude());
  } catch (const SpecError &) {
  }
  return 0;
}
