//===- TrainStep.h - a spec's train step compiled for a target ---*- C++ -*-===//
//
// What `strata train` and `strata bench` hand the training loop
// (runtime/Trainer.h): the train step compiled for the run's target and the
// StepRunner that calls it. cpu and cuda-emulated JIT-compile the program
// (the latter the GPU path's IR, run on the host); cuda compiles the bundle
// `strata compile` would write, in memory, and loads it on GPU 0.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Bundle.h"
#include "Cli.h"
#include "Compiler.h"
#include "Graph.h"
#include "StepRunner.h"

#include <memory>
#include <string>
#include <vector>

namespace strata::tools {

struct CompiledTrainStep {
  std::vector<runtime::ParamEntry> layout;
  int64_t arenaElements = 0;
  const runtime::ArgSpec *optState = nullptr; // the step's opt_state argument, if any
  std::unique_ptr<runtime::StepRunner> runner;
  /// The program's @forward on the host (the collapse watch); null on a GPU.
  const runtime::Function *forward = nullptr;
  /// cpu and cuda-emulated: the JIT's program (it owns the code the runner calls).
  std::unique_ptr<compiler::Program> program;
  /// cuda: the bundle (the runner reads it).
  std::unique_ptr<runtime::Bundle> bundle;

  /// A fresh run's state: parameters initialized for `seed`, optimizer state zero.
  runtime::TrainState freshState(uint64_t seed) const;
};

/// Compiles `graph`'s train step for `target` (targetOf). For cuda, a GPU
/// must be visible (checked before compiling: a UsageError naming why not)
/// and --chip selects the architecture; --matmul belongs to the CPU.
CompiledTrainStep compileTrainStep(const Options &options, const frontend::Graph &graph, const std::string &target,
                                   compiler::CompileOptions compileOptions);

} // namespace strata::tools
