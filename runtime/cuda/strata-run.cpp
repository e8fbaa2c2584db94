//===- strata-run.cpp - train from a bundle, runtime only -----------------===//
//
// strata-run DIR [--steps N] [--seed S] [--json]
//
// Reads a bundle written by `strata compile --target=cuda -o DIR`, loads its
// data set, initializes the parameters from its layout, and runs its
// @train_step on the GPU. Links the runtime, the CUDA driver and cuBLASLt;
// no LLVM or MLIR. Without a visible GPU it says so and exits with 1.
//
//===----------------------------------------------------------------------===//

#include "Checkpoint.h"
#include "CudaProgram.h"
#include "Dataset.h"
#include "ParamInit.h"
#include "Progress.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>

using namespace strata::runtime;

namespace {

struct Args {
  std::string dir;
  int64_t steps = 100;
  int64_t seed = -1; // -1: the bundle's
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
    else if (arg == "--json") a.json = true;
    else if (arg.rfind("-", 0) == 0) throw Error("unknown option '" + arg + "'");
    else if (a.dir.empty()) a.dir = arg;
    else throw Error("unexpected argument '" + arg + "'");
  }
  if (a.dir.empty())
    throw Error("usage: strata-run DIR [--steps N] [--seed S] [--json]");
  return a;
}

int run(const Args &args) {
  Bundle bundle = readBundle(args.dir);
  if (!bundle.functions.count("train_step"))
    throw BundleError("'" + args.dir + "' has no train_step");
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw CudaError(why + "; strata-run needs a GPU (on a CPU, use `strata train --target=cpu`)");
  uint64_t seed = args.seed >= 0 ? static_cast<uint64_t>(args.seed) : bundle.seed;
  Dataset data = loadDataset(bundle.data);
  const BundleFunction &step = bundle.functions.at("train_step");

  CudaProgram program(bundle);
  program.allocate("train_step");
  Tensor params(DType::F32, {bundle.arenaSize()});
  initializeParams(bundle.params, seed, params);
  if (!bundle.initPath.empty()) {
    std::vector<ParamEntry> pretrained;
    for (const ParamEntry &p : bundle.params)
      if (p.name == bundle.initParams || p.name.rfind(bundle.initParams + ".", 0) == 0)
        pretrained.push_back(p);
    loadSomeParameters(bundle.initPath, pretrained, params);
  }
  program.upload("params", params);

  // Host staging for each input, and the scalar arguments by index.
  std::vector<std::pair<std::string, Tensor>> inputs;
  std::vector<std::string> fields;
  std::vector<int64_t> scalars(step.args.size(), 0);
  int seedArg = -1, stepArg = -1;
  for (size_t i = 0; i < step.args.size(); ++i) {
    const ArgSpec &a = step.args[i];
    if (a.role.rfind("input:", 0) == 0) {
      inputs.emplace_back(a.role, Tensor(a.dtype, a.shape));
      fields.push_back(a.field);
    } else if (a.role == "seed") {
      seedArg = static_cast<int>(i);
    } else if (a.role == "step") {
      stepArg = static_cast<int>(i);
    }
  }
  StepBatches batches(data, bundle.batch, seed);
  Progress progress(0, args.steps, batches.stepsPerEpoch(), stderr); // updated only without --json
  Tensor loss(DType::F32, {});
  auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < args.steps; ++s) {
    for (size_t k = 0; k < inputs.size(); ++k) {
      batches.gather(s, fields[k], inputs[k].second);
      program.upload(inputs[k].first, inputs[k].second);
    }
    if (seedArg >= 0) scalars[seedArg] = static_cast<int64_t>(seed);
    if (stepArg >= 0) scalars[stepArg] = s;
    program.run("train_step", scalars);
    program.download("loss", loss);
    if (!std::isfinite(loss.at(0)))
      throw Error("training diverged at step " + std::to_string(s) + ": loss is not finite");
    if (!args.json)
      progress.update(s, loss.at(0));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!args.json)
    progress.finish();
  nlohmann::ordered_json j;
  j["model"] = bundle.model;
  j["device"] = program.deviceName();
  j["steps"] = args.steps;
  j["final_loss"] = loss.at(0);
  j["seconds"] = seconds;
  j["steps_per_second"] = args.steps / seconds;
  if (args.json)
    std::cout << j.dump() << "\n";
  else
    std::printf("trained %s on %s: %lld steps in %.2f s, final loss %.6g\n", bundle.model.c_str(),
                program.deviceName().c_str(), (long long)args.steps, seconds, loss.at(0));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(parse(argc, argv));
  } catch (const Error &e) {
    std::cerr << "strata-run: error: " << e.message << "\n";
    return 1;
  } catch (const std::exception &e) {
    std::cerr << "strata-run: internal error: " << e.what() << "\n";
    return 2;
  }
}
