//===- StepRunner.cpp - the JIT-compiled train step on the host -----------===//

#include "StepRunner.h"

using namespace strata::runtime;

std::vector<ArgSpec> strata::runtime::batchInputsOf(const std::vector<ArgSpec> &args) {
  std::vector<ArgSpec> inputs;
  for (const ArgSpec &arg : args)
    if (arg.role.rfind("input:", 0) == 0)
      inputs.push_back(arg);
  return inputs;
}

TrainState strata::runtime::freshState(const std::vector<ParamEntry> &layout, int64_t arenaElements,
                                       const ArgSpec *optState, uint64_t seed) {
  TrainState state;
  state.seed = seed;
  state.params = Tensor(DType::F32, {arenaElements});
  initializeParams(layout, seed, state.params);
  if (optState)
    state.optState = Tensor(optState->dtype, optState->shape); // a Tensor's storage starts zeroed
  return state;
}

JitStepRunner::JitStepRunner(const Function &step, std::string target)
    : step_(step), target_(std::move(target)), inputs_(batchInputsOf(step.args())) {
  // Every buffer that is neither state nor input is the step's own: the
  // loss, @metric scalars (grad_norm among them), the planned scratch arena.
  for (const ArgSpec &arg : step.args())
    if (arg.isBuffer && arg.role != "params" && arg.role != "opt_state" && arg.role.rfind("input:", 0) != 0)
      outputs_[arg.role] = Tensor(arg.dtype, arg.shape);
  for (auto &[role, tensor] : outputs_)
    byRole_[role] = &tensor;
}

void JitStepRunner::begin(TrainState &state) {
  byRole_["params"] = &state.params;
  byRole_["opt_state"] = &state.optState;
}

void JitStepRunner::launch(int64_t step, uint64_t seed, const std::vector<Tensor> &batch) {
  std::map<std::string, Tensor *> byRole = byRole_;
  for (size_t k = 0; k < inputs_.size(); ++k)
    byRole[inputs_[k].role] = const_cast<Tensor *>(&batch[k]); // read, never written
  step_.call(step_.buffersByRole(byRole), {static_cast<int64_t>(seed), step});
}

StepOutputs JitStepRunner::finish(int64_t) {
  StepOutputs out;
  out.loss = outputs_.at("loss").at(0);
  for (const auto &[role, tensor] : outputs_) {
    if (role.rfind("metric:", 0) != 0)
      continue;
    if (role == "metric:grad_norm")
      out.gradNorm = tensor.at(0);
    else
      out.metrics[role.substr(7)] = tensor.at(0);
  }
  return out;
}
