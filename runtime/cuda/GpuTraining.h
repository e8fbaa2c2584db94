//===- GpuTraining.h - the training loop on a GPU ----------------*- C++ -*-===//
//
// Trains a bundle's @train_step on device 0, with the CPU loop's semantics
// (runtime/Trainer.h): step s takes the batch of position s mod stepsPerEpoch
// of its epoch's shuffled order and draws its randomness from (seed, s), so a
// GPU run and a CPU run of one spec see the same data in the same order.
//
// The host stays one step ahead of the GPU: while step s runs, it gathers
// the batch of step s + 1 and hands it to CudaProgram's input pipeline, and
// it reads step s - 1's loss (copied back asynchronously). A non-finite loss
// stops the run with its step, one step after the GPU produced it. Periodic
// checkpoints are the only points where the host waits for the GPU.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Bundle.h"
#include "Checkpoint.h"
#include "Dataset.h"

#include <cstdio>
#include <functional>
#include <string>

namespace strata::runtime {

struct GpuTrainOptions {
  int64_t totalSteps = 0; // the run ends after this step count (the seed is state.seed)
  std::FILE *progress = stderr; // nullptr: silent
  /// Called with every step's loss once it is read back (one step late, in
  /// step order) and the seconds since the loop started.
  std::function<void(int64_t step, double loss, double elapsedSeconds)> onLoss;
  /// Every `checkpointEvery` steps before the last (0: never), the
  /// parameters and optimizer state are read back into `state` (the GPU
  /// waits) and handed to onCheckpoint, after that step's loss was checked.
  int64_t checkpointEvery = 0;
  std::function<void(const TrainState &state)> onCheckpoint;
};

struct GpuTrainResult {
  int64_t firstStep = 0, steps = 0; // steps: the total done, as the checkpoint records it
  double finalLoss = 0;
  double seconds = 0; // the loop, from the first upload to the last loss read back
  std::string device;
  std::string kernelsLoaded; // CudaProgram::kernelsLoaded()
  bool graphReplayed = false; // the train step ran as a CUDA graph
};

/// Trains from `state` (initialized parameters and zeroed optimizer state, or
/// a checkpoint's at state.step) until options.totalSteps; on return `state`
/// holds the trained parameters, optimizer state and step. Throws CudaError
/// when no GPU is visible and Error when the loss stops being finite.
GpuTrainResult trainOnGpu(const Bundle &bundle, const Dataset &data, TrainState &state,
                          const GpuTrainOptions &options);

/// The bundle's parameter arena initialized for `seed` and its optimizer
/// state zeroed.
TrainState initialGpuState(const Bundle &bundle, uint64_t seed);

/// Loads the spec's `init pretrained(...)` parameters (none: nothing) over
/// `params`; a fresh run's start, not a resumed one's.
void loadBundleInit(const Bundle &bundle, Tensor &params);

} // namespace strata::runtime
