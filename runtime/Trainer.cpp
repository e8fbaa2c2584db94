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

/// The role of the batch's labels among a step's inputs, for the collapse
/// watch only: no argument of the step has it.
const char *const kWatchLabels = "watch:label";

/// The input tensors a function takes, by role, with the data field of each.
struct Inputs {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> fields;
};

Inputs inputsOf(const Function &f, const Dataset &data) {
  Inputs in;
  for (const ArgSpec &arg : f.args())
    if (arg.role.rfind("input:", 0) == 0) {
      if (!data.hasField(arg.field))
        throw DataError{"data set " + data.name + " has no field '" + arg.field + "' for " + arg.role.substr(6)};
      in.tensors[arg.role] = Tensor(arg.dtype, arg.shape);
      in.fields[arg.role] = arg.field;
    }
  return in;
}

/// Batch `index` of an evaluation pass (sampled fields keyed by it as a step).
void fillBatch(Inputs &in, const Dataset &data, const std::vector<int64_t> &order, int64_t index,
               int64_t batch, uint64_t seed) {
  for (auto &[role, tensor] : in.tensors)
    fillField(data, in.fields.at(role), order, index * batch, seed, index, tensor);
}

/// Why a step's loss is not finite: the grad norm and the first parameter
/// that has non-finite values after the update.
std::string divergenceCause(double loss, double gradNorm, const std::vector<ParamEntry> &layout,
                            const Tensor &params) {
  std::string cause = "loss is " + std::string(std::isnan(loss) ? "NaN" : "infinite");
  cause += ", gradient norm " + std::to_string(gradNorm);
  for (const ParamEntry &p : layout)
    for (int64_t i = 0; i < p.numElements(); ++i)
      if (!std::isfinite(params.at(p.offset + i)))
        return cause + "; parameter '" + p.name + "' holds non-finite values";
  return cause + "; every parameter is still finite (the forward pass overflowed)";
}

/// Fills step s + 1's inputs on a second thread while step s runs: the two
/// sets of inputs alternate (step s uses set s % 2).
class BatchPrefetch {
public:
  BatchPrefetch(StepBatches &batches, std::array<Inputs, 2> &inputs, int64_t first, int64_t end)
      : batches_(batches), inputs_(inputs), end_(end) {
    if (first < end)
      next_ = std::async(std::launch::async, [this, first] { fill(first); });
  }

  /// Waits until step s's inputs are filled, then starts on step s + 1's.
  void await(int64_t s) {
    next_.get(); // rethrows what filling threw
    if (s + 1 < end_)
      next_ = std::async(std::launch::async, [this, s] { fill(s + 1); });
  }

private:
  void fill(int64_t s) {
    Inputs &in = inputs_[s % 2];
    for (auto &[role, tensor] : in.tensors)
      batches_.gather(s, in.fields.at(role), tensor);
  }

  StepBatches &batches_;
  std::array<Inputs, 2> &inputs_;
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

