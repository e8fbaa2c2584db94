//===- Trainer.cpp - the training loop around a compiled train step -------===//

#include "Trainer.h"

#include "Geometry.h"
#include "MetricsLog.h"
#include "Probe.h"
#include "Progress.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <map>
#include <memory>

using namespace strata::runtime;

namespace {

using Clock = std::chrono::steady_clock;

/// One tensor per batch input, shaped as the step takes it; a data set
/// without a field an input reads is the user's error, named.
std::vector<Tensor> batchTensors(const std::vector<ArgSpec> &inputs, const Dataset &data) {
  std::vector<Tensor> tensors;
  for (const ArgSpec &arg : inputs) {
    if (!data.hasField(arg.field))
      throw DataError{"data set " + data.name + " has no field '" + arg.field + "' for " + arg.role.substr(6)};
    tensors.emplace_back(arg.dtype, arg.shape);
  }
  return tensors;
}

/// Why a step's loss is not finite: the grad norm (where read back) and the first parameter
/// that has non-finite values after the update.
std::string divergenceCause(const StepOutputs &out, const std::vector<ParamEntry> &layout,
                            const Tensor &params) {
  std::string cause = "loss is " + std::string(std::isnan(out.loss) ? "NaN" : "infinite");
  if (out.gradNorm)
    cause += ", gradient norm " + std::to_string(*out.gradNorm);
  for (const ParamEntry &p : layout)
    for (int64_t i = 0; i < p.numElements(); ++i)
      if (!std::isfinite(params.at(p.offset + i)))
        return cause + "; parameter '" + p.name + "' holds non-finite values";
  return cause + "; every parameter is still finite (the forward pass overflowed)";
}

/// One set of a step's batch tensors: one per runner input, in its order,
/// and the batch's labels for the collapse watch when it has them.
struct BatchSlot {
  std::vector<Tensor> tensors;
  Tensor labels; // empty: none
};

/// Fills step s + 1's batch on a second thread while step s runs: the two
/// slots alternate (step s uses slot s % 2).
class BatchPrefetch {
public:
  BatchPrefetch(StepBatches &batches, const std::vector<ArgSpec> &inputs, std::array<BatchSlot, 2> &slots,
                int64_t first, int64_t end)
      : batches_(batches), inputs_(inputs), slots_(slots), end_(end) {
    if (first < end)
      next_ = std::async(std::launch::async, [this, first] { fill(first); });
  }

  /// Waits until step s's batch is filled, then starts on step s + 1's.
  BatchSlot &await(int64_t s) {
    next_.get(); // rethrows what filling threw
    if (s + 1 < end_)
      next_ = std::async(std::launch::async, [this, s] { fill(s + 1); });
    return slots_[s % 2];
  }

private:
  void fill(int64_t s) {
    BatchSlot &slot = slots_[s % 2];
    for (size_t k = 0; k < inputs_.size(); ++k)
      batches_.gather(s, inputs_[k].field, slot.tensors[k]);
    if (!slot.labels.empty())
      batches_.gather(s, "label", slot.labels);
  }

  StepBatches &batches_;
  const std::vector<ArgSpec> &inputs_;
  std::array<BatchSlot, 2> &slots_;
  int64_t end_;
  std::future<void> next_; // destroyed first: waits for a fill in flight
};

/// Every `every` steps, the geometry of the batch's @represent value goes
/// into the step's log record (with the batch's labels, when the data set
/// has them, also alignment of same-label pairs and how many of each row's
/// nearest rows in the batch share its label); the first time it looks
/// collapsed, a warning goes to stderr. The value comes from the program's
/// @forward (the training form: batch statistics, the step's randomness) on
/// the step's batch before its update, so the train step itself computes no
/// representation it does not need (simclr-conv's encoder pass over the
/// clean batch was 16% of its step).
class CollapseWatch {
public:
  /// `forward`: the program's @forward, or null (no watch).
  CollapseWatch(const Function *forward, Tensor &params, int64_t every) : every_(every) {
    if (!forward || every <= 0)
      return;
    for (const ArgSpec &arg : forward->args())
      if (arg.role.rfind("represent:", 0) == 0)
        name_ = arg.role.substr(10);
    if (name_.empty())
      return;
    forward_ = forward;
    byRole_["params"] = &params;
    for (const ArgSpec &arg : forward->args())
      if (arg.isBuffer && arg.role != "params" && arg.role.rfind("input:", 0) != 0) {
        outputs_[arg.role] = Tensor(arg.dtype, arg.shape);
        byRole_[arg.role] = &outputs_[arg.role];
      }
  }

