//===- CompileCommand.cpp - strata compile --------------------------------===//
//
// strata compile SPEC --target=cuda -o DIR: the GPU program as a bundle,
// manifest.json (the schedule of each function: launches and cuBLASLt calls)
// and kernels.ptx, with a cubin where ptxas is found; strata-run trains it.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"

#include "Trainer.h"
#include "DataSources.h"
#include "SpecData.h"

#include <cstdio>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

int strata::tools::runCompile(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  std::string target = options.get("--target", "cuda");
  if (target == "cpu")
    throw UsageError{"bundles for the cpu target are not built yet; `strata train --target=cpu` "
                     "compiles in memory"};
  if (target != "cuda")
    throw UsageError{"unknown target '" + target + "' for a bundle (available: cuda)"};
  if (!options.has("-o"))
    throw UsageError{"'compile' needs -o DIR"};
  compiler::CompileOptions compileOptions;
  compileOptions.batch = options.intFlag("--batch", graph.train.batch);
  compileOptions.chip = chipFlag(options);
  if (compileOptions.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  // The learning-rate schedule is compiled in: --steps or --epochs say how
  // long a run it spans, as for `strata train` (the spec's run without).
  if (options.has("--steps") || options.has("--epochs")) {
    int64_t perEpoch = options.has("--epochs")
                           ? stepsPerEpoch(loadDataset(compiler::trainingDataOf(graph)), compileOptions.batch)
                           : 1;
    compileOptions.totalSteps = runLength(options, graph, perEpoch);
  }
  std::string dir = options.get("-o"), cubin;
  if (options.has("--timing"))
    compiler::reportPassTimes();
  try {
    cubin = compiler::writeCudaBundle(graph, compileOptions, dir);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  std::printf("wrote %s: manifest.json (schedule of @train_step and @forward), kernels.ptx (%s), %s\n",
              dir.c_str(), compileOptions.chip.c_str(),
              cubin.empty() ? "no cubin (ptxas not found: the driver will compile the PTX)" : cubin.c_str());
  return 0;
}
