//===- TrainCommands.cpp - train, eval, embed and bench -------------------===//
//
// The commands that run compiled code on data. Each compiles the spec with the
// JIT (compiler/Compiler.h) and hands the functions to the runtime: the train
// loop, checkpoints, probes. `train --target=cuda` compiles the GPU bundle in
// memory instead and hands it to the CUDA runtime (runtime/cuda/GpuTraining.h).
// Human text goes to stdout, or with --json exactly one JSON object goes to
// stdout and the rest to stderr.
//
//===----------------------------------------------------------------------===//

#include "TrainCommands.h"
#include "ZeroShot.h"

#include "Checkpoint.h"
#include "Compiler.h"
#include "Dataset.h"
#include "Geometry.h"
#include "MetricsLog.h"
#include "Npy.h"
#include "Probe.h"
#include "Trainer.h"
#include "Words.h"

#ifdef STRATA_HAVE_CUDA
#include "CudaProgram.h"
#include "GpuTraining.h"
#endif

#include <nlohmann/json.hpp>

#include <memory>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <set>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The target a run uses: --target, else cpu. cuda runs the GPU program on
/// device 0 (where this strata was built with the CUDA toolkit);
/// cuda-emulated runs it on the CPU (a test of the GPU path's passes). cpu
/// stays the default until the CUDA path has run on a GPU.
std::string targetOf(const Options &options) {
  std::string target = options.get("--target", "cpu");
  if (target != "cpu" && target != "cuda-emulated" && target != "cuda")
    throw UsageError{"unknown target '" + target + "' (available: cpu, cuda, cuda-emulated)"};
#ifndef STRATA_HAVE_CUDA
  if (target == "cuda")
    throw UsageError{"this strata was built without the CUDA toolkit, so it cannot run the cuda "
                     "target; use --target=cpu"};
#endif
  return target;
}

const frontend::Graph &requireTrain(const frontend::Graph &graph, const std::string &spec) {
  if (!graph.train.present)
    throw UsageError{"'" + spec + "' has no train section: nothing says which data set to use"};
  return graph;
}

std::unique_ptr<compiler::Program> compileOrThrow(const frontend::Graph &graph,
                                                  const compiler::CompileOptions &options) {
  try {
    return compiler::Program::compile(graph, options);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
}

/// The optimizer-state arena a train step takes, zeroed.
Tensor zeroOptState(const Function &step) {
  int index = step.find("opt_state");
  if (index < 0)
    return Tensor();
  const ArgSpec &arg = step.args()[index];
  return Tensor(arg.dtype, arg.shape); // a Tensor's storage starts zeroed
}

/// A run's state at step 0: parameters initialized from `seed`, optimizer
/// state zero.
TrainState initialState(const compiler::Program &program, uint64_t seed) {
  TrainState state;
  state.params = Tensor(DType::F32, {program.arenaSize()});
  initializeParams(program.params(), seed, state.params);
  state.optState = zeroOptState(program.function("train_step"));
  return state;
}

double peakResidentMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0; // Linux reports KiB
}

/// The largest batch of at most `limit` rows that splits both sets evenly.
int64_t evalBatch(int64_t a, int64_t b, int64_t limit) {
  int64_t g = std::gcd(a, b);
  for (int64_t batch = std::min(limit, g); batch > 1; --batch)
    if (g % batch == 0)
      return batch;
  return 1;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * (v.size() - 1) + 0.5)];
}

/// The parameters of a checkpoint, loaded into the arena `program` lays out.
TrainState loadParams(const compiler::Program &program, const frontend::Graph &graph,
                      const std::string &dir) {
  TrainState state;
  state.params = Tensor(DType::F32, {program.arenaSize()});
  loadCheckpoint(dir, graph.model, program.params(), state);
  return state;
}

/// --checkpoint DIR, by default runs/MODEL: `strata train SPEC` followed by
/// `strata eval SPEC` finds the checkpoint without being told.
std::string checkpointDir(const Options &options, const frontend::Graph &graph) {
  return options.get("--checkpoint", "runs/" + graph.model);
}

} // namespace

bool strata::tools::blasFlag(const Options &options) {
  std::string matmul = options.get("--matmul", "blas");
  if (matmul != "blas" && matmul != "loops")
    throw UsageError{"--matmul must be blas or loops, got '" + matmul + "'"};
  return matmul == "blas";
}

std::string strata::tools::chipFlag(const Options &options) {
  // The architectures both LLVM 19's NVPTX back end and CUDA 13's ptxas
  // know; another name would make LLVM abort while selecting instructions.
  static const char *const kChips[] = {"sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"};
  std::string chip = options.get("--chip", "sm_90");
  std::string known;
  for (const char *k : kChips) {
    if (chip == k)
      return chip;
    known += std::string(known.empty() ? "" : ", ") + k;
  }
  throw UsageError{"--chip must name an NVIDIA architecture (" + known + "), got '" + chip + "'"};
}

