//===- TrainerTest.cpp - the one training loop's protocol -----------------===//
//
// The loop (runtime/Trainer.h) drives every target through StepRunner. The
// GPU's runner overlaps steps: the loop reads step s's loss after launching
// s + 1, and must bring the state back before a checkpoint while no later
// step has started. A recording runner checks that order on any machine,
// in both modes, without a GPU.
//
//===----------------------------------------------------------------------===//

#include "Checkpoint.h"
#include "Dataset.h"
#include "Trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

using namespace strata::runtime;

namespace {

/// A runner whose "step" adds the batch's first value to parameter 0 and
/// reports a loss of 1 / (step + 1); it records every call.
class RecordingRunner : public StepRunner {
public:
  RecordingRunner(bool overlaps, int64_t batch) : overlaps_(overlaps) {
    ArgSpec x;
    x.role = "input:x";
    x.field = "x";
    x.dtype = DType::F32;
    x.shape = {batch, 1};
    inputs_.push_back(x);
  }
  const std::vector<ArgSpec> &inputs() const override { return inputs_; }
  void begin(TrainState &state) override {
    state_ = &state;
    device_ = state.params;
    calls.push_back("begin");
  }
  void launch(int64_t step, uint64_t, const std::vector<Tensor> &batch) override {
    device_.set(0, device_.at(0) + batch[0].at(0));
    calls.push_back("launch " + std::to_string(step));
  }
  StepOutputs finish(int64_t step) override {
    calls.push_back("finish " + std::to_string(step));
    StepOutputs out;
    out.loss = lossAt == step ? std::nan("") : 1.0 / (step + 1);
    return out;
  }
  void sync() override {
    state_->params = device_;
    calls.push_back("sync");
  }
  bool overlapsSteps() const override { return overlaps_; }
  RunnerInfo info() const override { return {"test", "recorder", "", false}; }

  std::vector<std::string> calls;
  int64_t lossAt = -1; // the step whose loss is NaN

private:
  bool overlaps_;
  std::vector<ArgSpec> inputs_;
  TrainState *state_ = nullptr;
  Tensor device_; // where the overlapping runner keeps the parameters
};

Dataset rowsOneToEight() {
  Dataset data;
  data.name = "rows";
  data.size = 8;
  Tensor x(DType::F32, {8, 1});
  for (int64_t i = 0; i < 8; ++i)
    x.set(i, static_cast<double>(i + 1));
  data.fields["x"] = x;
  return data;
}

std::vector<ParamEntry> oneParameter() {
  ParamEntry p;
  p.name = "w";
  p.shape = {1};
  return {p};
}

TrainState zeroState() {
  TrainState state;
  state.params = Tensor(DType::F32, {1});
  return state;
}

TrainOptions quietRun(int64_t steps, const std::string &checkpointDir = "") {
  TrainOptions options;
  options.model = "m";
  options.totalSteps = steps;
  options.checkpointDir = checkpointDir;
  options.progress = nullptr;
  return options;
}

std::string tempDir() {
  char name[] = "/tmp/strata-trainer-XXXXXX";
  return ::mkdtemp(name);
}

} // namespace

TEST(Trainer, AnOverlappingRunnerFinishesEachStepOnceInOrderOneLaunchBehind) {
  Dataset data = rowsOneToEight();
  RecordingRunner runner(/*overlaps=*/true, /*batch=*/2);
  TrainState state = zeroState();
  TrainOptions options = quietRun(4);
  TrainResult result = train(runner, oneParameter(), data, state, options);
  std::vector<std::string> expected = {"begin",    "launch 0", "launch 1", "finish 0", "launch 2",
                                       "finish 1", "launch 3", "finish 2", "finish 3", "sync"};
  EXPECT_EQ(runner.calls, expected);
  EXPECT_EQ(result.steps, 4);
  EXPECT_DOUBLE_EQ(result.finalLoss, 0.25);
  EXPECT_EQ(result.stepMs.size(), 4u);
}

TEST(Trainer, ACheckpointHoldsTheStateRightAfterItsStepOnEveryRunner) {
  for (bool overlaps : {false, true}) {
    Dataset data = rowsOneToEight();
    RecordingRunner runner(overlaps, /*batch=*/2);
    TrainState state = zeroState();
    TrainOptions options = quietRun(4, tempDir());
    options.checkpointEvery = 2;
    train(runner, oneParameter(), data, state, options);
    // The checkpoint after step 1 is taken before step 2 is launched.
    std::vector<std::string> &c = runner.calls;
    auto at = [&](const std::string &call) { return std::find(c.begin(), c.end(), call) - c.begin(); };
    EXPECT_LT(at("finish 1"), at("sync")) << "overlaps " << overlaps;
    EXPECT_LT(at("sync"), at("launch 2")) << "overlaps " << overlaps;
    // Both runs end with the same parameter: the sum of the four batches' first rows.
    TrainState saved = zeroState();
    loadCheckpoint(options.checkpointDir, "m", oneParameter(), saved);
    EXPECT_EQ(saved.step, 4);
    EXPECT_DOUBLE_EQ(saved.params.at(0), state.params.at(0));
  }
}

TEST(Trainer, ANonFiniteLossStopsAtItsStepOnEveryRunner) {
  for (bool overlaps : {false, true}) {
    Dataset data = rowsOneToEight();
    RecordingRunner runner(overlaps, /*batch=*/2);
    runner.lossAt = 2;
    TrainState state = zeroState();
    TrainOptions options = quietRun(4);
    try {
      train(runner, oneParameter(), data, state, options);
      FAIL() << "no divergence, overlaps " << overlaps;
    } catch (const DivergenceError &e) {
      EXPECT_EQ(e.step, 2);
      EXPECT_EQ(e.message, "loss is NaN; every parameter is still finite (the forward pass overflowed)");
    }
  }
}

TEST(Trainer, AResumeAtItsLastStepIsAnError) {
  Dataset data = rowsOneToEight();
  std::string dir = tempDir();
  RecordingRunner first(false, 2), second(false, 2);
  TrainState state = zeroState();
  train(first, oneParameter(), data, state, quietRun(3, dir));
  TrainOptions options = quietRun(3, dir);
  options.resume = true;
  state = zeroState();
  EXPECT_THROW(train(second, oneParameter(), data, state, options), CheckpointError);
}
