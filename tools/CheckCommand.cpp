//===- CheckCommand.cpp - strata check -----------------------------------===//
//
// strata check SPEC: parse, infer shapes, and print every value's shape, the
// parameter count and the forward FLOPs per step. --memory: the GPU path's
// memory plan per call (arenas, planned scratch, kernels, cuBLASLt calls).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

using namespace strata;
using namespace strata::frontend;
using namespace strata::tools;

namespace {

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

/// `strata check SPEC --memory`: the GPU path's memory plan and work per call.
int runMemoryReport(const Options &options, const frontend::Graph &graph) {
  requireTrain(graph, options.spec);
  compiler::CompileOptions compileOptions = gpuCompileOptions(options, graph);
  std::vector<compiler::GpuFunctionReport> reports;
  try {
    reports = compiler::gpuReport(graph, compileOptions);
  } catch (const compiler::CompileError &e) {
    throw InternalError{e.message};
  }
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

} // namespace

int strata::tools::runCheck(const Options &options, const Graph &graph) {
  if (options.has("--memory"))
    return runMemoryReport(options, graph);
  int64_t batch = graph.train.present ? graph.train.batch : 1;
  double flopsPerStep = graph.forwardFlops(batch);
  double flopsPerExample = graph.forwardFlops(1);
  if (options.flags.count("--json")) {
    nlohmann::ordered_json j;
    j["model"] = graph.model;
    j["spec"] = options.spec;
    j["values"] = nlohmann::ordered_json::array();
    for (const GraphValue &v : graph.values)
      j["values"].push_back({{"name", v.name},
                             {"op", v.producer < 0 ? "input" : graph.nodes[v.producer].op},
                             {"dtype", v.dtype},
                             {"shape", strata::shapes::str(v.shape)}});
    j["loss"] = graph.values[graph.loss].name;
    j["represent"] = graph.represent >= 0 ? nlohmann::ordered_json(graph.values[graph.represent].name)
                                          : nlohmann::ordered_json(nullptr);
    j["parameters"] = graph.parameterCount();
    j["batch"] = graph.train.present ? nlohmann::ordered_json(batch) : nlohmann::ordered_json(nullptr);
    j["forward_flops_per_step"] = flopsPerStep;
    j["forward_flops_per_example"] = flopsPerExample;
    std::cout << j.dump() << "\n";
    return 0;
  }
  size_t width = 5;
  for (const GraphValue &v : graph.values)
    width = std::max(width, v.name.size());
  std::cout << "model " << graph.model << " (" << options.spec << ")\n";
  std::printf("  %-*s  %-16s %s\n", (int)width, "value", "op", "type");
  for (const GraphValue &v : graph.values) {
    std::string op = v.producer < 0 ? "input" : graph.nodes[v.producer].op;
    std::printf("  %-*s  %-16s %s%s\n", (int)width, v.name.c_str(), op.c_str(), v.dtype.c_str(),
                strata::shapes::str(v.shape).c_str());
  }
  std::cout << "loss: " << graph.values[graph.loss].name << "\n";
  if (graph.represent >= 0)
    std::cout << "representation: " << graph.values[graph.represent].name << " "
              << strata::shapes::str(graph.values[graph.represent].shape) << "\n";
  for (int metric : graph.metrics)
    std::cout << "metric: " << graph.values[metric].name << "\n";
  std::cout << "parameters: " << withCommas(graph.parameterCount()) << "\n";
  if (graph.train.present)
    std::cout << "forward FLOPs: " << humanCount(flopsPerStep) << "FLOP per step at batch "
              << batch << " (" << humanCount(flopsPerExample) << "FLOP per example)\n";
  else
    std::cout << "forward FLOPs: " << humanCount(flopsPerExample) << "FLOP per example\n";
  return 0;
}