  /// Measures step `step`'s batch `in` when the step is due. `record`: the
  /// step's log record, or null when the run keeps no log. `labels`: the
  /// batch's labels, or null.
  void check(int64_t step, uint64_t seed, Inputs &in, nlohmann::ordered_json *record, Progress *progress,
             const Tensor *labels) {
    if (!forward_ || step % every_ != 0)
      return;
    std::map<std::string, Tensor *> byRole = byRole_;
    for (auto &[role, tensor] : in.tensors)
      byRole[role] = &tensor;
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

TrainResult strata::runtime::train(const Function &step, const std::vector<ParamEntry> &layout,
                                   const Dataset &data, TrainState &state,
                                   const TrainOptions &options) {
  StepBatches batches(data, batchOf(step), options.seed);
  int64_t perEpoch = batches.stepsPerEpoch();
  if (options.resume) {
    loadCheckpoint(options.checkpointDir, options.model, layout, state);
    if (state.seed != options.seed)
      throw CheckpointError{"the checkpoint was trained with seed " + std::to_string(state.seed) +
                            ", this run asks for seed " + std::to_string(options.seed)};
  }
  state.seed = options.seed;

  // Two sets of inputs: a second thread fills step s + 1's while step s
  // runs on the other (the batches depend only on the seed and the step).
  std::array<Inputs, 2> inputs = {inputsOf(step, data), inputsOf(step, data)};
  // The watch's labels ride along with each batch (no argument of the step).
  bool watchLabels = options.watchEvery > 0 && data.numClasses > 0 && data.fields.count("label");
  for (Inputs &in : inputs)
    if (watchLabels) {
      in.tensors[kWatchLabels] = Tensor(DType::I32, {batchOf(step)});
      in.fields[kWatchLabels] = "label";
    }
  Tensor loss(step.args()[step.find("loss")].dtype, {});
  Tensor gradNorm(loss.dtype(), {});
  std::map<std::string, Tensor *> byRole = {{"params", &state.params},
                                            {"opt_state", &state.optState},
                                            {"loss", &loss},
                                            {"metric:grad_norm", &gradNorm}};
  Tensor scratch; // the planned arena of activations, when the program has one
  if (int index = step.find("scratch"); index >= 0) {
    scratch = Tensor(step.args()[index].dtype, step.args()[index].shape);
    byRole["scratch"] = &scratch;
  }
  // The step's other outputs: @metric scalars (logged).
  std::map<std::string, Tensor> outputs;
  for (const ArgSpec &arg : step.args())
    if (arg.isBuffer && arg.role.rfind("metric:", 0) == 0 && !byRole.count(arg.role)) {
      outputs[arg.role] = Tensor(arg.dtype, arg.shape);
      byRole[arg.role] = &outputs[arg.role];
    }
  CollapseWatch watch(options.forward, state.params, options.watchEvery);
  std::array<std::vector<Tensor *>, 2> buffers;
  for (int slot = 0; slot < 2; ++slot) {
    for (auto &[role, tensor] : inputs[slot].tensors)
      byRole[role] = &tensor;
    buffers[slot] = step.buffersByRole(byRole);
  }
  BatchPrefetch prefetch(batches, inputs, state.step, options.totalSteps);

  TrainResult result;
  result.firstStep = state.step;
  std::unique_ptr<MetricsLog> log;
  if (!options.logPath.empty())
    log = std::make_unique<MetricsLog>(options.logPath, state.step, options.resume);
  std::unique_ptr<Progress> progress;
  if (options.progress)
    progress = std::make_unique<Progress>(state.step, options.totalSteps, perEpoch, options.progress);
  int64_t checkpointEvery = options.checkpointEvery > 0 ? options.checkpointEvery : perEpoch;

  auto loopStart = Clock::now();
  int64_t lossEpoch = -1;
  double epochLossSum = 0;
  int64_t epochLossCount = 0;
  for (int64_t s = state.step; s < options.totalSteps; ++s) {
    int64_t epoch = s / perEpoch;
    if (epoch != lossEpoch) {
      lossEpoch = epoch;
      epochLossSum = 0;
      epochLossCount = 0;
    }
    prefetch.await(s);
    auto labels = inputs[s % 2].tensors.find(kWatchLabels);
    nlohmann::ordered_json measured; // the watch's figures, logged after the step's own
    watch.check(s, options.seed, inputs[s % 2], log ? &measured : nullptr, progress ? progress.get() : nullptr,
                labels == inputs[s % 2].tensors.end() ? nullptr : &labels->second);
    auto before = Clock::now();
    step.call(buffers[s % 2], {static_cast<int64_t>(options.seed), s});
    result.stepMs.push_back(std::chrono::duration<double, std::milli>(Clock::now() - before).count());
    if (result.stepMs.size() == 1)
      result.firstStepSeconds = std::chrono::duration<double>(Clock::now() - loopStart).count();
    state.step = s + 1;

    double l = loss.at(0), g = gradNorm.at(0);
    if (!std::isfinite(l)) {
      if (progress)
        progress->finish();
      throw DivergenceError{s, divergenceCause(l, g, layout, state.params)};
    }
    epochLossSum += l;
    ++epochLossCount;
    result.finalLoss = l;
    result.meanLastEpochLoss = epochLossSum / epochLossCount;
    nlohmann::ordered_json record; // built only when a log keeps it
    if (log) {
      record["step"] = s;
      record["epoch"] = epoch;
      record["loss"] = l;
      record["grad_norm"] = g;
      for (const auto &[role, tensor] : outputs)
        if (role.rfind("metric:", 0) == 0)
          record[role.substr(7)] = tensor.at(0);
      if (measured.is_object())
        record.update(measured);
      record["elapsed_s"] = std::chrono::duration<double>(Clock::now() - loopStart).count();
      log->write(record);
    }
    if (progress)
      progress->update(s, l);
    if (!options.checkpointDir.empty() &&
        (state.step % checkpointEvery == 0 || state.step == options.totalSteps))
      saveCheckpoint(options.checkpointDir, options.model, layout, state);
  }
  if (progress)
    progress->finish();
  result.steps = state.step;
  result.seconds = std::chrono::duration<double>(Clock::now() - loopStart).count();
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
  Inputs inputs = inputsOf(forward, data);
  std::map<std::string, Tensor> outputs;
  std::map<std::string, Tensor *> byRole = {{"params", const_cast<Tensor *>(&params)}};
  std::string representRole;
  for (const ArgSpec &arg : forward.args()) {
    if (!arg.isBuffer || byRole.count(arg.role) || inputs.tensors.count(arg.role))
      continue;
    outputs[arg.role] = Tensor(arg.dtype, arg.shape);
    byRole[arg.role] = &outputs[arg.role];
    if (arg.role.rfind("represent:", 0) == 0)
      representRole = arg.role;
  }
  for (auto &[role, tensor] : inputs.tensors)
    byRole[role] = &tensor;
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
    fillBatch(inputs, data, order, b, batch, seed);
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
