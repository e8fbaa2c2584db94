//===- MergeKernelModules.cpp - every kernel in one gpu.module ------------===//
//
// gpu-kernel-outlining puts each kernel into a gpu.module of its own; this
// pass moves them all into `@strata_kernels` and retargets every launch, so a
// compiled program carries one PTX module (one ptxas run, one module load).
// Each kernel is renamed after the module outlining made for it, which is
// unique in the program.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAMERGEKERNELMODULES
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

constexpr StringLiteral kMerged = "strata_kernels";

struct MergeKernelModulesPass
    : public mlir::strata::impl::StrataMergeKernelModulesBase<MergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> sources(module.getOps<gpu::GPUModuleOp>());
    if (sources.empty())
      return;
    if (module.lookupSymbol(kMerged)) {
      module.emitError("strata-merge-kernel-modules: the symbol @") << kMerged << " is taken";
      return signalPassFailure();
    }
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto merged = b.create<gpu::GPUModuleOp>(module.getLoc(), kMerged, sources.front().getTargetsAttr());
    Operation *end = merged.getBody()->getTerminator();
    // Outlining names every kernel after its function (@forward_kernel) and
    // makes the modules unique (@forward_kernel_3): a kernel takes its
    // module's name, or module_kernel when a module holds several.
    llvm::DenseMap<std::pair<StringRef, StringRef>, StringAttr> renamed;
    DenseSet<StringAttr> taken;
    for (gpu::GPUModuleOp source : sources) {
      SmallVector<Operation *> kernels;
      for (Operation &op : source.getBody()->without_terminator())
        kernels.push_back(&op);
      for (Operation *op : kernels) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (symbol) {
          std::string name = source.getName().str();
          if (kernels.size() > 1)
            name += "_" + symbol.getName().str();
          StringAttr newName = b.getStringAttr(name);
          if (!taken.insert(newName).second) {
            op->emitError("strata-merge-kernel-modules: two kernels would be named @") << name;
            return signalPassFailure();
          }
          renamed[{source.getName(), symbol.getName()}] = newName;
          SymbolTable::setSymbolName(op, newName);
        }
        op->moveBefore(end);
      }
    }
    WalkResult missing = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find({launch.getKernelModuleName().getValue(), launch.getKernelName().getValue()});
      if (it == renamed.end()) {
        launch.emitError("strata-merge-kernel-modules: launches an unknown kernel");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(merged.getNameAttr(), {FlatSymbolRefAttr::get(it->second)}));
      return WalkResult::advance();
    });
    if (missing.wasInterrupted())
      return signalPassFailure();
    for (gpu::GPUModuleOp source : sources)
      source.erase();
  }
};

} // namespace
