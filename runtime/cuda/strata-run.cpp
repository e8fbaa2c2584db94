//===- strata-run.cpp - train from a bundle, runtime only -----------------===//
//
// strata-run DIR [--steps N] [--seed S] [--checkpoint CKPT] [--json]
//
// --steps defaults to the run the bundle's learning-rate schedule was compiled
// for (`strata compile --steps N`; the spec's run without), or 100 for a
// constant rate.
//
// Reads a bundle written by `strata compile --target=cuda -o DIR`, loads its
// data set, initializes the parameters from its layout, and trains its
// @train_step on the GPU with the one training loop (runtime/Trainer.h)
// through runtime/cuda/CudaStepRunner.h; with --checkpoint it
// writes CKPT/checkpoint.safetensors, which `strata eval SPEC --checkpoint
// CKPT` reads. Links the runtime, the CUDA driver and cuBLASLt; no LLVM or
// MLIR. Without a visible GPU it says so and exits with 1. --json prints the
// report every training program prints (runtime/TrainReport.h).
//
//===----------------------------------------------------------------------===//

#include "Checkpoint.h"
#include "CudaProgram.h"
#include "CudaStepRunner.h"
#include "Dataset.h"
#include "TrainReport.h"
#include "DataSources.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <string>

using namespace strata::runtime;

namespace {

struct Args {
  std::string dir;
  int64_t steps = -1; // -1: the run the bundle's schedule spans, else 100
  int64_t seed = -1; // -1: the bundle's
  std::string checkpoint;
  bool json = false;
};

int64_t number(const std::string &flag, const std::string &text) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size() && v >= 0)
      return v;
  } catch (const std::exception &) {
  }
  throw Error("option '" + flag + "' needs a non-negative integer, got '" + text + "'");
}

Args parse(int argc, char **argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw Error("option '" + arg + "' needs a value");
      return argv[++i];
    };
    if (arg == "--steps") a.steps = number(arg, value());
    else if (arg == "--seed") a.seed = number(arg, value());
    else if (arg == "--checkpoint") a.checkpoint = value();
    else if (arg == "--json") a.json = true;
    else if (arg.rfind("-", 0) == 0) throw Error("unknown option '" + arg + "'");
    else if (a.dir.empty()) a.dir = arg;
    else throw Error("unexpected argument '" + arg + "'");
  }
  if (a.dir.empty())
    throw Error("usage: strata-run DIR [--steps N] [--seed S] [--checkpoint CKPT] [--json]");
  return a;
}

/// The steps to train: --steps, else the run the bundle's learning-rate
/// schedule was compiled for. A run of another length under a schedule that
/// depends on it (linear, cosine) follows the compiled rates, not its own,
/// and `strata train --steps N` would not: say so.
int64_t stepsToRun(const Args &args, const Bundle &bundle) {
  if (args.steps < 0)
    return bundle.scheduleSteps > 0 ? bundle.scheduleSteps : 100;
  if (bundle.scheduleSteps > 0 && args.steps != bundle.scheduleSteps)
    std::fprintf(stderr,
                 "strata-run: note: the %s learning-rate schedule of this bundle spans %lld steps; "
                 "this run stops at step %lld of it (`strata compile --steps %lld` makes a bundle "
                 "whose schedule spans %lld, as `strata train --steps %lld` does)\n",
                 bundle.schedule.c_str(), (long long)bundle.scheduleSteps, (long long)args.steps,
                 (long long)args.steps, (long long)args.steps, (long long)args.steps);
  return args.steps;
}

int run(const Args &args) {
  Bundle bundle = readBundle(args.dir);
  if (!bundle.functions.count("train_step"))
    throw BundleError("'" + args.dir + "' has no train_step");
  int64_t steps = stepsToRun(args, bundle);
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw CudaError(why + "; strata-run needs a GPU (on a CPU, use `strata train --target=cpu`)");
  uint64_t seed = args.seed >= 0 ? static_cast<uint64_t>(args.seed) : bundle.seed;
  Dataset data = loadDataset(bundle.data);
  CudaStepRunner runner(bundle);
  TrainState state = freshState(bundle.params, bundle.arenaSize(), optStateOf(bundle), seed);
  if (!bundle.initPath.empty())
    loadPretrained(bundle.initPath, bundle.initParams, bundle.params, state.params);
  TrainOptions options;
  options.model = bundle.model;
  options.totalSteps = steps;
  options.seed = seed;
  options.progress = args.json ? nullptr : stderr;
  // One checkpoint, at the end (the loop writes it after the last step).
  options.checkpointDir = args.checkpoint;
  options.checkpointEvery = steps;
  TrainResult result = train(runner, bundle.params, data, state, options);

  TrainReport report = reportOf(bundle.model, bundle.batch, seed, stepsPerEpoch(data, bundle.batch), result);
  if (!args.checkpoint.empty())
    report.checkpoint = checkpointPath(args.checkpoint);
  if (args.json) {
    nlohmann::ordered_json j = toJson(report);
    j["schedule_steps"] = bundle.scheduleSteps;
    std::cout << j.dump() << "\n";
  } else {
    printSummary(report);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(parse(argc, argv));
  } catch (const Error &e) {
    std::cerr << "strata-run: error: " << e.message << "\n";
    return 1;
  } catch (const DivergenceError &e) {
    std::cerr << "strata-run: error: training diverged at step " << e.step << ": " << e.message << "\n";
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "strata-run: internal error: " << e.what() << "\n";
    return 2;
  }
}