  /// Measures step `step`'s batch when the step is due. `record`: the
  /// step's log record, or null when the run keeps no log.
  void check(int64_t step, uint64_t seed, const std::vector<ArgSpec> &inputs, BatchSlot &batch,
             nlohmann::ordered_json *record, Progress *progress) {
    if (!forward_ || step % every_ != 0)
      return;
    std::map<std::string, Tensor *> byRole = byRole_;
    for (size_t k = 0; k < inputs.size(); ++k)
      byRole[inputs[k].role] = &batch.tensors[k];
    const Tensor *labels = batch.labels.empty() ? nullptr : &batch.labels;
    forward_->call(forward_->buffersByRole(byRole), {static_cast<int64_t>(seed), step});
    const Tensor &represent = outputs_.at("represent:" + name_);
    Geometry g = geometryOf(represent);
    if (record) {
      (*record)["represent_effective_rank"] = g.effectiveRank;
      (*record)["represent_std_mean"] = g.stdMean;
      (*record)["represent_std_min"] = g.stdMin;
      (*record)["represent_normalized_std"] = g.normalizedStd;
      if (labels && labels->numElements() == g.rows && g.rows > kBatchNeighbours) {
        (*record)["represent_alignment"] = alignment(represent, *labels, g.rows);
        (*record)["represent_label_agreement"] = labelAgreementWithin(represent, *labels, kBatchNeighbours);
      }
    }
    std::string sign = collapseSign(g);
    if (sign.empty() || warned_)
      return;
    warned_ = true;
    if (progress)
      progress->clearLine();
    std::fprintf(stderr, "strata: warning: step %lld: the representation '%s' is collapsing: %s\n",
                 (long long)step, name_.c_str(), sign.c_str());
  }

private:
  static constexpr int kBatchNeighbours = 5;
  int64_t every_;
  std::string name_;
  const Function *forward_ = nullptr;
  std::map<std::string, Tensor> outputs_; // @forward's results and scratch
  std::map<std::string, Tensor *> byRole_; // the parameters and those
  bool warned_ = false;
};

} // namespace

int64_t strata::runtime::stepsPerEpoch(const Dataset &data, int64_t batch) {
  return batch > 0 ? data.size / batch : 0;
}

int64_t strata::runtime::batchOf(const Function &function) {
  for (const ArgSpec &arg : function.args())
    if (arg.role.rfind("input:", 0) == 0 && !arg.shape.empty())
      return arg.shape[0];
  return 0;
}

