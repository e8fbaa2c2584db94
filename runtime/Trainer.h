//===- Trainer.h - the training loop around a compiled train step -*- C++ -*-===//
//
// The one training loop, for every target: it drives a train step through a
// StepRunner (StepRunner.h), the JIT-compiled function on the CPU or a
// bundle on a GPU. Step s (0-based) takes the batch at position s mod
// stepsPerEpoch of epoch s / stepsPerEpoch's shuffled order and draws its
// randomness from (seed, s), so every target sees the same data in the same
// order. A second thread gathers step s + 1's batch while step s runs.
// Checkpoints, the metrics log, the collapse watch and the progress display
// hang off the loop; a non-finite loss stops it with the step and what went
// wrong.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Checkpoint.h"
#include "Dataset.h"
#include "Function.h"
#include "ParamInit.h"
#include "StepRunner.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace strata::runtime {

struct TrainOptions {
  std::string model;
  int64_t totalSteps = 0;
  uint64_t seed = 0;
  std::string checkpointDir; // empty: no checkpoints
  int64_t checkpointEvery = 0; // steps; 0: at the end of every epoch
  bool resume = false;
  std::string logPath; // empty: no metrics log
  /// Steps between measurements of the @represent value's geometry (logged,
  /// and a warning when it collapses); 0: never. `forward` (the program's
  /// @forward, training form, on the host) computes it on the step's batch;
  /// null: never (a GPU run's parameters are on the device).
  int64_t watchEvery = 50;
  const Function *forward = nullptr;
  std::FILE *progress = stderr; // nullptr: silent
};

struct TrainResult {
  int64_t firstStep = 0; // > 0 after --resume
  int64_t steps = 0;     // total steps done
  double finalLoss = 0;
  double meanLastEpochLoss = 0;
  double seconds = 0;           // wall time of the loop
  double firstStepSeconds = 0;  // from the loop's start to the end of its first step
  /// Each step's time: the call alone where steps run one after another,
  /// from the previous step's end where they overlap (a GPU's).
  std::vector<double> stepMs;
  RunnerInfo runner;
};

/// A diverged run: the step whose loss was not finite, and why.
struct DivergenceError {
  int64_t step;
  std::string message;
};

int64_t stepsPerEpoch(const Dataset &data, int64_t batch);

/// The batch size a compiled function takes (the first dimension of its
/// first input), or 0 when it has no inputs.
int64_t batchOf(const Function &function);

/// Trains with `runner` from `state`, which holds the initialized parameters
/// and zeroed optimizer state (or is loaded from the checkpoint first when
/// options.resume is set; a checkpoint already at options.totalSteps is an
/// error). On return `state` holds the trained parameters, optimizer state
/// and step count.
TrainResult train(StepRunner &runner, const std::vector<ParamEntry> &layout, const Dataset &data,
                  TrainState &state, const TrainOptions &options);

/// The loss and each @metric of a pass over a data set, as means over its batches.
struct ForwardMeans {
  double loss = 0;
  std::map<std::string, double> metrics; // by the metric's name
};

/// Calls a compiled @forward over `data` in order, batch by batch, and returns
/// the mean loss and metrics of the full batches; when `represent` is not
/// null, fills it with the representation of every row, shaped [rows, dim]
/// (the last batch topped up with rows from the start).
ForwardMeans forwardOver(const Function &forward, const Tensor &params, const Dataset &data,
                         uint64_t seed, Tensor *represent);

} // namespace strata::runtime
