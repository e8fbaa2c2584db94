//===- strata.cpp - the user driver ---------------------------------------===//
//
// strata check SPEC [--json]                 shapes, parameter count, FLOPs
// strata emit SPEC --stage=graph|strata       the program after a stage
// strata fmt SPEC --to=json|dsl [-o FILE]     one spec form into the other
//
// Exit codes (DESIGN.md): 0 success, 1 a user error with a diagnostic, 2 an
// internal error. Nothing is written when a command fails.
//
//===----------------------------------------------------------------------===//

#include "Compiler.h"
#include "Graph.h"
#include "Gradcheck.h"
#include "MLIRGen.h"
#include "Spec.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

using namespace strata::frontend;

namespace {

const char *kUsage = R"(usage: strata <command> [options]

commands:
  check SPEC [--json]                 parse, infer shapes; print every value's shape,
                                      the parameter count and forward FLOPs per step
  emit SPEC --stage=S [--locations]   print the program after stage S (graph, strata)
  fmt SPEC --to=json|dsl [-o FILE]    print SPEC in the other form
  gradcheck SPEC [--samples N] [--batch B] [--seed S] [--json]
                                      autodiff against central differences in f64,
                                      worst relative error per parameter

SPEC is a .strata (DSL) or .json file.
)";

struct UsageError {
  std::string message;
};

struct Options {
  std::string command;
  std::string spec;
  std::map<std::string, std::string> flags; // --name=value, or "" for a switch
};

Options parseArgs(int argc, char **argv, const std::map<std::string, bool> &known) {
  Options options;
  options.command = argv[1];
  for (int k = 2; k < argc; ++k) {
    std::string arg = argv[k];
    if (arg.rfind("-", 0) != 0 || arg == "-") {
      if (!options.spec.empty())
        throw UsageError{"unexpected argument '" + arg + "'"};
      options.spec = arg;
      continue;
    }
    std::string name = arg, value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    auto it = known.find(name);
    if (it == known.end())
      throw UsageError{"unknown option '" + name + "' for '" + options.command + "'"};
    if (it->second && value.empty()) { // the option takes a value
      if (arg.find('=') == std::string::npos && k + 1 < argc)
        value = argv[++k];
      if (value.empty())
        throw UsageError{"option '" + name + "' needs a value"};
    }
    options.flags[name] = value;
  }
  if (options.spec.empty())
    throw UsageError{"'" + options.command + "' needs a spec file"};
  return options;
}

std::string humanCount(double n) {
  const char *units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (n >= 1000 && u < 4) {
    n /= 1000;
    ++u;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, u ? "%.2f %s" : "%.0f%s", n, units[u]);
  return buffer;
}

std::string withCommas(int64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t k = 0; k < s.size(); ++k) {
    if (k && (s.size() - k) % 3 == 0)
      out += ',';
    out += s[k];
  }
  return out;
}

int runCheck(const Options &options) {
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
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
  std::cout << "parameters: " << withCommas(graph.parameterCount()) << "\n";
  if (graph.train.present)
    std::cout << "forward FLOPs: " << humanCount(flopsPerStep) << "FLOP per step at batch "
              << batch << " (" << humanCount(flopsPerExample) << "FLOP per example)\n";
  else
    std::cout << "forward FLOPs: " << humanCount(flopsPerExample) << "FLOP per example\n";
  return 0;
}

int runEmit(const Options &options) {
  auto stage = options.flags.find("--stage");
  if (stage == options.flags.end())
    throw UsageError{"'emit' needs --stage=graph|strata"};
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
  if (stage->second == "graph") {
    std::cout << graphToJson(graph);
    return 0;
  }
  if (stage->second != "strata")
    throw UsageError{"unknown stage '" + stage->second +
                     "' (available: graph, strata; later stages arrive with training)"};
  mlir::MLIRContext context;
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  auto module = mlirGen(context, graph);
  if (!module) {
    std::cerr << "strata: internal error: the generated module does not verify:\n"
              << diagnostics;
    return 2;
  }
  mlir::OpPrintingFlags flags;
  if (options.flags.count("--locations"))
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  module->print(llvm::outs(), flags);
  llvm::outs() << "\n";
  llvm::outs().flush();
  return 0;
}

/// Writes `text` to `path` through a temporary file, so a failure leaves nothing.
void writeAtomically(const std::string &path, const std::string &text) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary);
    if (!(out << text) || !out.flush())
      throw UsageError{"cannot write '" + path + "'"};
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw UsageError{"cannot write '" + path + "'"};
  }
}

int runFmt(const Options &options) {
  auto to = options.flags.find("--to");
  if (to == options.flags.end() || (to->second != "json" && to->second != "dsl"))
    throw UsageError{"'fmt' needs --to=json or --to=dsl"};
  Spec spec = loadSpec(options.spec);
  if (spec.model) // a spec that does not expand is not formatted either
    buildGraph(spec, prelude());
  std::string text = to->second == "json" ? printJson(spec) : printDsl(spec);
  auto out = options.flags.find("-o");
  if (out != options.flags.end())
    writeAtomically(out->second, text);
  else
    std::cout << text;
  return 0;
}

int64_t intFlag(const Options &options, const std::string &name, int64_t fallback) {
  auto it = options.flags.find(name);
  if (it == options.flags.end())
    return fallback;
  try {
    size_t used = 0;
    int64_t v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= 0)
      return v;
  } catch (const std::exception &) {
  }
  throw UsageError{"option '" + name + "' needs a non-negative integer, got '" + it->second + "'"};
}

int runGradcheck(const Options &options) {
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
  strata::tools::GradcheckOptions g;
  g.batch = intFlag(options, "--batch", 4);
  g.samples = static_cast<int>(intFlag(options, "--samples", 8));
  g.seed = intFlag(options, "--seed", 0);
  g.json = options.flags.count("--json") != 0;
  if (g.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  try {
    return strata::tools::gradcheck(graph, options.spec, g);
  } catch (const strata::compiler::CompileError &e) {
    std::cerr << "strata: " << e.message << "\n";
    return 2;
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 1 : 0;
  }
  std::string command = argv[1];
  try {
    if (command == "check")
      return runCheck(parseArgs(argc, argv, {{"--json", false}}));
    if (command == "emit")
      return runEmit(parseArgs(argc, argv, {{"--stage", true}, {"--locations", false}}));
    if (command == "gradcheck")
      return runGradcheck(parseArgs(argc, argv, {{"--samples", true}, {"--batch", true},
                                                 {"--seed", true}, {"--json", false}}));
    if (command == "fmt")
      return runFmt(parseArgs(argc, argv, {{"--to", true}, {"-o", true}}));
    throw UsageError{"unknown command '" + command + "' (see strata --help)"};
  } catch (const SpecError &error) {
    std::cerr << error.render();
    return 1;
  } catch (const UsageError &error) {
    std::cerr << "strata: error: " << error.message << "\n";
    return 1;
  } catch (const std::exception &error) {
    std::cerr << "strata: internal error: " << error.what() << "\n";
    return 2;
  }
}
