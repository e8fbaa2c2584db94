//===- strata.cpp - the user driver ---------------------------------------===//
//
// strata check SPEC [--json]                 shapes, parameter count, FLOPs
// strata emit SPEC --stage=S                  the program after a stage
// strata fmt SPEC --to=json|dsl [-o FILE]     one spec form into the other
// strata gradcheck SPEC                       autodiff against finite differences
// strata train | eval | embed | tokenize | bench SPEC   see TrainCommands.cpp
// strata search                               see SearchCommand.cpp
//
// Exit codes (DESIGN.md): 0 success, 1 a user error with a diagnostic, 2 an
// internal error. Nothing is written when a command fails.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"
#include "Compiler.h"
#include "TopKKernels.h"
#include "Error.h"
#include "Graph.h"
#include "Gradcheck.h"
#include "MLIRGen.h"
#include "PlotCommand.h"
#include "SearchCommand.h"
#include "ServeCommand.h"
#include "Spec.h"
#include "TrainCommands.h"
#include "Trainer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

using namespace strata::frontend;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

const char *kUsage = R"(usage: strata <command> [options]

commands:
  check SPEC [--json]                 parse, infer shapes; print every value's shape,
                                      the parameter count and forward FLOPs per step
  check SPEC --memory [--batch B] [--json]
                                      the GPU path's memory plan per call: arenas,
                                      planned scratch bytes, kernels, cuBLASLt calls
  emit SPEC --stage=S [--locations] [--batch B] [--matmul=blas|loops]
                                      print the program after stage S: graph, strata,
                                      train (after autodiff); CPU: loops, llvm;
                                      GPU: fused, gpu, nvvm, ptx (--chip=sm_90)
  emit --kernels=top-k --stage=gpu|nvvm|ptx [--chip=sm_90]
                                      exact search's GPU top-k kernels after a stage
  fmt SPEC --to=json|dsl [-o FILE]    print SPEC in the other form
  gradcheck SPEC [--samples N] [--batch B] [--seed S] [--json]
                                      autodiff against central differences in f64:
                                      |difference| <= 1e-10 max(1, |loss|) + 1e-6 scale
  train SPEC [--target=cpu|cuda] [--epochs E | --steps N] [--batch B] [--seed S]
             [--checkpoint DIR] [--checkpoint-every N] [--resume] [--log FILE.jsonl]
             [--init PARAMS.safetensors] [--chip=sm_90] [--quiet] [--json]
                                      train; a progress bar on a terminal; checkpoints
                                      go to DIR (default runs/MODEL) every epoch; --init
                                      starts from the parameters of a .safetensors file
                                      (a checkpoint, or PyTorch's with the same names);
                                      --target=cuda trains on GPU 0 (CUDA graphs; its log
                                      has the loss, not grad_norm or the metrics)
  eval SPEC [--checkpoint DIR] [--probe linear|knn] [--k K] [--json]
                                      test loss, and linear-probe / kNN test accuracy
                                      of the @represent value
  embed SPEC [--checkpoint DIR] --out FILE.npy [--split test|train]
                                      the @represent value of every row, as .npy
  embed SPEC [--checkpoint DIR] --out FILE.npy --split vocabulary [--vocab WORDS.txt]
                                      a word-embedding model's vector of every word
                                      (and the words, one a line, in row order)
  search --index FILE.npy (--query ROW | --query-file Q.npy) [--k K]
         [--exact | --approximate] [--ef N] [--ef-construction N] [--hnsw-m N]
         [--metric cosine|ip] [--target=cpu|cuda] [--json]
                                      the K nearest rows of an embedding file: exact
                                      below 20000 rows, else an HNSW graph (hnswlib)
                                      whose recall@K against exact search is printed;
                                      with a GPU visible, exact on it at every size
  search SPEC [--checkpoint DIR] (--word W[,W...] | --analogy "A - B + C") [--k K]
                                      a word-embedding model's nearest words
  search SPEC [--checkpoint DIR] --text "QUERY" [--split all|train|test]
         [--index VERSES.npy] [--k K] a text model's nearest verses to a query (the
                                      index: `strata embed --split` of the same split)
  plot SPEC [--checkpoint DIR] --out FILE.png [--method pca|tsne] [--split test|train]
       [--points N] [--seed S]        the embeddings of a split in the plane, coloured by
                                      label: FILE.png and FILE.svg (cairo)
  plot --log FILE.jsonl --out FILE.png
                                      every series of a training log against the step
  serve SPEC [--checkpoint DIR] [--host 127.0.0.1] [--port 8765] [--method pca|tsne]
        [--split test|train] [--points N]
                                      a local web page exploring the embeddings: the
                                      plane, each item on hover, neighbours on click,
                                      a search box for text models (--port 0: any free)
  tokenize SPEC [-o tokenizer.json] [--dump TEXTS.jsonl] [--rows ROWS.npy]
         [--split train|test]         the BPE tokenizer of the spec's text data (a
                                      Hugging Face tokenizer.json), each text's ids,
                                      and the token rows the model reads
  compile SPEC --target=cuda -o DIR [--batch B] [--chip=sm_90] [--steps N|--epochs E] [--timing]
                                      a bundle: manifest.json (the GPU step's schedule:
                                      launches and cuBLASLt calls) and kernels.ptx; the
                                      learning-rate schedule spans the run that --steps or
                                      --epochs give (the spec's without), as for train;
                                      --timing: each pass's time, and ptxas's, on stderr
  bench SPEC [--target=cpu] [--batch B] [--steps N] [--warmup W] [--matmul=blas|loops]
                                      one JSON line: train-step time, compile time, memory
  bench SPEC --dry [--target=cuda] [--chip=sm_90] [--batch B] [--json]
                                      the GPU train step compiled, not run: each kernel
                                      and cuBLASLt call in launch order (threads, bytes,
                                      FLOPs, spec lines, time on the chip's roofline),
                                      the heaviest, the estimated step, the arena; a
                                      warning for each serial launch

SPEC is a .strata (DSL) or .json file.
)";

int runCheck(const Options &options) {
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
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

/// `emit --kernels=top-k`: exact search's GPU kernels, which no spec has.
int runEmitKernels(const Options &options, const std::string &stage) {
  std::string kernels = options.get("--kernels");
  if (kernels != "top-k")
    throw UsageError{"unknown kernels '" + kernels + "' (available: top-k)"};
  if (!options.spec.empty())
    throw UsageError{"'emit --kernels' takes no SPEC"};
  static const std::map<std::string, strata::compiler::Stage> stages = {
      {"gpu", strata::compiler::Stage::Gpu},
      {"nvvm", strata::compiler::Stage::NVVM},
      {"ptx", strata::compiler::Stage::PTX}};
  auto it = stages.find(stage);
  if (it == stages.end())
    throw UsageError{"the top-k kernels have the stages gpu, nvvm and ptx, not '" + stage + "'"};
  try {
    std::cout << strata::compiler::emitTopKKernels(it->second, chipFlag(options));
  } catch (const strata::compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  return 0;
}

int runEmit(const Options &options) {
  auto stage = options.flags.find("--stage");
  if (stage == options.flags.end())
    throw UsageError{"'emit' needs --stage=graph|strata|train|loops|llvm|fused|gpu|nvvm|ptx"};
  if (options.has("--kernels"))
    return runEmitKernels(options, stage->second);
  if (options.spec.empty())
    throw UsageError{"'emit' needs a spec file (or --kernels=top-k)"};
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
  bool locations = options.has("--locations");
  if (stage->second == "graph") {
    std::cout << graphToJson(graph);
    return 0;
  }
  if (stage->second == "strata") {
    mlir::MLIRContext context;
    std::string diagnostics;
    mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
      llvm::raw_string_ostream os(diagnostics);
      os << d.getLocation() << ": " << d << "\n";
      return mlir::success();
    });
    auto module = mlirGen(context, graph);
    if (!module)
      throw InternalError{"the generated module does not verify:\n" + diagnostics};
    mlir::OpPrintingFlags flags;
    if (locations)
      flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
    module->print(llvm::outs(), flags);
    llvm::outs() << "\n";
    llvm::outs().flush();
    return 0;
  }
  static const std::map<std::string, strata::compiler::Stage> stages = {
      {"train", strata::compiler::Stage::Train},
      {"loops", strata::compiler::Stage::Loops},
      {"llvm", strata::compiler::Stage::LLVM},
      {"fused", strata::compiler::Stage::Fused},
      {"gpu", strata::compiler::Stage::Gpu},
      {"nvvm", strata::compiler::Stage::NVVM},
      {"ptx", strata::compiler::Stage::PTX}};
  auto it = stages.find(stage->second);
  if (it == stages.end())
    throw UsageError{"unknown stage '" + stage->second +
                     "' (available: graph, strata, train, loops, llvm, fused, gpu, nvvm, ptx)"};
  if (!graph.train.present)
    throw UsageError{"stage '" + stage->second + "' needs a train section (the optimizer and the batch)"};
  strata::compiler::CompileOptions compileOptions;
  compileOptions.batch = options.intFlag("--batch", graph.train.batch);
  compileOptions.blas = blasFlag(options);
  compileOptions.chip = chipFlag(options);
  try {
    std::cout << strata::compiler::emitStage(graph, compileOptions, it->second, locations);
  } catch (const strata::compiler::CompileError &e) {
    throw InternalError{e.message};
  }
  return 0;
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

int runGradcheck(const Options &options) {
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
  strata::tools::GradcheckOptions g;
  g.batch = options.intFlag("--batch", 4);
  g.samples = static_cast<int>(options.intFlag("--samples", 8));
  g.seed = options.intFlag("--seed", 0);
  g.json = options.flags.count("--json") != 0;
  if (g.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  try {
    return strata::tools::gradcheck(graph, options.spec, g);
  } catch (const strata::compiler::CompileError &e) {
    throw InternalError{e.message};
  }
}

/// The lines of the usage that describe `command`: each of its entries, with
/// their continuation lines. Empty for an unknown command.
std::string commandUsage(const std::string &command) {
  std::string out, line;
  bool inside = false;
  for (const char *p = kUsage; *p; ++p) {
    if (*p != '\n') {
      line += *p;
      continue;
    }
    bool entry = line.size() > 2 && line.compare(0, 2, "  ") == 0 && line[2] != ' ';
    if (entry)
      inside = line.compare(2, command.size() + 1, command + " ") == 0;
    else if (line.compare(0, 2, "  ") != 0)
      inside = false;
    if (inside)
      out += line + "\n";
    line.clear();
  }
  return out;
}

/// A command that starts from a spec's graph.
template <typename Command> int withGraph(const Options &options, Command command) {
  Spec spec = loadSpec(options.spec);
  Graph graph = buildGraph(spec, prelude());
  return command(options, graph);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 1 : 0;
  }
  std::string command = argv[1];
  for (int k = 2; k < argc; ++k)
    if (std::string(argv[k]) == "--help" || std::string(argv[k]) == "-h") {
      std::string usage = commandUsage(command);
      if (usage.empty()) {
        std::cerr << "strata: error: unknown command '" << command << "' (see strata --help)\n";
        return 1;
      }
      std::cout << "usage: strata " << usage.substr(2);
      return 0;
    }
  try {
    if (command == "check")
      return runCheck(parseArgs(argc, argv, {{"--json", false}, {"--memory", false}, {"--batch", true}}));
    if (command == "emit")
      return runEmit(parseArgs(argc, argv, {{"--stage", true}, {"--locations", false},
                                            {"--batch", true}, {"--matmul", true},
                                            {"--chip", true}, {"--kernels", true}},
                                   /*needsSpec=*/false));
    if (command == "gradcheck")
      return runGradcheck(parseArgs(argc, argv, {{"--samples", true}, {"--batch", true},
                                                 {"--seed", true}, {"--json", false}}));
    if (command == "fmt")
      return runFmt(parseArgs(argc, argv, {{"--to", true}, {"-o", true}}));
    if (command == "train")
      return withGraph(parseArgs(argc, argv, {{"--target", true}, {"--epochs", true},
                                              {"--steps", true}, {"--batch", true},
                                              {"--seed", true}, {"--checkpoint", true},
                                              {"--checkpoint-every", true}, {"--resume", false}, {"--init", true},
                                              {"--log", true}, {"--quiet", false},
                                              {"--matmul", true}, {"--json", false}}),
                       runTrain);
    if (command == "eval")
      return withGraph(parseArgs(argc, argv, {{"--checkpoint", true}, {"--probe", true},
                                              {"--k", true}, {"--json", false}}),
                       runEval);
    if (command == "embed")
      return withGraph(parseArgs(argc, argv, {{"--checkpoint", true}, {"--out", true},
                                              {"--split", true}, {"--vocab", true}}),
                       runEmbed);
    if (command == "tokenize")
      return withGraph(parseArgs(argc, argv, {{"-o", true}, {"--dump", true}, {"--rows", true}, {"--split", true}}),
                       runTokenize);
    if (command == "compile")
      return withGraph(parseArgs(argc, argv, {{"--target", true}, {"-o", true}, {"--batch", true},
                                              {"--chip", true}, {"--steps", true}, {"--epochs", true},
                                              {"--timing", false}}),
                       runCompile);
    if (command == "search")
      return runSearch(parseArgs(argc, argv, {{"--index", true}, {"--query", true},
                                              {"--query-file", true}, {"--k", true},
                                              {"--exact", false}, {"--approximate", false},
                                              {"--ef", true}, {"--ef-construction", true},
                                              {"--hnsw-m", true}, {"--metric", true},
                                              {"--checkpoint", true}, {"--word", true},
                                              {"--analogy", true}, {"--text", true}, {"--target", true},
                                              {"--split", true}, {"--json", false}},
                                 /*needsSpec=*/false));
    if (command == "plot")
      return runPlot(parseArgs(argc, argv, {{"--checkpoint", true}, {"--out", true}, {"--method", true},
                                            {"--split", true}, {"--points", true}, {"--seed", true},
                                            {"--log", true}},
                               /*needsSpec=*/false));
    if (command == "serve")
      return withGraph(parseArgs(argc, argv, {{"--checkpoint", true}, {"--host", true}, {"--port", true},
                                              {"--method", true}, {"--split", true}, {"--points", true},
                                              {"--seed", true}}),
                       runServe);
    if (command == "bench")
      return withGraph(parseArgs(argc, argv, {{"--target", true}, {"--batch", true},
                                              {"--steps", true}, {"--warmup", true},
                                              {"--matmul", true}, {"--dry", false},
                                              {"--chip", true}, {"--json", false}}),
                       runBench);
    throw UsageError{"unknown command '" + command + "' (see strata --help)"};
  } catch (const SpecError &error) {
    std::cerr << error.render();
    return 1;
  } catch (const UsageError &error) {
    std::cerr << "strata: error: " << error.message << "\n";
    return 1;
  } catch (const strata::runtime::Error &error) {
    std::cerr << "strata: error: " << error.message << "\n";
    return 1;
  } catch (const DivergenceError &error) {
    std::cerr << "strata: error: training diverged at step " << error.step << ": "
              << error.message << "\n";
    return 1;
  } catch (const InternalError &error) {
    std::cerr << "strata: internal error: " << error.message << "\n";
    return 2;
  } catch (const std::exception &error) {
    std::cerr << "strata: internal error: " << error.what() << "\n";
    return 2;
  }
}