TrainResult strata::runtime::train(StepRunner &runner, const std::vector<ParamEntry> &layout,
                                   const Dataset &data, TrainState &state, const TrainOptions &options) {
  const std::vector<ArgSpec> &inputs = runner.inputs();
  int64_t batch = inputs.empty() || inputs[0].shape.empty() ? 0 : inputs[0].shape[0];
  StepBatches batches(data, batch, options.seed);
  int64_t perEpoch = batches.stepsPerEpoch();
  if (options.resume) {
    loadCheckpoint(options.checkpointDir, options.model, layout, state);
    if (state.seed != options.seed)
      throw CheckpointError{"the checkpoint was trained with seed " + std::to_string(state.seed) +
                            ", this run asks for seed " + std::to_string(options.seed)};
    if (state.step >= options.totalSteps)
      throw CheckpointError{"nothing to resume: the checkpoint in " + options.checkpointDir + " is at step " +
                            std::to_string(state.step) + ", and this run ends at step " +
                            std::to_string(options.totalSteps) + "; give --steps or --epochs beyond it"};
  }
  state.seed = options.seed;

  // Two batch slots: a second thread fills step s + 1's while step s runs
  // on the other (the batches depend only on the seed and the step). The
  // watch's labels ride along with each batch (no argument of the step).
  bool watchLabels = options.forward && options.watchEvery > 0 && data.numClasses > 0 && data.fields.count("label");
  std::array<BatchSlot, 2> slots;
  for (BatchSlot &slot : slots) {
    slot.tensors = batchTensors(inputs, data);
    if (watchLabels)
      slot.labels = Tensor(DType::I32, {batch});
  }
  runner.begin(state);
  CollapseWatch watch(options.forward, state.params, options.watchEvery);
  BatchPrefetch prefetch(batches, inputs, slots, state.step, options.totalSteps);

  TrainResult result;
  result.firstStep = state.step;
  std::unique_ptr<MetricsLog> log;
  if (!options.logPath.empty())
    log = std::make_unique<MetricsLog>(options.logPath, state.step, options.resume);
  std::unique_ptr<Progress> progress;
  if (options.progress)
    progress = std::make_unique<Progress>(state.step, options.totalSteps, perEpoch, options.progress);
  int64_t checkpointEvery = options.checkpointEvery > 0 ? options.checkpointEvery : perEpoch;
  bool checkpoints = !options.checkpointDir.empty();
  auto checkpointAfter = [&](int64_t s) {
    return checkpoints && ((s + 1) % checkpointEvery == 0 || s + 1 == options.totalSteps);
  };

  auto loopStart = Clock::now();
  auto lastFinish = loopStart;
  int64_t lossEpoch = -1, epochLossCount = 0, finishedThrough = state.step - 1;
  double epochLossSum = 0;
  std::array<double, 2> launchMs{};
  std::array<nlohmann::ordered_json, 2> measured; // the watch's figures, logged after the step's own

  // Step s's outputs read back: checked, counted, logged, shown, and
  // checkpointed after when due.
  auto finishStep = [&](int64_t s) {
    StepOutputs out = runner.finish(s);
    auto now = Clock::now();
    // A step that overlaps the next is timed from the previous step's end.
    result.stepMs.push_back(runner.overlapsSteps() ? std::chrono::duration<double, std::milli>(now - lastFinish).count()
                                                   : launchMs[s % 2]);
    if (result.stepMs.size() == 1)
      result.firstStepSeconds = std::chrono::duration<double>(now - loopStart).count();
    lastFinish = now;
    finishedThrough = s;
    state.step = s + 1;
    if (!std::isfinite(out.loss)) {
      if (progress)
        progress->finish();
      runner.sync();
      throw DivergenceError{s, divergenceCause(out, layout, state.params)};
    }
    int64_t epoch = s / perEpoch;
    if (epoch != lossEpoch) {
      lossEpoch = epoch;
      epochLossSum = 0;
      epochLossCount = 0;
    }
    epochLossSum += out.loss;
    ++epochLossCount;
    result.finalLoss = out.loss;
    result.meanLastEpochLoss = epochLossSum / epochLossCount;
    if (log) {
      nlohmann::ordered_json record;
      record["step"] = s;
      record["epoch"] = epoch;
      record["loss"] = out.loss;
      if (out.gradNorm)
        record["grad_norm"] = *out.gradNorm;
      for (const auto &[name, value] : out.metrics)
        record[name] = value;
      if (measured[s % 2].is_object())
        record.update(measured[s % 2]);
      record["elapsed_s"] = std::chrono::duration<double>(now - loopStart).count();
      log->write(record);
    }
    if (progress)
      progress->update(s, out.loss);
    if (checkpointAfter(s)) {
      runner.sync();
      saveCheckpoint(options.checkpointDir, options.model, layout, state);
    }
  };

  for (int64_t s = state.step; s < options.totalSteps; ++s) {
    BatchSlot &slot = prefetch.await(s);
    measured[s % 2] = nlohmann::ordered_json();
    watch.check(s, options.seed, inputs, slot, log ? &measured[s % 2] : nullptr, progress.get());
    auto before = Clock::now();
    runner.launch(s, options.seed, slot.tensors);
    launchMs[s % 2] = std::chrono::duration<double, std::milli>(Clock::now() - before).count();
    if (finishedThrough < s - 1)
      finishStep(s - 1); // read one step late, while step s runs
    // A checkpoint holds the state right after its step, so that step is
    // finished before the next one updates the parameters.
    if (!runner.overlapsSteps() || checkpointAfter(s) || s + 1 == options.totalSteps)
      finishStep(s);
  }
  runner.sync();
  if (progress)
    progress->finish();
  result.steps = state.step;
  result.seconds = std::chrono::duration<double>(Clock::now() - loopStart).count();
  result.runner = runner.info();
  return result;
}

