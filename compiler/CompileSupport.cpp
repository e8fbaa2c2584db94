//===- CompileSupport.cpp - what every compile of the compiler shares -----===//

#include "CompileSupport.h"

#include "CompileOptions.h"
#include "Pipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace strata::compiler;

CompileContext::CompileContext(mlir::DialectRegistry &registry)
    : context(registry), handler(&context, [this](mlir::Diagnostic &d) {
        llvm::raw_string_ostream os(diagnostics);
        os << d.getLocation() << ": " << d.str() << "\n";
        return mlir::success();
      }) {}

mlir::DialectRegistry strata::compiler::compilerRegistry() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::strata::registerCompilerPasses();
  });
  mlir::DialectRegistry registry;
  mlir::strata::registerCompilerDialects(registry);
  return registry;
}

namespace {
bool passTimesWanted = false;
} // namespace

void strata::compiler::reportPassTimes() { passTimesWanted = true; }
bool strata::compiler::passTimesReported() { return passTimesWanted; }

void strata::compiler::runPipeline(mlir::ModuleOp module, const std::string &pipeline, std::string &diagnostics) {
  mlir::PassManager pm(module.getContext());
  std::string parseError;
  llvm::raw_string_ostream errs(parseError);
  // The pipelines are spelled builtin.module(...) for strata-opt; the pass
  // manager already anchors on the module, so parse what is inside.
  std::string inner = pipeline;
  const std::string prefix = "builtin.module(";
  if (inner.rfind(prefix, 0) == 0 && inner.back() == ')')
    inner = inner.substr(prefix.size(), inner.size() - prefix.size() - 1);
  if (mlir::failed(mlir::parsePassPipeline(inner, pm, errs)))
    throw CompileError{"internal: bad pipeline '" + pipeline + "': " + parseError};
  if (passTimesWanted) { // printed when the pass manager goes, at the end of this call
    auto timing = std::make_unique<mlir::DefaultTimingManager>();
    timing->setEnabled(true);
    timing->setDisplayMode(mlir::DefaultTimingManager::DisplayMode::List);
    pm.enableTiming(std::move(timing));
  }
  if (mlir::failed(pm.run(module)))
    throw CompileError{diagnostics.empty() ? "compilation failed" : diagnostics};
}

std::string strata::compiler::ptxOf(mlir::ModuleOp module) {
  std::string text;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute a : binary.getObjects()) {
      auto object = mlir::cast<mlir::gpu::ObjectAttr>(a);
      if (object.getFormat() != mlir::gpu::CompilationTarget::Assembly)
        continue;
      llvm::StringRef ptx = object.getObject().getValue();
      text += ptx.rtrim('\0').str();
    }
  });
  return text;
}
