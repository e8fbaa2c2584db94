//===- SinkScalars.cpp - scalar host computations into the kernels --------===//
//
// After mapping, a host function can still compute scalars that kernels take
// as arguments: Adam's bias corrections and the learning-rate schedule are
// functions of the step. Cloning every side-effect-free scalar computation a
// launch uses into the launch body (each kernel recomputes it, a few flops
// per thread) leaves the host with nothing to compute: constants, views of its
// buffers, launches and library calls, a fixed schedule that can be written
// down as data or captured once as a CUDA graph. Only the function's own
// arguments (buffers, seed, step) cross into a kernel.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATASINKSCALARS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

bool isScalar(Type t) { return t.isIntOrIndexOrFloat(); }

/// A side-effect-free op without regions whose results are all scalars.
bool isSinkable(Operation *op) {
  return op && op->getNumRegions() == 0 && isMemoryEffectFree(op) &&
         llvm::all_of(op->getResultTypes(), isScalar);
}

struct SinkScalarsPass : public mlir::strata::impl::StrataSinkScalarsBase<SinkScalarsPass> {
  void runOnOperation() override {
    getOperation()->walk([&](gpu::LaunchOp launch) { sink(launch); });
  }

  void sink(gpu::LaunchOp launch) {
    Region &body = launch.getBody();
    // The sinkable ops the body uses, operands before users.
    SetVector<Operation *> toClone;
    std::function<void(Value)> visit = [&](Value v) {
      Operation *def = v.getDefiningOp();
      if (!isSinkable(def) || toClone.contains(def) || body.isAncestor(def->getParentRegion()))
        return;
      for (Value operand : def->getOperands())
        visit(operand);
      toClone.insert(def);
    };
    body.walk([&](Operation *op) {
      for (Value operand : op->getOperands())
        if (!body.isAncestor(operand.getParentRegion()))
          visit(operand);
    });
    if (toClone.empty())
      return;
    OpBuilder b = OpBuilder::atBlockBegin(&body.front());
    IRMapping mapping;
    for (Operation *op : toClone) {
      Operation *clone = b.clone(*op, mapping);
      for (auto [from, to] : llvm::zip(op->getResults(), clone->getResults()))
        replaceAllUsesInRegionWith(from, to, body);
    }
  }
};

} // namespace
