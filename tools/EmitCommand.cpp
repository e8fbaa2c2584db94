//===- EmitCommand.cpp - strata emit --------------------------------------===//
//
// strata emit SPEC --stage=S: the program after a stage, graph (the spec's
// graph as JSON), strata (the dialect), train (after autodiff), the CPU's
// loops and llvm, the GPU's fused, gpu, nvvm and ptx. --kernels=top-k: exact
// search's GPU kernels, which no spec has.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "ModelAccess.h"

#include "MLIRGen.h"
#include "Spec.h"
#include "TopKKernels.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>
#include <map>

using namespace strata;
using namespace strata::frontend;
using namespace strata::tools;

namespace {

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

} // namespace

int strata::tools::runEmit(const Options &options) {
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
