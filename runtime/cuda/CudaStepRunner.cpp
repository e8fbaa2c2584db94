//===- CudaStepRunner.cpp - a bundle's train step on a GPU ----------------===//

#include "CudaStepRunner.h"

#include "CudaProgram.h"

using namespace strata::runtime;

namespace {

const BundleFunction &trainStepOf(const Bundle &bundle) {
  auto found = bundle.functions.find("train_step");
  if (found == bundle.functions.end())
    throw BundleError("the bundle of '" + bundle.model + "' has no train_step");
  return found->second;
}

} // namespace

const ArgSpec *strata::runtime::optStateOf(const Bundle &bundle) {
  for (const ArgSpec &a : trainStepOf(bundle).args)
    if (a.role == "opt_state")
      return &a;
  return nullptr;
}

CudaStepRunner::CudaStepRunner(const Bundle &bundle)
    : step_(trainStepOf(bundle)), inputs_(batchInputsOf(step_.args)), scalars_(step_.args.size(), 0) {
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw CudaError(why);
  for (size_t i = 0; i < step_.args.size(); ++i) {
    if (step_.args[i].role == "seed")
      seedArg_ = static_cast<int>(i);
    else if (step_.args[i].role == "step")
      stepArg_ = static_cast<int>(i);
  }
  program_ = std::make_unique<CudaProgram>(bundle);
  program_->allocate("train_step");
}

CudaStepRunner::~CudaStepRunner() = default;

void CudaStepRunner::begin(TrainState &state) {
  state_ = &state;
  program_->upload("params", state.params);
  if (!state.optState.empty())
    program_->upload("opt_state", state.optState);
}

void CudaStepRunner::launch(int64_t step, uint64_t seed, const std::vector<Tensor> &batch) {
  int slot = static_cast<int>(step % 2);
  std::vector<std::pair<std::string, const Tensor *>> staged;
  for (size_t k = 0; k < inputs_.size(); ++k)
    staged.emplace_back(inputs_[k].role, &batch[k]);
  program_->stageInputs(slot, staged); // copies the batch into pinned memory
  program_->takeInputs(slot);
  if (seedArg_ >= 0)
    scalars_[seedArg_] = static_cast<int64_t>(seed);
  if (stepArg_ >= 0)
    scalars_[stepArg_] = step;
  program_->run("train_step", scalars_);
  program_->readScalarAsync("loss", slot);
}

StepOutputs CudaStepRunner::finish(int64_t step) {
  StepOutputs out;
  out.loss = program_->readScalar(static_cast<int>(step % 2));
  return out;
}

void CudaStepRunner::sync() {
  program_->download("params", state_->params);
  if (!state_->optState.empty())
    program_->download("opt_state", state_->optState);
}

RunnerInfo CudaStepRunner::info() const {
  return {"cuda", program_->deviceName(), program_->kernelsLoaded(), program_->replaysGraph("train_step")};
}
