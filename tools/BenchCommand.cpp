//===- BenchCommand.cpp - strata bench ------------------------------------===//
//
// strata bench SPEC: the train step timed by the one training loop over
// warm-up and timed steps, on any target, reported as training is
// (runtime/TrainReport.h) plus the spread, the compile split and memory.
// strata bench SPEC --dry: the GPU train step compiled, not run: each launch
// on the chip's roofline (compiler/CostModel.h).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"
#include "TrainStep.h"

#include "TrainReport.h"
#include "Trainer.h"
#include "DataSources.h"
#include "SpecData.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

double peakResidentMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0; // Linux reports KiB
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
  compiler::CompileOptions compileOptions = gpuCompileOptions(options, graph);
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

int strata::tools::runBench(const Options &options, const frontend::Graph &graph) {
  auto start = Clock::now();
  requireTrain(graph, options.spec);
  if (options.has("--dry"))
    return runDryBench(options, graph);
  std::string target = targetOf(options);
  int64_t batch = options.intFlag("--batch", graph.train.batch);
  int64_t timed = options.intFlag("--steps", 50), warmup = options.intFlag("--warmup", 10);
  if (batch < 1 || timed < 1)
    throw UsageError{"--batch and --steps must be at least 1"};

  Dataset data = loadDataset(compiler::trainingDataOf(graph));
  int64_t perEpoch = stepsPerEpoch(data, batch);
  if (perEpoch == 0)
    throw UsageError{"batch " + std::to_string(batch) + " is larger than the data set (" +
                     std::to_string(data.size) + " rows)"};
  compiler::CompileOptions compileOptions;
  compileOptions.batch = batch;
  compileOptions.totalSteps = warmup + timed;
  CompiledTrainStep step = compileTrainStep(options, graph, target, compileOptions);
  double compileSeconds = secondsSince(start);
  TrainState state = step.freshState(graph.train.seed);
  TrainOptions trainOptions;
  trainOptions.model = graph.model;
  trainOptions.totalSteps = warmup + timed;
  trainOptions.seed = graph.train.seed;
  trainOptions.progress = nullptr;
  double beforeLoop = secondsSince(start);
  TrainResult result = train(*step.runner, step.layout, data, state, trainOptions);

  TrainReport report = reportOf(graph.model, batch, graph.train.seed, perEpoch, result, warmup);
  report.compileSeconds = compileSeconds;
  report.specToFirstStepSeconds = beforeLoop + result.firstStepSeconds;
  std::vector<double> measured(result.stepMs.begin() + std::min<int64_t>(warmup, result.stepMs.size()),
                               result.stepMs.end());
  nlohmann::ordered_json j = toJson(report);
  j["matmul"] = target == "cuda" ? "cublaslt" : blasFlag(options) ? "blas" : "loops";
  j["warmup_steps"] = warmup;
  j["timed_steps"] = timed;
  j["step_ms_p10"] = percentile(measured, 0.1);
  j["step_ms_p90"] = percentile(measured, 0.9);
  // Where compile time goes: MLIR's passes, then LLVM's optimizer and JIT
  // (the JIT's targets; null on a GPU, whose bundle compiles in one go).
  j["compile_pass_seconds"] = step.program ? nlohmann::ordered_json(step.program->passSeconds()) : nullptr;
  j["compile_codegen_seconds"] = step.program ? nlohmann::ordered_json(step.program->codegenSeconds()) : nullptr;
  j["param_bytes"] = step.arenaElements * 4;
  j["opt_state_bytes"] = state.optState.bytes();
  j["peak_rss_mib"] = peakResidentMiB();
  std::cout << j.dump() << "\n";
  return 0;
}
