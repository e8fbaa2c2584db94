//===- Compiler.h - a spec to JIT-compiled CPU functions --------*- C++ -*-===//
//
// The JIT path of `strata train`, `eval`, `embed` and `gradcheck`: the graph
// goes through MLIRGen, the train pipeline (fix the batch, autodiff, bind the
// arena) and the CPU pipeline (decompose, linalg, bufferize, loops, LLVM), and
// MLIR's ExecutionEngine compiles the result. Callers get runtime::Function
// handles, which carry no LLVM types.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "CompileOptions.h"
#include "Dataset.h"
#include "Function.h"
#include "Graph.h"
#include "KernelCosts.h"
#include "ParamInit.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace strata::compiler {

/// What one compiled function of the GPU path does per call, read from the
/// program at stage `gpu` (no GPU needed).
struct GpuFunctionReport {
  std::string name;
  int64_t kernels = 0;       // gpu.launch_func per call
  int64_t libraryCalls = 0;  // cuBLASLt GEMMs per call
  int64_t paramsBytes = 0, optStateBytes = 0, gradsBytes = 0;
  int64_t scratchBytes = 0;    // the liveness-planned arena
  int64_t unplannedBytes = 0;  // separate allocations would take this
  int64_t buffers = 0;         // buffers placed in the arena
};

std::vector<GpuFunctionReport> gpuReport(const frontend::Graph &graph, const CompileOptions &options);

/// The estimated cost of each launch of the GPU train step on `chip`
/// (KernelCosts.h), with the memory report of every function.
struct GpuCostReport {
  std::vector<GpuFunctionReport> functions;
  StepCost trainStep;
};
GpuCostReport gpuCostReport(const frontend::Graph &graph, const CompileOptions &options, const ChipModel &chip);



/// A GPU program as text: the bundle manifest (schedule and parameter
/// layout; runtime/Bundle.h reads it) and its kernels' PTX.
struct CudaBundleText {
  std::string manifest, ptx;
  std::string cubin; // the kernels assembled for the chip; empty without ptxas
  std::string cubinFile; // its name in a bundle: kernels.<chip>.cubin
};
CudaBundleText compileCudaBundle(const frontend::Graph &graph, const CompileOptions &options);

/// `strata compile --target=cuda`: writes DIR/manifest.json, DIR/kernels.ptx
/// and, where ptxas is installed, DIR/kernels.<chip>.cubin, whose name it
/// returns (empty when there is none). Writes into DIR.tmp and renames, so a
/// failure leaves no partial bundle.
std::string writeCudaBundle(const frontend::Graph &graph, const CompileOptions &options, const std::string &dir);

/// The module after `stage`, printed (with locations when asked); for PTX,
/// the PTX text of the program's one kernel module.
std::string emitStage(const frontend::Graph &graph, const CompileOptions &options, Stage stage,
                      bool locations);

class Program {
public:
  /// Compiles `graph`; throws CompileError with the compiler's diagnostics.
  static std::unique_ptr<Program> compile(const frontend::Graph &graph,
                                          const CompileOptions &options);
  ~Program();

  /// A compiled function by name (train_step, grad_step, forward).
  const runtime::Function &function(const std::string &name) const;
  bool has(const std::string &name) const { return functions_.count(name) != 0; }
  const std::vector<runtime::ParamEntry> &params() const { return params_; }
  int64_t arenaSize() const { return arenaSize_; }
  /// Seconds spent in MLIR passes and in LLVM code generation.
  double passSeconds() const { return passSeconds_; }
  double codegenSeconds() const { return codegenSeconds_; }

private:
  Program();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::map<std::string, runtime::Function> functions_;
  std::vector<runtime::ParamEntry> params_;
  int64_t arenaSize_ = 0;
  double passSeconds_ = 0, codegenSeconds_ = 0;
};

} // namespace strata::compiler
