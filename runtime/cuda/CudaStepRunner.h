//===- CudaStepRunner.h - a bundle's train step on a GPU ---------*- C++ -*-===//
//
// The GPU's StepRunner (runtime/StepRunner.h): a bundle's @train_step on
// device 0 through CudaProgram, driven by the one training loop
// (runtime/Trainer.h), so a GPU run and a CPU run of one spec see the same
// data in the same order.
//
// launch() stages the batch into the input pipeline (pinned memory, a copy
// stream) and enqueues the step and the asynchronous copy of its loss; it
// returns while the GPU works, so the loop gathers the next batch and reads
// this step's loss one step late. Only the loss comes back each step: the
// gradient norm and the metrics stay on the device. sync() is the only point
// where the host waits for the parameters.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Bundle.h"
#include "StepRunner.h"

#include <memory>

namespace strata::runtime {

class CudaProgram;

class CudaStepRunner : public StepRunner {
public:
  /// Loads the bundle's kernels on device 0. Throws CudaError when no GPU is
  /// visible and BundleError when the bundle has no train_step.
  explicit CudaStepRunner(const Bundle &bundle);
  ~CudaStepRunner() override;
  const std::vector<ArgSpec> &inputs() const override { return inputs_; }
  void begin(TrainState &state) override;
  void launch(int64_t step, uint64_t seed, const std::vector<Tensor> &batch) override;
  StepOutputs finish(int64_t step) override;
  void sync() override;
  bool overlapsSteps() const override { return true; }
  RunnerInfo info() const override;

private:
  const BundleFunction &step_;
  std::unique_ptr<CudaProgram> program_;
  std::vector<ArgSpec> inputs_;
  std::vector<int64_t> scalars_; // by argument index: the seed and the step
  int seedArg_ = -1, stepArg_ = -1;
  TrainState *state_ = nullptr;
};

/// A bundle's train step's optimizer-state argument, or null when it has none.
const ArgSpec *optStateOf(const Bundle &bundle);

} // namespace strata::runtime