namespace {

#ifdef STRATA_HAVE_CUDA
/// `strata train --target=cuda`: the GPU program compiled in memory (the
/// bundle `strata compile` would write) and trained on device 0 by the
/// CUDA runtime; a checkpoint at the end, which the CPU commands read.
int runGpuTrain(const Options &options, const frontend::Graph &graph, const Dataset &data,
                compiler::CompileOptions compileOptions, uint64_t seed, Clock::time_point start) {
  if (options.has("--matmul"))
    throw UsageError{"--matmul is not supported by the cuda target (its GEMMs are cuBLASLt calls)"};
  std::string why;
  if (!cudaDeviceAvailable(why))
    throw UsageError{"--target=cuda: " + why + "; use --target=cpu"};
  bool json = options.has("--json"), quiet = json || options.has("--quiet");
  compileOptions.emulateGpu = false;
  compileOptions.chip = chipFlag(options);
  compiler::CudaBundleText text;
  try {
    text = compiler::compileCudaBundle(graph, compileOptions);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  Bundle bundle = parseBundle(text.manifest, text.ptx, text.cubin, "the GPU program of '" + graph.model + "'");
  double compileSeconds = secondsSince(start);

  TrainState state = initialGpuState(bundle, seed);
  std::string dir = checkpointDir(options, graph);
  if (options.has("--resume")) {
    loadCheckpoint(dir, graph.model, bundle.params, state);
  } else if (options.has("--init")) {
    if (!graph.train.initPath.empty())
      throw UsageError{"--init and the spec's 'init' both name starting parameters; use one"};
    loadParameters(options.get("--init"), bundle.params, state.params);
  } else {
    loadBundleInit(bundle, state.params);
  }
  if (!quiet)
    std::fprintf(stderr, "%s on cuda: %lld steps of batch %lld, compiled in %.2f s\n", graph.model.c_str(),
                 (long long)compileOptions.totalSteps, (long long)compileOptions.batch, compileSeconds);
  GpuTrainOptions trainOptions;
  trainOptions.totalSteps = compileOptions.totalSteps;
  trainOptions.progress = quiet ? nullptr : stderr;
  // As on the CPU: a checkpoint every epoch unless --checkpoint-every says
  // otherwise, and a log record per step (grad_norm and the metrics stay on
  // the GPU: only the loss is read back).
  int64_t perEpoch = stepsPerEpoch(data, compileOptions.batch);
  int64_t every = options.intFlag("--checkpoint-every", 0);
  trainOptions.checkpointEvery = every > 0 ? every : perEpoch;
  trainOptions.onCheckpoint = [&](const TrainState &s) { saveCheckpoint(dir, graph.model, bundle.params, s); };
  std::unique_ptr<MetricsLog> log;
  if (options.has("--log")) {
    log = std::make_unique<MetricsLog>(options.get("--log"), state.step, options.has("--resume"));
    trainOptions.onLoss = [&](int64_t step, double loss, double elapsed) {
      nlohmann::ordered_json record;
      record["step"] = step;
      record["epoch"] = step / perEpoch;
      record["loss"] = loss;
      record["elapsed_s"] = elapsed;
      log->write(record);
    };
  }
  GpuTrainResult r = trainOnGpu(bundle, data, state, trainOptions);
  saveCheckpoint(dir, graph.model, bundle.params, state);

  double meanStepMs = r.steps > r.firstStep ? 1000 * r.seconds / (r.steps - r.firstStep) : 0.0;
  if (json) {
    nlohmann::ordered_json j;
    j["model"] = graph.model;
    j["target"] = "cuda";
    j["device"] = r.device;
    j["batch"] = compileOptions.batch;
    j["seed"] = seed;
    j["first_step"] = r.firstStep;
    j["steps"] = r.steps;
    j["final_loss"] = r.finalLoss;
    j["train_seconds"] = r.seconds;
    j["mean_step_ms"] = meanStepMs;
    j["cuda_graph"] = r.graphReplayed;
    j["kernels"] = r.kernelsLoaded;
    j["compile_seconds"] = compileSeconds;
    j["checkpoint"] = checkpointPath(dir);
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("trained %s on %s: steps %lld..%lld in %.1f s, mean step %.3f ms%s\n", graph.model.c_str(),
              r.device.c_str(), (long long)r.firstStep, (long long)r.steps, r.seconds, meanStepMs,
              r.graphReplayed ? " (CUDA graph)" : "");
  std::printf("loss: %.6g at the last step\n", r.finalLoss);
  std::printf("compile: %.2f s\ncheckpoint: %s\n", compileSeconds, checkpointPath(dir).c_str());
  return 0;
}
#endif

/// The steps a run takes (and its learning-rate schedule spans): --steps,
/// else --epochs of `perEpoch` steps, else the spec's steps or epochs.
int64_t runLength(const Options &options, const frontend::Graph &graph, int64_t perEpoch) {
  if (options.has("--epochs") && options.has("--steps"))
    throw UsageError{"give --epochs or --steps, not both"};
  int64_t totalSteps;
  if (options.has("--steps"))
    totalSteps = options.intFlag("--steps", 0);
  else if (options.has("--epochs"))
    totalSteps = options.intFlag("--epochs", 0) * perEpoch;
  else
    totalSteps = graph.train.steps > 0 ? graph.train.steps : graph.train.epochs * perEpoch;
  if (totalSteps < 1)
    throw UsageError{"nothing to train: 0 steps"};
  return totalSteps;
}

} // namespace

int strata::tools::runTrain(const Options &options, const frontend::Graph &graph) {
  auto start = Clock::now();
  requireTrain(graph, options.spec);
  std::string target = targetOf(options);
  bool json = options.has("--json");
  int64_t batch = options.intFlag("--batch", graph.train.batch);
  if (batch < 1)
    throw UsageError{"--batch must be at least 1"};
  uint64_t seed = options.intFlag("--seed", graph.train.seed);

  Dataset data = loadDataset(compiler::trainingDataOf(graph));
  int64_t perEpoch = stepsPerEpoch(data, batch);
  if (perEpoch == 0)
    throw UsageError{"batch " + std::to_string(batch) + " is larger than the data set (" +
                     std::to_string(data.size) + " rows)"};
  int64_t totalSteps = runLength(options, graph, perEpoch);

  compiler::CompileOptions compileOptions;
  compileOptions.batch = batch;
  compileOptions.totalSteps = totalSteps;
  compileOptions.blas = blasFlag(options);
  compileOptions.emulateGpu = target == "cuda-emulated";
#ifdef STRATA_HAVE_CUDA
  if (target == "cuda")
    return runGpuTrain(options, graph, data, compileOptions, seed, start);
#endif
  auto program = compileOrThrow(graph, compileOptions);
  double compileSeconds = secondsSince(start);
  const Function &step = program->function("train_step");
  TrainState state = initialState(*program, seed);
  if (options.has("--init")) {
    if (options.has("--resume"))
      throw UsageError{"--init starts a new run from given parameters; --resume continues a checkpoint's run"};
    int64_t read = loadParameters(options.get("--init"), program->params(), state.params);
    if (!json && !options.has("--quiet"))
      std::fprintf(stderr, "parameters from %s (%lld tensors); optimizer state fresh\n",
                   options.get("--init").c_str(), (long long)read);
  }

  if (!graph.train.initPath.empty() && !options.has("--resume")) {
    if (options.has("--init"))
      throw UsageError{"--init and the spec's 'init' both name starting parameters; use one"};
    std::vector<ParamEntry> subset;
    for (const ParamEntry &p : program->params())
      if (frontend::isParameterOf(p.name, graph.train.initParams))
        subset.push_back(p);
    loadSomeParameters(graph.train.initPath, subset, state.params);
    if (!json && !options.has("--quiet"))
      std::fprintf(stderr, "parameters of '%s' from %s (%zu tensors, %s)\n",
                   graph.train.initParams.c_str(), graph.train.initPath.c_str(), subset.size(),
                   graph.train.initFrozen ? "frozen" : "fine-tuned");
  }

  TrainOptions trainOptions;
  trainOptions.model = graph.model;
  trainOptions.totalSteps = totalSteps;
  trainOptions.seed = seed;
  trainOptions.checkpointDir = checkpointDir(options, graph);
  trainOptions.checkpointEvery = options.intFlag("--checkpoint-every", 0);
  trainOptions.resume = options.has("--resume");
  trainOptions.logPath = options.get("--log");
  trainOptions.forward = &program->function("forward");
  trainOptions.progress = options.has("--quiet") ? nullptr : stderr;
  if (!json && trainOptions.progress)
    std::fprintf(stderr, "%s on %s: %lld steps of batch %lld (%lld per epoch), compiled in %.2f s\n",
                 graph.model.c_str(), target.c_str(), (long long)totalSteps, (long long)batch,
                 (long long)perEpoch, compileSeconds);
  double beforeLoop = secondsSince(start);
  TrainResult result = train(step, program->params(), data, state, trainOptions);

  double medianMs = percentile(result.stepMs, 0.5);
  double firstStep = result.stepMs.empty() ? 0 : beforeLoop + result.firstStepSeconds;
  if (json) {
    nlohmann::ordered_json j;
    j["model"] = graph.model;
    j["target"] = target;
    j["batch"] = batch;
    j["seed"] = seed;
    j["first_step"] = result.firstStep;
    j["steps"] = result.steps;
    j["epochs"] = static_cast<double>(result.steps) / perEpoch;
    j["final_loss"] = result.finalLoss;
    j["last_epoch_mean_loss"] = result.meanLastEpochLoss;
    j["train_seconds"] = result.seconds;
    j["median_step_ms"] = medianMs;
    j["compile_seconds"] = compileSeconds;
    j["spec_to_first_step_seconds"] = firstStep;
    j["checkpoint"] = trainOptions.checkpointDir.empty()
                          ? nlohmann::ordered_json(nullptr)
                          : nlohmann::ordered_json(checkpointPath(trainOptions.checkpointDir));
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("trained %s on %s: steps %lld..%lld (%.2f epochs) in %.1f s, median step %.2f ms\n",
              graph.model.c_str(), target.c_str(), (long long)result.firstStep,
              (long long)result.steps, static_cast<double>(result.steps) / perEpoch,
              result.seconds, medianMs);
  std::printf("loss: %.6g at the last step, %.6g mean over the last epoch\n", result.finalLoss,
              result.meanLastEpochLoss);
  std::printf("compile: %.2f s (spec to first step %.2f s)\n", compileSeconds, firstStep);
  if (!trainOptions.checkpointDir.empty())
    std::printf("checkpoint: %s\n", checkpointPath(trainOptions.checkpointDir).c_str());
  return 0;
}

int strata::tools::runEval(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  std::string dir = checkpointDir(options, graph);
  std::string probe = options.get("--probe", "all");
  if (probe != "all" && probe != "linear" && probe != "knn")
    throw UsageError{"--probe must be linear or knn, got '" + probe + "'"};
  bool json = options.has("--json");
  int64_t k = options.intFlag("--k", 20);
  // Checked before seconds of data loading and forward passes: a user's
  // mistake, not an internal error at the kNN probe.
  if (k < 1)
    throw UsageError{"--k must be at least 1, got " + std::to_string(k)};

  Dataset train = loadDataset(compiler::dataSourceOf(graph, "train"));
  if (k > train.size)
    throw UsageError{"--k " + std::to_string(k) + " is more neighbours than the " +
                     std::to_string(train.size) + " training examples"};
  Dataset test = loadDataset(compiler::dataSourceOf(graph, "test"));
  compiler::CompileOptions compileOptions;
  compileOptions.batch = evalBatch(train.size, test.size, 1000);
  compileOptions.mode = "forward";
  auto program = compileOrThrow(graph, compileOptions);
  const Function &forward = program->function("forward");
  TrainState state = loadParams(*program, graph, dir);

  ForwardMeans trainMeans = forwardOver(forward, state.params, train, state.seed, nullptr);
  ForwardMeans testMeans = forwardOver(forward, state.params, test, state.seed, nullptr);
  // The losses keep training's random ops (a VAE's ELBO samples, a masked
  // model's loss needs its masks); the probes read the inference form's
  // representation, as embed does: a denoising model's code of the clean
  // image, not of a corrupted one.
  bool wantProbe = graph.represent >= 0 && train.numClasses > 0;
  Tensor trainZ, testZ;
  if (wantProbe) {
    std::vector<Tensor> z = representOf(options, graph, {&train, &test}, compileOptions.batch);
    trainZ = std::move(z[0]);
    testZ = std::move(z[1]);
  }
  std::string lossOp = graph.nodes[graph.values[graph.loss].producer].op;

  nlohmann::ordered_json j;
  j["model"] = graph.model;
  j["checkpoint"] = checkpointPath(dir);
  j["step"] = state.step;
  j["loss"] = lossOp;
  j["train_loss"] = trainMeans.loss;
  j["test_loss"] = testMeans.loss;
  for (const auto &[name, value] : testMeans.metrics) {
    j["test_" + name] = value;
    j["train_" + name] = trainMeans.metrics.at(name);
  }
  if (wantProbe) {
    const Tensor &trainY = train.fields.at("label"), &testY = test.fields.at("label");
    j["represent"] = graph.values[graph.represent].name;
    j["dim"] = trainZ.shape()[1];
    if (probe != "knn") {
      LinearProbeOptions linear;
      linear.seed = state.seed;
      j["linear_probe_accuracy"] = linearProbeAccuracy(trainZ, trainY, testZ, testY, train.numClasses, linear);
    }
    if (probe != "linear") {
      KnnScores knn = knnScores(trainZ, trainY, testZ, testY, train.numClasses, static_cast<int>(k));
      j["knn_accuracy"] = knn.accuracy;
      j["neighbour_label_agreement"] = knn.labelAgreement;
      j["k"] = k;
    }
    // How spread out the test embeddings are (runtime/Geometry.h).
    Geometry g = geometryOf(testZ);
    j["effective_rank"] = g.effectiveRank;
    j["std_mean"] = g.stdMean;
    j["std_min"] = g.stdMin;
    j["normalized_std"] = g.normalizedStd;
    j["uniformity"] = uniformity(testZ);
    j["alignment"] = alignment(testZ, testY);
    if (twoTowerValues(graph) && test.hasField("caption")) {
      ZeroShotResult zeroShot = zeroShotAccuracy(options, graph, test, testZ);
      j["zero_shot_accuracy"] = zeroShot.ensembleAccuracy;
      nlohmann::ordered_json perTemplate;
      for (const auto &[templ, accuracy] : zeroShot.perTemplate)
        perTemplate[templ] = accuracy;
      j["zero_shot_templates"] = perTemplate;
    }
  } else if (probe != "all") {
    throw UsageError{graph.represent < 0 ? "the model marks no value @represent to probe"
                                         : "data set " + train.name + " has no labels to probe with"};
  }
  if (json) {
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("%s at step %lld (%s)\n", graph.model.c_str(), (long long)state.step,
              checkpointPath(dir).c_str());
  std::printf("test loss (%s): %.6g   train loss: %.6g\n", lossOp.c_str(), testMeans.loss,
              trainMeans.loss);
  for (const auto &[name, value] : testMeans.metrics)
    std::printf("test %s: %.4f   train %s: %.4f\n", name.c_str(), value, name.c_str(),
                trainMeans.metrics.at(name));
  if (j.contains("linear_probe_accuracy"))
    std::printf("linear probe on %s (%lld-d): test accuracy %.4f\n", j["represent"].get<std::string>().c_str(),
                (long long)j["dim"].get<int64_t>(), j["linear_probe_accuracy"].get<double>());
  if (j.contains("knn_accuracy"))
    std::printf("kNN (cosine, k=%lld) on %s: test accuracy %.4f, neighbours sharing the label %.4f\n", (long long)k,
                j["represent"].get<std::string>().c_str(), j["knn_accuracy"].get<double>(),
                j["neighbour_label_agreement"].get<double>());
  if (j.contains("effective_rank"))
    std::printf("geometry of %s (test): effective rank %.2f of %lld, per-dimension std %.4g "
                "(min %.4g), normalized std %.4f, uniformity %.4f, alignment of same-label pairs %.4f\n",
                j["represent"].get<std::string>().c_str(), j["effective_rank"].get<double>(),
                (long long)j["dim"].get<int64_t>(), j["std_mean"].get<double>(),
                j["std_min"].get<double>(), j["normalized_std"].get<double>(),
                j["uniformity"].get<double>(), j["alignment"].get<double>());
  if (j.contains("zero_shot_accuracy")) {
    std::printf("zero-shot on %s by caption similarity, %zu held-out templates averaged: test accuracy "
                "%.4f\n", j["represent"].get<std::string>().c_str(), j["zero_shot_templates"].size(),
                j["zero_shot_accuracy"].get<double>());
    for (const auto &[templ, accuracy] : j["zero_shot_templates"].items())
      std::printf("  %-36s %.4f\n", ("\"" + templ + "\"").c_str(), accuracy.get<double>());
  }
  return 0;
}

namespace {

/// `strata tokenize` of a word set: every verse of the split, in order, with
/// its words (the corpus another word2vec must train on to compare).
int dumpWords(const Options &options, const Dataset &data) {
  if (options.has("-o"))
    throw UsageError{"data set '" + data.name + "' reads words, not BPE pieces: it has no "
                     "tokenizer.json to write (--dump writes each verse's words)"};
  std::string dump;
  int64_t words = 0;
  for (const std::string &text : data.texts) {
    std::vector<std::string> split = wordsOf(text);
    words += static_cast<int64_t>(split.size());
    dump += nlohmann::json{{"text", text}, {"words", split}}.dump() + "\n";
  }
  writeAtomically(options.get("--dump"), dump);
  std::printf("%s (%s split): %lld verses, %lld words, a vocabulary of %lld words\n",
              data.name.c_str(), data.split.c_str(), (long long)data.texts.size(), (long long)words,
              (long long)data.vocabulary.size());
  return 0;
}

} // namespace

int strata::tools::runTokenize(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  if (!options.has("-o") && !options.has("--dump") && !options.has("--rows"))
    throw UsageError{"'tokenize' needs -o tokenizer.json, --dump TEXTS.jsonl or --rows ROWS.npy"};
  DataSource source = compiler::dataSourceOf(graph, options.get("--split", ""));
  if (source.window > 0)
    return dumpWords(options, loadDataset(source));
  if (source.seqLen == 0) // only text sets have a row length in tokens
    throw UsageError{"data set '" + source.name + "' is not text: it has no tokenizer"};
  Dataset data = loadDataset(source);
  if (!data.tokenizer)
    throw UsageError{"data set '" + data.name + "' has no tokenizer (random ids)"};
  const BpeTokenizer &tokenizer = *data.tokenizer;
  if (options.has("-o"))
    writeAtomically(options.get("-o"), tokenizer.toJson());
  // Each distinct text once, in order, with its ids: what another tokenizer
  // loading the file must reproduce.
  int64_t distinct = 0, tokens = 0;
  std::string dump;
  std::set<std::string> seen;
  for (const std::string &text : data.texts) {
    if (!seen.insert(text).second)
      continue;
    std::vector<int32_t> ids = tokenizer.encode(text);
    ++distinct;
    tokens += static_cast<int64_t>(ids.size());
    dump += nlohmann::json{{"text", text}, {"ids", ids}}.dump() + "\n";
  }
  if (options.has("--dump"))
    writeAtomically(options.get("--dump"), dump);
  if (options.has("--rows"))
    writeNpy(options.get("--rows"), data.fields.at("tokens"));
  std::printf("tokenizer of %s: %lld pieces (%lld merges), trained in %.3f s\n", data.name.c_str(),
              (long long)tokenizer.vocabSize(), (long long)tokenizer.mergeCount(), tokenizer.trainSeconds());
  std::printf("%s split: %lld distinct texts, %lld tokens (%.1f per text)\n", data.split.c_str(),
              (long long)distinct, (long long)tokens, distinct ? double(tokens) / distinct : 0.0);
  return 0;
}

DataSource strata::tools::embeddedRows(const frontend::Graph &graph, const std::string &split) {
  DataSource source = compiler::dataSourceOf(graph, split);
  source.rowPerText = true; // a vector per verse, not per packed row
  return source;
}

std::vector<Tensor> strata::tools::representOf(const Options &options, const frontend::Graph &graph,
                                               const std::vector<const Dataset *> &sets,
                                               int64_t batch) {
  requireTrain(graph, options.spec);
  if (graph.represent < 0)
    throw UsageError{"the model marks no value @represent to embed"};
  compiler::CompileOptions compileOptions;
  compileOptions.batch = batch > 0 ? batch : std::min<int64_t>(sets.front()->size, 256);
  compileOptions.mode = "embed"; // training's random corruptions off
  auto program = compileOrThrow(graph, compileOptions);
  TrainState state = loadParams(*program, graph, checkpointDir(options, graph));
  std::vector<Tensor> z(sets.size());
  for (size_t i = 0; i < sets.size(); ++i)
    forwardOver(program->function("forward"), state.params, *sets[i], state.seed, &z[i]);
  return z;
}

Tensor strata::tools::representOf(const Options &options, const frontend::Graph &graph,
                                  const Dataset &data, int64_t batch) {
  return std::move(representOf(options, graph, {&data}, batch).front());
}

Tensor strata::tools::vocabularyVectors(const Options &options, const frontend::Graph &graph,
                                        std::vector<std::string> &words) {
  requireTrain(graph, options.spec);
  Dataset data = loadDataset(compiler::dataSourceOf(graph, "train"));
  if (data.vocabulary.empty())
    throw UsageError{"data set '" + data.name + "' has no vocabulary of words (a word-embedding "
                     "model reads kjv_words)"};
  int64_t n = static_cast<int64_t>(data.vocabulary.size());
  Dataset rows;
  rows.name = data.name;
  rows.split = "vocabulary";
  rows.size = n;
  rows.sampled = data.sampled;
  // The word's id goes where a row's first word goes (skip-gram's center,
  // GloVe's row); every other field holds 1, a valid id and a count whose
  // log is finite (they do not reach @represent).
  for (const auto &[field, column] : data.fields) {
    Tensor t(column.dtype(), {n});
    bool word = field == "center" || field == "row";
    for (int64_t id = 0; id < n; ++id)
      t.set(id, word ? static_cast<double>(id) : 1.0);
    rows.fields[field] = std::move(t);
  }
  words = std::move(data.vocabulary);
  return representOf(options, graph, rows, n);
}

int strata::tools::runEmbed(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  if (!options.has("--out"))
    throw UsageError{"'embed' needs --out FILE.npy"};
  if (graph.represent < 0)
    throw UsageError{"the model marks no value @represent to embed"};
  std::string split = options.get("--split", "test");
  if (options.has("--vocab") && split != "vocabulary")
    throw UsageError{"--vocab goes with --split vocabulary (a word-embedding model's words)"};
  Tensor z;
  if (split == "vocabulary") {
    std::vector<std::string> words;
    z = vocabularyVectors(options, graph, words);
    if (options.has("--vocab")) {
      std::string lines;
      for (const std::string &word : words)
        lines += word + "\n";
      writeAtomically(options.get("--vocab"), lines);
    }
  } else {
    z = representOf(options, graph, loadDataset(embeddedRows(graph, split)));
  }
  writeNpy(options.get("--out"), z);
  std::printf("wrote %s: %lld x %lld f32 (%s of %s, %s split)\n", options.get("--out").c_str(),
              (long long)z.shape()[0], (long long)z.shape()[1],
              graph.values[graph.represent].name.c_str(), graph.model.c_str(), split.c_str());
  return 0;
}

namespace {

std::string megabytes(int64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f MB", bytes / 1e6);
  return buffer;
}

/// What a GPU report compiles: the spec at --batch, for --chip.
compiler::CompileOptions gpuReportOptions(const Options &options, const frontend::Graph &graph) {
  compiler::CompileOptions compileOptions;
  compileOptions.batch = options.intFlag("--batch", graph.train.batch);
  compileOptions.chip = chipFlag(options);
  if (compileOptions.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  return compileOptions;
}

std::vector<compiler::GpuFunctionReport> gpuReportOrThrow(const Options &options,
                                                          const frontend::Graph &graph) {
  try {
    return compiler::gpuReport(graph, gpuReportOptions(options, graph));
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
}

nlohmann::ordered_json toJson(const compiler::GpuFunctionReport &r) {
  nlohmann::ordered_json j;
  j["function"] = r.name;
  j["kernels"] = r.kernels;
  j["library_calls"] = r.libraryCalls;
  j["params_bytes"] = r.paramsBytes;
  j["opt_state_bytes"] = r.optStateBytes;
  j["scratch_bytes"] = r.scratchBytes;
  j["arena_bytes"] = r.paramsBytes + r.optStateBytes + r.gradsBytes + r.scratchBytes;
  j["unplanned_scratch_bytes"] = r.unplannedBytes;
  j["buffers"] = r.buffers;
  return j;
}

std::string millis(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds * 1e3);
  return text;
}

nlohmann::ordered_json toJson(const compiler::LaunchCost &c) {
  nlohmann::ordered_json j;
  j["kind"] = c.gemm ? "gemm" : "kernel";
  j["name"] = c.name;
  j["origin"] = c.origin;
  if (c.gemm) {
    j["m"] = c.m;
    j["n"] = c.n;
    j["k"] = c.k;
    j["batch"] = c.batch;
  } else {
    j["grid"] = c.grid;
    j["block"] = c.block;
    j["threads"] = c.threads;
    j["accesses_per_thread"] = c.accessesPerThread;
    j["data_dependent_loops"] = c.dataDependentLoops;
  }
  j["bytes_read"] = c.bytesRead;
  j["bytes_written"] = c.bytesWritten;
  j["flops"] = c.flops;
  j["estimated_ms"] = c.seconds * 1e3;
  j["bound"] = c.bound;
  j["serial"] = c.serial;
  return j;
}

/// One row of the launch table.
void printLaunch(size_t index, const compiler::LaunchCost &c) {
  std::string shape = c.gemm ? std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) +
                                   (c.batch > 1 ? " b" + std::to_string(c.batch) : "")
                             : std::to_string(c.grid) + " x " + std::to_string(c.block);
  std::printf("  %4zu  %-32s %-18s %11s %9.3g %9.2f %9.2f %9.3f %8s  %-7s %s%s\n", index, c.name.c_str(),
              shape.c_str(), c.gemm ? "" : withCommas(c.threads).c_str(), c.gemm ? 0.0 : c.accessesPerThread,
              c.bytesRead / 1e6, c.bytesWritten / 1e6, c.flops / 1e9, millis(c.seconds).c_str(), c.bound.c_str(),
              c.origin.c_str(), c.serial ? "  SERIAL" : "");
}

/// `strata bench --dry`: what a GPU train step launches and holds, and what
/// each launch costs on the chip's roofline, compiled but not run.
int runDryBench(const Options &options, const frontend::Graph &graph) {
  std::string target = options.get("--target", "cuda");
  if (target != "cuda")
    throw UsageError{"--dry estimates the cuda target's step; --target=" + target + " is measured, without --dry"};
  compiler::CompileOptions compileOptions = gpuReportOptions(options, graph);
  const std::string &chip = compileOptions.chip;
  const compiler::ChipModel *model = compiler::chipModel(chip);
  if (!model)
    throw UsageError{"no cost figures for --chip=" + chip + " (known: " + compiler::knownCostChips() + ")"};
  compiler::GpuCostReport report;
  try {
    report = compiler::gpuCostReport(graph, compileOptions, *model);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  auto step = std::find_if(report.functions.begin(), report.functions.end(),
                           [](const compiler::GpuFunctionReport &r) { return r.name == "train_step"; });
  if (step == report.functions.end())
    throw InternalError{"no train_step in the GPU program"};
  const compiler::StepCost &cost = report.trainStep;
  const std::vector<compiler::LaunchCost> &launches = cost.launches;
  std::vector<size_t> serial, byTime(launches.size());
  for (size_t i = 0; i < launches.size(); ++i) {
    if (launches[i].serial)
      serial.push_back(i);
    byTime[i] = i;
  }
  std::stable_sort(byTime.begin(), byTime.end(),
                   [&](size_t a, size_t b) { return launches[a].seconds > launches[b].seconds; });
  int64_t arena = step->paramsBytes + step->optStateBytes + step->gradsBytes + step->scratchBytes;

  if (options.has("--json")) {
    nlohmann::ordered_json j;
    j["model"] = graph.model;
    j["target"] = "cuda";
    j["dry"] = true;
    j["chip"] = chip;
    j["batch"] = compileOptions.batch;
    j["kernels_per_step"] = step->kernels;
    j["library_calls_per_step"] = step->libraryCalls;
    j["arena_bytes"] = arena;
    j["params_bytes"] = step->paramsBytes;
    j["opt_state_bytes"] = step->optStateBytes;
    j["scratch_bytes"] = step->scratchBytes;
    j["unplanned_scratch_bytes"] = step->unplannedBytes;
    j["estimated_step_ms"] = cost.seconds * 1e3;
    j["estimated_kernel_ms"] = cost.kernelSeconds * 1e3;
    j["estimated_gemm_ms"] = cost.gemmSeconds * 1e3;
    j["serial_launches"] = serial.size();
    j["launches"] = nlohmann::ordered_json::array();
    for (const compiler::LaunchCost &c : launches)
      j["launches"].push_back(toJson(c));
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s: the GPU train step at batch %lld on %s (%s), estimated, not run\n", graph.model.c_str(),
                (long long)compileOptions.batch, chip.c_str(), model->name.c_str());
    std::printf("  %4s  %-32s %-18s %11s %9s %9s %9s %9s %8s  %-7s %s\n", "#", "launch", "grid x block / mxnxk",
                "threads", "acc/thr", "read MB", "write MB", "GFLOP", "est ms", "bound", "from");
    for (size_t i = 0; i < launches.size(); ++i)
      printLaunch(i, launches[i]);
    std::printf("heaviest:\n");
    for (size_t i = 0; i < std::min<size_t>(10, byTime.size()); ++i)
      printLaunch(byTime[i], launches[byTime[i]]);
    std::printf("estimated step: %s ms (%lld kernels %s ms, %lld cuBLASLt calls %s ms); arena %s\n",
                millis(cost.seconds).c_str(), (long long)step->kernels, millis(cost.kernelSeconds).c_str(),
                (long long)step->libraryCalls, millis(cost.gemmSeconds).c_str(), megabytes(arena).c_str());
  }
  for (size_t i : serial)
    std::fprintf(stderr,
                 "strata: warning: launch %zu (%s) runs %lld threads, under one wave of %d SMs x 128, over "
                 "%.3g MB: it is serial, or nearly%s%s\n",
                 i, launches[i].name.c_str(), (long long)launches[i].threads, model->sms,
                 (launches[i].bytesRead + launches[i].bytesWritten) / 1e6,
                 launches[i].origin.empty() ? "" : "; from ", launches[i].origin.c_str());
  return 0;
}

} // namespace

int strata::tools::runCompile(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  std::string target = options.get("--target", "cuda");
  if (target == "cpu")
    throw UsageError{"bundles for the cpu target are not built yet; `strata train --target=cpu` "
                     "compiles in memory"};
  if (target != "cuda")
    throw UsageError{"unknown target '" + target + "' for a bundle (available: cuda)"};
  if (!options.has("-o"))
    throw UsageError{"'compile' needs -o DIR"};
  compiler::CompileOptions compileOptions;
  compileOptions.batch = options.intFlag("--batch", graph.train.batch);
  compileOptions.chip = chipFlag(options);
  if (compileOptions.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  // The learning-rate schedule is compiled in: --steps or --epochs say how
  // long a run it spans, as for `strata train` (the spec's run without).
  if (options.has("--steps") || options.has("--epochs")) {
    int64_t perEpoch = options.has("--epochs")
                           ? stepsPerEpoch(loadDataset(compiler::trainingDataOf(graph)), compileOptions.batch)
                           : 1;
    compileOptions.totalSteps = runLength(options, graph, perEpoch);
  }
  std::string dir = options.get("-o"), cubin;
  if (options.has("--timing"))
    compiler::reportPassTimes();
  try {
    cubin = compiler::writeCudaBundle(graph, compileOptions, dir);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  std::printf("wrote %s: manifest.json (schedule of @train_step and @forward), kernels.ptx (%s), %s\n",
              dir.c_str(), compileOptions.chip.c_str(),
              cubin.empty() ? "no cubin (ptxas not found: the driver will compile the PTX)" : cubin.c_str());
  return 0;
}

int strata::tools::runMemoryReport(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  auto reports = gpuReportOrThrow(options, graph);
  int64_t batch = options.intFlag("--batch", graph.train.batch);
  if (options.has("--json")) {
    nlohmann::ordered_json j;
    j["model"] = graph.model;
    j["batch"] = batch;
    j["functions"] = nlohmann::ordered_json::array();
    for (const auto &r : reports)
      j["functions"].push_back(toJson(r));
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("memory plan of %s on the GPU path, batch %lld, per call:\n", graph.model.c_str(),
              (long long)batch);
  std::printf("  %-11s %8s %9s %11s %11s %13s %13s %8s\n", "function", "kernels", "cuBLASLt",
              "params", "opt state", "scratch", "unplanned", "buffers");
  for (const auto &r : reports)
    std::printf("  %-11s %8lld %9lld %11s %11s %13s %13s %8lld\n", r.name.c_str(),
                (long long)r.kernels, (long long)r.libraryCalls, megabytes(r.paramsBytes).c_str(),
                megabytes(r.optStateBytes).c_str(), megabytes(r.scratchBytes).c_str(),
                megabytes(r.unplannedBytes).c_str(), (long long)r.buffers);
  std::printf("scratch: activations, gradients and temporaries placed by liveness in one arena;\n"
              "unplanned: what one allocation per buffer would take\n");
  return 0;
}

int strata::tools::runBench(const Options &options, const frontend::Graph &graph) {
  auto start = Clock::now();
  requireTrain(graph, options.spec);
  if (options.has("--dry"))
    return runDryBench(options, graph);
  std::string target = targetOf(options);
  if (target == "cuda")
    throw UsageError{"bench measures the cpu targets; on a GPU, `strata train --target=cuda --json` "
                     "reports mean_step_ms, and `strata bench --dry` the kernels per step"};
  int64_t batch = options.intFlag("--batch", graph.train.batch);
  int64_t timed = options.intFlag("--steps", 50), warmup = options.intFlag("--warmup", 10);
  if (batch < 1 || timed < 1)
    throw UsageError{"--batch and --steps must be at least 1"};
  bool blas = blasFlag(options);

  Dataset data = loadDataset(compiler::trainingDataOf(graph));
  compiler::CompileOptions compileOptions;
  compileOptions.batch = batch;
  compileOptions.totalSteps = warmup + timed;
  compileOptions.blas = blas;
  compileOptions.emulateGpu = target == "cuda-emulated";
  auto program = compileOrThrow(graph, compileOptions);
  double compileSeconds = secondsSince(start);
  const Function &step = program->function("train_step");
  TrainState state = initialState(*program, graph.train.seed);
  TrainOptions trainOptions;
  trainOptions.model = graph.model;
  trainOptions.totalSteps = warmup + timed;
  trainOptions.seed = graph.train.seed;
  trainOptions.progress = nullptr;
  TrainResult result = train(step, program->params(), data, state, trainOptions);
  std::vector<double> measured(result.stepMs.begin() + std::min<int64_t>(warmup, result.stepMs.size()),
                               result.stepMs.end());

  nlohmann::ordered_json j;
  j["model"] = graph.model;
  j["target"] = target;
  j["batch"] = batch;
  j["matmul"] = blas ? "blas" : "loops";
  j["warmup_steps"] = warmup;
  j["timed_steps"] = timed;
  j["step_ms_median"] = percentile(measured, 0.5);
  j["step_ms_p10"] = percentile(measured, 0.1);
  j["step_ms_p90"] = percentile(measured, 0.9);
  j["compile_seconds"] = compileSeconds;
  // Where compile time goes: MLIR's passes, then LLVM's optimizer and JIT.
  j["compile_pass_seconds"] = program->passSeconds();
  j["compile_codegen_seconds"] = program->codegenSeconds();
  j["param_bytes"] = program->arenaSize() * 4;
  j["opt_state_bytes"] = state.optState.bytes();
  j["peak_rss_mib"] = peakResidentMiB();
  j["final_loss"] = result.finalLoss;
  std::cout << j.dump() << "\n";
  return 0;
}
