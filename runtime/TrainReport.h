//===- TrainReport.h - what a training run reports ---------------*- C++ -*-===//
//
// One report for every program that trains: `strata train` on any target,
// `strata bench` and `strata-run`. Its JSON keys are the same everywhere
// (test/tools/train-report-schema.test holds the three to one schema); a
// figure a program does not measure is null, never missing.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Trainer.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace strata::runtime {

struct TrainReport {
  std::string model;
  RunnerInfo runner;
  int64_t batch = 0, stepsPerEpoch = 0;
  uint64_t seed = 0;
  int64_t firstStep = 0, steps = 0;
  double finalLoss = 0, lastEpochMeanLoss = 0;
  double trainSeconds = 0;
  double medianStepMs = 0, meanStepMs = 0;
  /// From the spec to the program (absent for strata-run, which reads a
  /// compiled bundle), and to the end of the first step.
  std::optional<double> compileSeconds, specToFirstStepSeconds;
  std::string checkpoint; // the file written; empty: none
};

/// The report of `result`, whose step times from `timedFrom` on (a bench's
/// warm-up steps excluded) give the median and mean step.
TrainReport reportOf(const std::string &model, int64_t batch, uint64_t seed, int64_t stepsPerEpoch,
                     const TrainResult &result, size_t timedFrom = 0);

nlohmann::ordered_json toJson(const TrainReport &report);

/// The human summary: what trained where, the loss, the compile time and
/// the checkpoint, a line each (stdout).
void printSummary(const TrainReport &report);

/// The q-quantile (0..1) of `values`; 0 for none.
double percentile(std::vector<double> values, double q);

} // namespace strata::runtime
