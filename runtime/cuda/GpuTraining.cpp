//===- GpuTraining.cpp - the training loop on a GPU -----------------------===//

#include "GpuTraining.h"

#include "CudaProgram.h"
#include "ParamInit.h"
#include "Progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

using namespace strata::runtime;

namespace {

/// The train step's inputs: host tensors the batches are gathered into, by role.
struct StepInputs {
  std::vector<std::string> roles, fields;
  std::vector<Tensor> host;
  int seedArg = -1, stepArg = -1;
};

StepInputs inputsOf(const BundleFunction &step) {
  StepInputs in;
  for (size_t i = 0; i < step.args.size(); ++i) {
    const ArgSpec &a = step.args[i];
    if (a.role.rfind("input:", 0) == 0) {
      in.roles.push_back(a.role);
      in.fields.push_back(a.field);
      in.host.emplace_back(a.dtype, a.shape);
    } else if (a.role == "seed") {
      in.seedArg = static_cast<int>(i);
    } else if (a.role == "step") {
      in.stepArg = static_cast<int>(i);
    }
  }
  return in;
}

/// Gathers step `s`'s batch and hands it to pipeline slot s % 2.
void stageStep(CudaProgram &program, StepBatches &batches, StepInputs &in, int64_t s) {
  std::vector<std::pair<std::string, const Tensor *>> staged;
  for (size_t k = 0; k < in.roles.size(); ++k) {
    batches.gather(s, in.fields[k], in.host[k]);
    staged.emplace_back(in.roles[k], &in.host[k]);
  }
  program.stageInputs(static_cast<int>(s % 2), staged);
}

} // namespace

TrainState strata::runtime::initialGpuState(const Bundle &bundle, uint64_t seed) {
  TrainState state;
  state.seed = seed;
  state.params = Tensor(DType::F32, {bundle.arenaSize()});
  initializeParams(bundle.params, seed, state.params);
  for (const ArgSpec &a : bundle.functions.at("train_step").args)
    if (a.role == "opt_state")
      state.optState = Tensor(a.dtype, a.shape); // zeroed
  return state;
}

void strata::runtime::loadBundleInit(const Bundle &bundle, Tensor &params) {
  if (bundle.initPath.empty())
    return;
  std::vector<ParamEntry> pretrained;
  for (const ParamEntry &p : bundle.params) // a block's parameters are named "block" or "block.*"
    if (p.name == bundle.initParams || p.name.rfind(bundle.initParams + ".", 0) == 0)
      pretrained.push_back(p);
  loadSomeParameters(bundle.initPath, pretrained, params);
}

GpuTrainResult strata::runtime::trainOnGpu(const Bundle &bundle, const Dataset &data, TrainState &state,
                                           const GpuTrainOptions &options) {
  auto found = bundle.functions.find("train_step");
  if (found == bundle.functions.end())
    throw BundleError("the bundle of '" + bundle.model + "' has no train_step");
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw CudaError(why);
  const BundleFunction &step = found->second;
  CudaProgram program(bundle);
  program.allocate("train_step");
  program.upload("params", state.params);
  if (!state.optState.empty())
    program.upload("opt_state", state.optState);

  StepInputs in = inputsOf(step);
  std::vector<int64_t> scalars(step.args.size(), 0);
  if (in.seedArg >= 0)
    scalars[in.seedArg] = static_cast<int64_t>(state.seed);
  StepBatches batches(data, bundle.batch, state.seed);
  GpuTrainResult result;
  result.device = program.deviceName();
  result.kernelsLoaded = program.kernelsLoaded();
  result.firstStep = state.step;
  std::unique_ptr<Progress> progress;
  if (options.progress)
    progress = std::make_unique<Progress>(state.step, options.totalSteps, batches.stepsPerEpoch(),
                                          options.progress);
  auto start = std::chrono::steady_clock::now();
  int64_t checkedThrough = state.step - 1;
  double lastLoss = 0;
  auto check = [&](int64_t s) { // step s's loss, read back, once
    if (s <= checkedThrough)
      return;
    double loss = program.readScalar(static_cast<int>(s % 2));
    if (!std::isfinite(loss))
      throw Error("training diverged at step " + std::to_string(s) + ": loss is " + std::to_string(loss));
    checkedThrough = s;
    lastLoss = loss;
    if (progress)
      progress->update(s, loss);
    if (options.onLoss)
      options.onLoss(s, loss, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  };
  auto checkpoint = [&](int64_t s) { // after step s
    check(s);
    program.download("params", state.params);
    if (!state.optState.empty())
      program.download("opt_state", state.optState);
    state.step = s + 1;
    options.onCheckpoint(state);
  };

  int64_t first = state.step;
  bool checkpoints = options.checkpointEvery > 0 && options.onCheckpoint;
  if (first < options.totalSteps)
    stageStep(program, batches, in, first);
  for (int64_t s = first; s < options.totalSteps; ++s) {
    program.takeInputs(static_cast<int>(s % 2));
    if (in.stepArg >= 0)
      scalars[in.stepArg] = s;
    program.run("train_step", scalars);
    program.readScalarAsync("loss", static_cast<int>(s % 2));
    if (s + 1 < options.totalSteps)
      stageStep(program, batches, in, s + 1); // while step s runs
    if (s > first)
      check(s - 1);
    if (checkpoints && (s + 1) % options.checkpointEvery == 0 && s + 1 < options.totalSteps)
      checkpoint(s);
  }
  if (first < options.totalSteps) {
    check(options.totalSteps - 1);
    result.finalLoss = lastLoss;
  }
  program.download("params", state.params);
  if (!state.optState.empty())
    program.download("opt_state", state.optState);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (progress)
    progress->finish();
  result.graphReplayed = program.replaysGraph("train_step");
  result.steps = state.step = std::max(state.step, options.totalSteps);
  return result;
}
