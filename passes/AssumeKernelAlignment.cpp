//===- AssumeKernelAlignment.cpp - kernels' buffers start 16-byte aligned -===//
//
// A vector.load of vector<4xf32> lowers to an LLVM load aligned to 4 bytes
// (the element's), which NVPTX splits into four scalar loads; it emits one
// ld.global.v4.f32 only where it can prove 16-byte alignment. The CUDA
// runtime gives every buffer argument of a kernel a 16-byte-aligned base:
// buffers come from cuMemAlloc (256-byte aligned) and views into the arena
// start at planned offsets that are multiples of 256 (strata-plan-memory;
// bundleManifest checks it). This pass states that as memref.assume_alignment
// at the top of each kernel that has vector accesses, and the static offsets
// in the memref types (multiples of 4 where strata-vectorize-elementwise
// made vector accesses) carry it to every access.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAASSUMEKERNELALIGNMENT
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;

namespace {

/// The alignment, in bytes, the runtime guarantees each kernel buffer's base.
constexpr unsigned kBaseAlignment = 16;

struct AssumeKernelAlignmentPass
    : public mlir::strata::impl::StrataAssumeKernelAlignmentBase<AssumeKernelAlignmentPass> {
  void runOnOperation() override {
    getOperation()->walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return;
      bool vectorAccess = false;
      kernel.walk([&](Operation *op) { vectorAccess |= isa<vector::LoadOp, vector::StoreOp>(op); });
      if (!vectorAccess)
        return;
      OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
      for (BlockArgument arg : kernel.getArguments())
        if (isa<MemRefType>(arg.getType()))
          b.create<memref::AssumeAlignmentOp>(kernel.getLoc(), arg, kBaseAlignment);
    });
  }
};

} // namespace
