//===- TrainCommand.cpp - strata train ------------------------------------===//
//
// strata train SPEC: compiles the spec's train step for the target
// (TrainStep.h), sets up the run's start (fresh, --init, the spec's `init
// pretrained(...)`, or --resume), and hands it to the one training loop
// (runtime/Trainer.h). Human text goes to stdout, or with --json exactly one
// JSON object (runtime/TrainReport.h) goes to stdout and the rest to stderr.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"
#include "TrainStep.h"

#include "Checkpoint.h"
#include "TrainReport.h"
#include "Trainer.h"
#include "DataSources.h"
#include "SpecData.h"

#include <cstdio>
#include <iostream>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// A run that is not resumed writes a new checkpoint into DIR. One there
/// already of a longer run, or of another model, is kept unless --force; a
/// resumed run must have steps left.
void checkCheckpointFolder(const Options &options, const std::string &dir, const std::string &model,
                       int64_t totalSteps) {
  CheckpointInfo there = checkpointInfo(dir);
  // Said before compiling; the loop says it too (strata-run has no such guard).
  if (options.has("--resume") && there.present && there.model == model && there.step >= totalSteps)
    throw UsageError{"nothing to resume: the checkpoint in " + dir + " is at step " + std::to_string(there.step) +
                     ", and this run ends at step " + std::to_string(totalSteps) +
                     "; give --steps or --epochs beyond it"};
  if (options.has("--resume") || options.has("--force"))
    return;
  if (!there.present || (there.model == model && there.step <= totalSteps))
    return;
  std::string path = checkpointPath(dir);
  if (there.model != model)
    throw UsageError{path + " holds a checkpoint of model '" + there.model + "', not '" + model +
                     "'; --force overwrites it, --checkpoint DIR writes elsewhere"};
  throw UsageError{path + " holds a longer run of " + model + " (step " + std::to_string(there.step) +
                   ") than this one (" + std::to_string(totalSteps) + " steps); --resume with --steps beyond " +
                   std::to_string(there.step) + " continues it, --force overwrites it, --checkpoint DIR "
                   "writes elsewhere"};
}

/// Where a run that is not resumed starts: --init's parameters, the spec's
/// `init pretrained(...)` block, or the initializers alone.
void startingParameters(const Options &options, const frontend::Graph &graph, const CompiledTrainStep &step,
                        TrainState &state, bool quiet) {
  if (options.has("--init")) {
    int64_t read = loadParameters(options.get("--init"), step.layout, state.params);
    if (!quiet)
      std::fprintf(stderr, "parameters from %s (%lld tensors); optimizer state fresh\n",
                   options.get("--init").c_str(), (long long)read);
    return;
  }
  if (graph.train.initPath.empty())
    return;
  int64_t read = loadPretrained(graph.train.initPath, graph.train.initParams, step.layout, state.params);
  if (!quiet)
    std::fprintf(stderr, "parameters of '%s' from %s (%lld tensors, %s)\n", graph.train.initParams.c_str(),
                 graph.train.initPath.c_str(), (long long)read, graph.train.initFrozen ? "frozen" : "fine-tuned");
}

} // namespace

int strata::tools::runTrain(const Options &options, const frontend::Graph &graph) {
  auto start = Clock::now();
  requireTrain(graph, options.spec);
  std::string target = targetOf(options);
  bool json = options.has("--json"), quiet = json || options.has("--quiet");
  int64_t batch = options.intFlag("--batch", graph.train.batch);
  if (batch < 1)
    throw UsageError{"--batch must be at least 1"};
  uint64_t seed = options.intFlag("--seed", graph.train.seed);
  if (options.has("--init") && options.has("--resume"))
    throw UsageError{"--init starts a new run from given parameters; --resume continues a checkpoint's run"};
  if (options.has("--init") && !graph.train.initPath.empty())
    throw UsageError{"--init and the spec's 'init' both name starting parameters; use one"};
  std::string dir = checkpointDir(options, graph);

  Dataset data = loadDataset(compiler::trainingDataOf(graph));
  int64_t perEpoch = stepsPerEpoch(data, batch);
  if (perEpoch == 0)
    throw UsageError{"batch " + std::to_string(batch) + " is larger than the data set (" +
                     std::to_string(data.size) + " rows)"};
  int64_t totalSteps = runLength(options, graph, perEpoch);
  checkCheckpointFolder(options, dir, graph.model, totalSteps);

  compiler::CompileOptions compileOptions;
  compileOptions.batch = batch;
  compileOptions.totalSteps = totalSteps;
  CompiledTrainStep step = compileTrainStep(options, graph, target, compileOptions);
  double compileSeconds = secondsSince(start);
  TrainState state = step.freshState(seed);
  if (!options.has("--resume"))
    startingParameters(options, graph, step, state, quiet);

  TrainOptions trainOptions;
  trainOptions.model = graph.model;
  trainOptions.totalSteps = totalSteps;
  trainOptions.seed = seed;
  trainOptions.checkpointDir = dir;
  trainOptions.checkpointEvery = options.intFlag("--checkpoint-every", 0);
  trainOptions.resume = options.has("--resume");
  trainOptions.logPath = options.get("--log");
  trainOptions.forward = step.forward;
  trainOptions.progress = options.has("--quiet") ? nullptr : stderr;
  if (!quiet)
    std::fprintf(stderr, "%s on %s: %lld steps of batch %lld (%lld per epoch), compiled in %.2f s\n",
                 graph.model.c_str(), target.c_str(), (long long)totalSteps, (long long)batch,
                 (long long)perEpoch, compileSeconds);
  double beforeLoop = secondsSince(start);
  TrainResult result = train(*step.runner, step.layout, data, state, trainOptions);

  TrainReport report = reportOf(graph.model, batch, seed, perEpoch, result);
  report.compileSeconds = compileSeconds;
  report.specToFirstStepSeconds = result.stepMs.empty() ? 0 : beforeLoop + result.firstStepSeconds;
  report.checkpoint = checkpointPath(dir);
  if (json)
    std::cout << toJson(report).dump() << "\n";
  else
    printSummary(report);
  return 0;
}
