//===- TrainReport.cpp - what a training run reports ----------------------===//

#include "TrainReport.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

using namespace strata::runtime;

double strata::runtime::percentile(std::vector<double> values, double q) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * (values.size() - 1) + 0.5)];
}

TrainReport strata::runtime::reportOf(const std::string &model, int64_t batch, uint64_t seed,
                                      int64_t stepsPerEpoch, const TrainResult &result, size_t timedFrom) {
  TrainReport r;
  r.model = model;
  r.runner = result.runner;
  r.batch = batch;
  r.seed = seed;
  r.stepsPerEpoch = stepsPerEpoch;
  r.firstStep = result.firstStep;
  r.steps = result.steps;
  r.finalLoss = result.finalLoss;
  r.lastEpochMeanLoss = result.meanLastEpochLoss;
  r.trainSeconds = result.seconds;
  std::vector<double> timed(result.stepMs.begin() + std::min(timedFrom, result.stepMs.size()), result.stepMs.end());
  r.medianStepMs = percentile(timed, 0.5);
  r.meanStepMs = timed.empty() ? 0 : std::accumulate(timed.begin(), timed.end(), 0.0) / timed.size();
  return r;
}

nlohmann::ordered_json strata::runtime::toJson(const TrainReport &r) {
  auto optional = [](const std::optional<double> &v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["target"] = r.runner.target;
  j["device"] = r.runner.device;
  j["batch"] = r.batch;
  j["seed"] = r.seed;
  j["first_step"] = r.firstStep;
  j["steps"] = r.steps;
  j["epochs"] = r.stepsPerEpoch > 0 ? static_cast<double>(r.steps) / r.stepsPerEpoch : 0.0;
  j["final_loss"] = r.finalLoss;
  j["last_epoch_mean_loss"] = r.lastEpochMeanLoss;
  j["train_seconds"] = r.trainSeconds;
  j["median_step_ms"] = r.medianStepMs;
  j["mean_step_ms"] = r.meanStepMs;
  j["steps_per_second"] = r.meanStepMs > 0 ? 1000 / r.meanStepMs : 0.0;
  j["compile_seconds"] = optional(r.compileSeconds);
  j["spec_to_first_step_seconds"] = optional(r.specToFirstStepSeconds);
  j["cuda_graph"] = r.runner.cudaGraph;
  j["kernels"] = r.runner.kernels.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.runner.kernels);
  j["checkpoint"] = r.checkpoint.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.checkpoint);
  return j;
}

void strata::runtime::printSummary(const TrainReport &r) {
  std::string where = r.runner.target == "cuda" ? r.runner.device : r.runner.target;
  std::printf("trained %s on %s: steps %lld..%lld (%.2f epochs) in %.1f s, median step %.2f ms%s\n",
              r.model.c_str(), where.c_str(), (long long)r.firstStep, (long long)r.steps,
              r.stepsPerEpoch > 0 ? static_cast<double>(r.steps) / r.stepsPerEpoch : 0.0, r.trainSeconds,
              r.medianStepMs, r.runner.cudaGraph ? " (CUDA graph)" : "");
  std::printf("loss: %.6g at the last step, %.6g mean over the last epoch\n", r.finalLoss, r.lastEpochMeanLoss);
  if (r.compileSeconds)
    std::printf("compile: %.2f s (spec to first step %.2f s)\n", *r.compileSeconds,
                r.specToFirstStepSeconds.value_or(0));
  if (!r.checkpoint.empty())
    std::printf("checkpoint: %s\n", r.checkpoint.c_str());
}
