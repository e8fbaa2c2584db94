//===- StepRunner.h - a compiled train step, whatever runs it ----*- C++ -*-===//
//
// The training loop (Trainer.h) drives a train step through this interface
// and nothing else, so one loop serves every target: JitStepRunner (here)
// calls the JIT-compiled @train_step on the CPU, CudaStepRunner
// (runtime/cuda/) replays a bundle's schedule on a GPU.
//
// A runner owns where the parameters and optimizer state live while it runs:
// the CPU one updates the host state in place, the GPU one on the device
// until sync() copies them back. A runner whose launch() returns before the
// step is done (overlapsSteps) lets the loop gather and stage step s + 1's
// batch while step s runs, and read step s's loss one step late.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Checkpoint.h"
#include "Function.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata::runtime {

/// What one step computed, read back.
struct StepOutputs {
  double loss = 0;
  /// Absent where the target keeps it on the device (the GPU reads back
  /// only the loss, so that a step costs one small copy).
  std::optional<double> gradNorm;
  std::map<std::string, double> metrics; // each @metric, by name
};

/// Where a run ran, for its report.
struct RunnerInfo {
  std::string target;  // cpu, cuda-emulated, cuda
  std::string device;  // "cpu" or the GPU's name
  std::string kernels; // how the GPU's kernels were loaded; empty on the CPU
  bool cudaGraph = false; // the step replayed a CUDA graph
};

class StepRunner {
public:
  virtual ~StepRunner() = default;
  /// The step's batch inputs (role "input:NAME", the data field, dtype,
  /// shape), in the order launch() takes their tensors.
  virtual const std::vector<ArgSpec> &inputs() const = 0;
  /// Takes `state`'s parameters and optimizer state as the run's start;
  /// `state` must outlive the run (sync() writes back into it).
  virtual void begin(TrainState &state) = 0;
  /// Starts step `step` on `batch` (one tensor per inputs() entry) with the
  /// run's `seed`. Returns once `batch` may be refilled.
  virtual void launch(int64_t step, uint64_t seed, const std::vector<Tensor> &batch) = 0;
  /// What step `step` computed, waiting for it. The loop finishes steps in
  /// order, each once, the step launched last or the one before it.
  virtual StepOutputs finish(int64_t step) = 0;
  /// The parameters and optimizer state back into begin()'s state (waits).
  virtual void sync() = 0;
  /// Whether launch() returns before its step is done.
  virtual bool overlapsSteps() const = 0;
  virtual RunnerInfo info() const = 0;
};

/// A JIT-compiled @train_step called on the host: the parameters and the
/// optimizer state are updated in place, and every output (loss, grad norm,
/// metrics) is there as soon as launch() returns.
class JitStepRunner : public StepRunner {
public:
  /// `target`: cpu, or cuda-emulated (the GPU program's IR run on the CPU).
  JitStepRunner(const Function &step, std::string target);
  const std::vector<ArgSpec> &inputs() const override { return inputs_; }
  void begin(TrainState &state) override;
  void launch(int64_t step, uint64_t seed, const std::vector<Tensor> &batch) override;
  StepOutputs finish(int64_t step) override;
  void sync() override {}
  bool overlapsSteps() const override { return false; }
  RunnerInfo info() const override { return {target_, "cpu", "", false}; }

private:
  const Function &step_;
  std::string target_;
  std::vector<ArgSpec> inputs_;
  std::map<std::string, Tensor *> byRole_; // everything but the inputs
  std::map<std::string, Tensor> outputs_;  // loss, metrics, the scratch arena
};

/// A run's state at step 0: the parameters of `layout` initialized for
/// `seed` in an arena of `arenaElements`, the optimizer state (`optState`,
/// the step's opt_state argument, or null when it has none) zeroed.
TrainState freshState(const std::vector<ParamEntry> &layout, int64_t arenaElements, const ArgSpec *optState,
                      uint64_t seed);

/// The batch inputs among a step's arguments, in argument order.
std::vector<ArgSpec> batchInputsOf(const std::vector<ArgSpec> &args);

} // namespace strata::runtime
