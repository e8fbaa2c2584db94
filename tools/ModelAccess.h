//===- ModelAccess.h - what the commands share ------------------*- C++ -*-===//
//
// The small library every command that runs a model builds on: the flags
// that choose how a spec compiles (--target, --matmul, --chip), the run's
// length, compiling with the compiler's errors as internal errors, finding
// and reading a run's checkpoint, and a model's representation of a data set.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Checkpoint.h"
#include "Cli.h"
#include "Compiler.h"
#include "Dataset.h"
#include "Graph.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace strata::tools {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point start);

/// --matmul=blas|loops: whether 2-D matmuls call the BLAS.
bool blasFlag(const Options &options);
/// --chip, an NVIDIA architecture (sm_90 by default).
std::string chipFlag(const Options &options);
/// --target: cpu, cuda or cuda-emulated. Without it, cuda where this strata
/// has the CUDA runtime and a GPU is visible, else cpu.
std::string targetOf(const Options &options);

/// The graph, which must have a train section (it names the data set).
const frontend::Graph &requireTrain(const frontend::Graph &graph, const std::string &spec);

/// The steps a run takes (and its learning-rate schedule spans): --steps,
/// else --epochs of `perEpoch` steps, else the spec's steps or epochs.
int64_t runLength(const Options &options, const frontend::Graph &graph, int64_t perEpoch);

/// What a GPU report compiles without running (check --memory, bench
/// --dry): the spec at --batch, for --chip.
compiler::CompileOptions gpuCompileOptions(const Options &options, const frontend::Graph &graph);

/// The JIT-compiled program; a compiler error is ours (InternalError).
std::unique_ptr<compiler::Program> compileOrThrow(const frontend::Graph &graph,
                                                  const compiler::CompileOptions &options);

/// --checkpoint DIR, by default runs/MODEL: `strata train SPEC` followed by
/// `strata eval SPEC` finds the checkpoint without being told. A path to a
/// .safetensors file is refused with the folder to give instead.
std::string checkpointDir(const Options &options, const frontend::Graph &graph);

/// The parameters of DIR's checkpoint in the arena `program` lays out.
runtime::TrainState loadCheckpointParams(const compiler::Program &program, const frontend::Graph &graph,
                                         const std::string &dir);

/// The @represent value of every row of each data set under the parameters
/// of the checkpoint --checkpoint names (runs/MODEL by default), the forward
/// pass compiled once, at `batch` rows (0: up to 256 of the first set), in
/// its inference form (no dropout, noise or masking; passes/Inference.cpp).
std::vector<runtime::Tensor> representOf(const Options &options, const frontend::Graph &graph,
                                         const std::vector<const runtime::Dataset *> &sets,
                                         int64_t batch = 0);
runtime::Tensor representOf(const Options &options, const frontend::Graph &graph,
                            const runtime::Dataset &data, int64_t batch = 0);

/// A word-embedding model's vector of every word of its data set's
/// vocabulary (the @represent value with the word's id as the center word
/// of kjv_words, the row word of kjv_cooccurrence),
/// and the words, id order. A UsageError for a data set without words.
runtime::Tensor vocabularyVectors(const Options &options, const frontend::Graph &graph,
                                  std::vector<std::string> &words);
/// The rows `strata embed` and `strata search --text` read of a split: the
/// spec's data set, a text set with one row per text (verse).
runtime::DataSource embeddedRows(const frontend::Graph &graph, const std::string &split);

} // namespace strata::tools
