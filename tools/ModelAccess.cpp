//===- ModelAccess.cpp - what the commands share --------------------------===//

#include "ModelAccess.h"

#include "Progress.h"
#include "Trainer.h"
#include "Words.h"
#include "DataSources.h"
#include "SpecData.h"

#ifdef STRATA_HAVE_CUDA
#include "Driver.h"
#endif

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

double strata::tools::secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

std::string strata::tools::targetOf(const Options &options) {
  if (!options.has("--target")) {
#ifdef STRATA_HAVE_CUDA
    std::string why;
    if (cudaDeviceAvailable(why))
      return "cuda";
#endif
    return "cpu";
  }
  std::string target = options.get("--target");
  if (target != "cpu" && target != "cuda-emulated" && target != "cuda")
    throw UsageError{"unknown target '" + target + "' (available: cpu, cuda, cuda-emulated)"};
#ifndef STRATA_HAVE_CUDA
  if (target == "cuda")
    throw UsageError{"this strata was built without the CUDA toolkit, so it cannot run the cuda "
                     "target; use --target=cpu"};
#endif
  return target;
}

const frontend::Graph &strata::tools::requireTrain(const frontend::Graph &graph, const std::string &spec) {
  if (!graph.train.present)
    throw UsageError{"'" + spec + "' has no train section: nothing says which data set to use"};
  return graph;
}

/// The steps a run takes (and its learning-rate schedule spans): --steps,
/// else --epochs of `perEpoch` steps, else the spec's steps or epochs.
int64_t strata::tools::runLength(const Options &options, const frontend::Graph &graph, int64_t perEpoch) {
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

std::unique_ptr<compiler::Program> strata::tools::compileOrThrow(const frontend::Graph &graph,
                                                  const compiler::CompileOptions &options) {
  try {
    return compiler::Program::compile(graph, options);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
}

compiler::CompileOptions strata::tools::gpuCompileOptions(const Options &options, const frontend::Graph &graph) {
  compiler::CompileOptions compileOptions;
  compileOptions.batch = options.intFlag("--batch", graph.train.batch);
  compileOptions.chip = chipFlag(options);
  if (compileOptions.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  return compileOptions;
}

std::string strata::tools::checkpointDir(const Options &options, const frontend::Graph &graph) {
  std::string dir = options.get("--checkpoint", "runs/" + graph.model);
  const std::string suffix = ".safetensors";
  if (dir.size() < suffix.size() || dir.compare(dir.size() - suffix.size(), suffix.size(), suffix) != 0)
    return dir;
  size_t slash = dir.find_last_of('/');
  std::string folder = slash == std::string::npos ? "." : dir.substr(0, slash);
  std::string name = slash == std::string::npos ? dir : dir.substr(slash + 1);
  std::string hint = name == "checkpoint.safetensors" ? "give --checkpoint " + folder
                     : options.command == "train"
                         ? "to start training from this file's parameters, give --init " + dir
                         : "give the folder strata train --checkpoint wrote";
  throw UsageError{"--checkpoint names a run's folder (it holds checkpoint.safetensors), not a file: " + hint};
}

TrainState strata::tools::loadCheckpointParams(const compiler::Program &program, const frontend::Graph &graph,
                                               const std::string &dir) {
  TrainState state;
  state.params = Tensor(DType::F32, {program.arenaSize()});
  loadCheckpoint(dir, graph.model, program.params(), state);
  return state;
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
  StatusLine compiling;
  compiling.show("compiling " + graph.model + "'s inference form", /*force=*/true);
  compiler::CompileOptions compileOptions;
  compileOptions.batch = batch > 0 ? batch : std::min<int64_t>(sets.front()->size, 256);
  compileOptions.mode = "embed"; // training's random corruptions off
  auto program = compileOrThrow(graph, compileOptions);
  compiling.clear();
  TrainState state = loadCheckpointParams(*program, graph, checkpointDir(options, graph));
  std::vector<Tensor> z(sets.size());
  StatusLine status; // compiling and embedding a split take seconds
  for (size_t i = 0; i < sets.size(); ++i) {
    status.show("embedding " + std::to_string(sets[i]->size) + " rows of " + sets[i]->name + " (" +
                    sets[i]->split + ") with " + graph.model,
                /*force=*/true);
    forwardOver(program->function("forward"), state.params, *sets[i], state.seed, &z[i]);
  }
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
