//===- SerialKernels.cpp - what no parallel loop covers, as 1-thread kernels ===//
//
// After the parallel loops become gpu.launch ops, a host function can still
// hold code that touches buffers: reductions over every dimension (the loss,
// the gradient norm) are sequential loops, and 0-d ops are plain loads and
// stores. On the GPU path every buffer is device memory, so such code must run
// on the device. This pass wraps each maximal run of it in a gpu.launch of one
// block of one thread: correct, and slow where the run is long. On the GPU
// pipeline strata-reduction-kernels has made the reductions kernels before
// this runs, so what is left here is small (0-d fills, scalar updates).
//
// A run is a sequence of top-level ops of the function body between two
// barriers (a launch, a call, the return, or any other op with effects that is
// not buffer code). Side-effect-free ops that sit inside a run but depend on
// nothing in it (constants, views, scalar math on the step) stay on the host;
// those that depend on the run move into the kernel with it. A value computed
// in a run and needed by the host afterwards is an error: the host cannot read
// device memory.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATASERIALKERNELS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// Ops that stay on the host and end a run.
bool isBarrier(Operation *op) {
  return isa<gpu::LaunchOp, gpu::LaunchFuncOp, func::CallOp, func::ReturnOp>(op);
}

/// Buffer code: loads, stores, and loops or branches around them.
bool isBufferCode(Operation *op) {
  bool touches = false;
  op->walk([&](Operation *inner) {
    if (isa<memref::LoadOp, memref::StoreOp>(inner))
      touches = true;
  });
  return touches;
}

bool isSideEffectFree(Operation *op) { return op->getNumRegions() == 0 && isMemoryEffectFree(op); }

struct SerialKernelsPass : public mlir::strata::impl::StrataSerialKernelsBase<SerialKernelsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    SmallVector<Operation *> run;
    DenseSet<Operation *> inRun;
    bool failedRun = false;
    auto flush = [&]() {
      if (!run.empty() && failed(wrap(run)))
        failedRun = true;
      run.clear();
      inRun.clear();
    };
    for (Operation &op : llvm::make_early_inc_range(func.getBody().front())) {
      if (isBarrier(&op)) {
        flush();
      } else if (isBufferCode(&op)) {
        run.push_back(&op);
        inRun.insert(&op);
      } else if (isSideEffectFree(&op)) {
        bool dependsOnRun = llvm::any_of(op.getOperands(), [&](Value v) {
          return v.getDefiningOp() && inRun.contains(v.getDefiningOp());
        });
        if (dependsOnRun) {
          run.push_back(&op);
          inRun.insert(&op);
        }
      } else {
        flush();
      }
    }
    flush();
    if (failedRun)
      signalPassFailure();
  }

  /// Moves `run` into a one-thread launch placed where its last op was.
  LogicalResult wrap(ArrayRef<Operation *> run) {
    Operation *last = run.back();
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    Location loc = run.front()->getLoc();
    Value one = b.create<arith::ConstantIndexOp>(loc, 1);
    auto launch = b.create<gpu::LaunchOp>(loc, one, one, one, one, one, one);
    Block &body = launch.getBody().front();
    b.setInsertionPointToEnd(&body);
    auto terminator = b.create<gpu::TerminatorOp>(loc);
    for (Operation *op : run)
      op->moveBefore(terminator);
    for (Operation *op : run)
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers())
          if (!launch->isProperAncestor(user))
            return op->emitOpError("strata-serial-kernels: the host needs this value after the "
                                   "device computes it");
    return success();
  }
};

} // namespace
