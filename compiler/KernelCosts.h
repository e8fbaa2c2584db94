//===- KernelCosts.h - what each launch of a GPU step costs, without a GPU -===//
//
// `strata bench --dry` reads the GPU program at stage `gpu` and, for every
// kernel launch and cuBLASLt call of a function in launch order, says how
// many threads it runs, what memory it touches, how many FLOPs it does, which
// spec lines it came from, and how long a roofline of the named chip says it
// takes. The figures and the calibration against a measured H200 step are in
// KernelCosts.cpp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace strata::compiler {

/// A GPU's figures for the estimate.
struct ChipModel {
  std::string chip, name;
  int sms = 0;
  double hbmBytesPerSecond = 0;
  double fp32FlopsPerSecond = 0;      // SIMT fp32 (Strata's GEMMs run with TF32 off)
  double gemmEfficiency = 0;          // the share of that peak cuBLASLt's fp32 GEMMs reach
  double launchSeconds = 0;           // one node of a replayed CUDA graph
  double smAccessesPerSecond = 0;     // loads and stores one busy SM retires (cache hits)
  double threadAccessesPerSecond = 0; // one thread alone, each access waiting on the last
};

/// The model of `chip` (sm_80, sm_90), or null.
const ChipModel *chipModel(const std::string &chip);
/// The chips chipModel knows, for error messages.
std::string knownCostChips();

/// One launch of a step: a generated kernel or a cuBLASLt GEMM.
struct LaunchCost {
  bool gemm = false;
  std::string name;   // kernel symbol, or the cuBLASLt entry point
  std::string origin; // spec locations the launch came from ("" when none)
  int64_t grid = 0, block = 0, threads = 0;
  double accessesPerThread = 0; // element loads and stores one thread makes
  double bytesRead = 0, bytesWritten = 0;
  double flops = 0;
  bool dataDependentLoops = false; // a loop bound read from memory (counted once)
  int64_t m = 0, n = 0, k = 0, batch = 1; // GEMMs
  double seconds = 0;
  std::string bound; // what sets the estimate: memory, compute, issue, launch
  /// Fewer threads than one wave (SMs x 128) over more than a million
  /// elements' bytes: the launch is serial, or nearly.
  bool serial = false;
};

struct StepCost {
  std::vector<LaunchCost> launches; // in launch order
  double seconds = 0;               // kernels and GEMMs
  double kernelSeconds = 0, gemmSeconds = 0;
};

/// The launches of `func` (a host function at stage gpu in `module`) with
/// their estimates on `chip`.
StepCost estimateStepCost(mlir::ModuleOp module, mlir::func::FuncOp func, const ChipModel &chip);

} // namespace strata::compiler
