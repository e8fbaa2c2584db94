//===- TopKKernels.cpp - the GPU exact search's kernels, compiled ---------===//

#include "TopKKernels.h"

#include "CompileSupport.h"
#include "Error.h"
#include "Pipelines.h"
#include "TopKSource.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

using namespace strata;
using namespace strata::compiler;

namespace {

mlir::OwningOpRef<mlir::ModuleOp> lowerTopKKernels(CompileContext &cc, mlir::strata::GpuStage stage,
                                                   const std::string &chip) {
  auto module = mlir::parseSourceString<mlir::ModuleOp>(kTopKKernelSource, &cc.context);
  if (!module)
    throw CompileError{"internal: compiler/kernels/top-k.mlir does not parse:\n" + cc.diagnostics};
  mlir::strata::GpuPipelineOptions gpu;
  gpu.chip = chip;
  gpu.stopAfter = stage;
  runPipeline(*module, mlir::strata::topKKernelsPipeline(gpu), cc.diagnostics);
  return module;
}

/// Which argument of `host` `value` is; -1 when it is not one.
int argumentIndex(mlir::func::FuncOp host, mlir::Value value) {
  auto arg = mlir::dyn_cast<mlir::BlockArgument>(value);
  if (!arg || arg.getOwner() != &host.getBody().front())
    return -1;
  return static_cast<int>(arg.getArgNumber());
}

runtime::LaunchExtent extentOf(mlir::func::FuncOp host, mlir::Value value) {
  runtime::LaunchExtent extent;
  extent.arg = argumentIndex(host, value);
  if (extent.arg >= 0)
    return extent;
  auto constant = value.getDefiningOp<mlir::arith::ConstantIndexOp>();
  if (!constant)
    throw CompileError{"internal: a launch extent of @" + host.getSymName().str() +
                       " is neither an argument nor a constant"};
  extent.value = constant.value();
  return extent;
}

/// The launch plan of `host`, which must launch one kernel whose parameters
/// and extents are its own arguments or constants, in x only.
runtime::KernelLaunchPlan launchPlanOf(mlir::func::FuncOp host) {
  std::string name = host.getSymName().str();
  mlir::gpu::LaunchFuncOp launch;
  int launches = 0;
  host.walk([&](mlir::gpu::LaunchFuncOp op) {
    launch = op;
    ++launches;
  });
  if (launches != 1)
    throw CompileError{"internal: @" + name + " launches " + std::to_string(launches) + " kernels, not one"};
  runtime::KernelLaunchPlan plan;
  plan.kernel = launch.getKernelName().str();
  for (mlir::Value operand : launch.getKernelOperands()) {
    int arg = argumentIndex(host, operand);
    if (arg < 0)
      throw CompileError{"internal: a parameter of " + plan.kernel + " is not an argument of @" + name};
    plan.params.push_back(arg);
  }
  mlir::gpu::KernelDim3 grid = launch.getGridSizeOperandValues(), block = launch.getBlockSizeOperandValues();
  for (mlir::Value unit : {grid.y, grid.z, block.y, block.z}) {
    runtime::LaunchExtent e = extentOf(host, unit);
    if (e.arg >= 0 || e.value != 1)
      throw CompileError{"internal: " + plan.kernel + " is launched beyond the x dimension"};
  }
  plan.blocks = extentOf(host, grid.x);
  plan.threads = extentOf(host, block.x);
  return plan;
}

} // namespace

runtime::TopKKernels strata::compiler::compileTopKKernels(const std::string &chip) {
  mlir::DialectRegistry registry = compilerRegistry();
  CompileContext cc(registry);
  auto module = lowerTopKKernels(cc, mlir::strata::GpuStage::PTX, chip);
  runtime::TopKKernels kernels;
  kernels.ptx = ptxOf(*module);
  for (auto host : module->getOps<mlir::func::FuncOp>())
    kernels.functions[host.getSymName().str()] = launchPlanOf(host);
  return kernels;
}

std::string strata::compiler::emitTopKKernels(Stage stage, const std::string &chip) {
  mlir::strata::GpuStage gpuStage;
  switch (stage) {
  case Stage::Gpu: gpuStage = mlir::strata::GpuStage::Gpu; break;
  case Stage::NVVM: gpuStage = mlir::strata::GpuStage::NVVM; break;
  case Stage::PTX: gpuStage = mlir::strata::GpuStage::PTX; break;
  default: throw runtime::Error("the top-k kernels have the stages gpu, nvvm and ptx");
  }
  mlir::DialectRegistry registry = compilerRegistry();
  CompileContext cc(registry);
  auto module = lowerTopKKernels(cc, gpuStage, chip);
  if (stage == Stage::PTX)
    return ptxOf(*module);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  os << "\n";
  return text;
}