ForwardMeans strata::runtime::forwardOver(const Function &forward, const Tensor &params,
                                          const Dataset &data, uint64_t seed, Tensor *represent) {
  int64_t batch = batchOf(forward);
  int64_t full = stepsPerEpoch(data, batch);
  if (full == 0 && !represent)
    throw DataError{"data set " + data.name + " (" + data.split + ") is smaller than one batch of " +
                    std::to_string(batch)};
  // A representation is wanted of every row: the last batch is filled up
  // with rows from the start, whose outputs are dropped (and so are its loss
  // and metrics, which average the full batches).
  int64_t batches = represent ? (data.size + batch - 1) / batch : full;
  std::vector<ArgSpec> inputs = batchInputsOf(forward.args());
  std::vector<Tensor> batchData = batchTensors(inputs, data);
  std::map<std::string, Tensor> outputs;
  std::map<std::string, Tensor *> byRole = {{"params", const_cast<Tensor *>(&params)}};
  for (size_t k = 0; k < inputs.size(); ++k)
    byRole[inputs[k].role] = &batchData[k];
  std::string representRole;
  for (const ArgSpec &arg : forward.args()) {
    if (!arg.isBuffer || byRole.count(arg.role))
      continue;
    outputs[arg.role] = Tensor(arg.dtype, arg.shape);
    byRole[arg.role] = &outputs[arg.role];
    if (arg.role.rfind("represent:", 0) == 0)
      representRole = arg.role;
  }
  if (represent && representRole.empty())
    throw DataError{"the model marks no value @represent"};
  std::vector<Tensor *> buffers = forward.buffersByRole(byRole);

  std::vector<int64_t> order(batches * batch);
  for (int64_t i = 0; i < batches * batch; ++i)
    order[i] = i % data.size;
  int64_t rowBytes = 0;
  if (represent) {
    const Tensor &z = outputs.at(representRole);
    rowBytes = z.bytes() / batch;
    *represent = Tensor(z.dtype(), {data.size, z.numElements() / batch});
  }
  ForwardMeans means;
  for (int64_t b = 0; b < batches; ++b) {
    for (size_t k = 0; k < inputs.size(); ++k) // sampled fields keyed by the batch as a step
      fillField(data, inputs[k].field, order, b * batch, seed, b, batchData[k]);
    forward.call(buffers, {static_cast<int64_t>(seed), 0});
    if (b < full) {
      means.loss += outputs.at("loss").at(0) / full;
      for (const auto &[role, tensor] : outputs)
        if (role.rfind("metric:", 0) == 0)
          means.metrics[role.substr(7)] += tensor.at(0) / full;
    }
    if (represent) {
      int64_t rows = std::min(batch, data.size - b * batch);
      std::memcpy(static_cast<std::byte *>(represent->data()) + b * batch * rowBytes,
                  outputs.at(representRole).data(), rows * rowBytes);
    }
  }
  return means;
}
