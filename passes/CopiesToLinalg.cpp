//===- CopiesToLinalg.cpp - memref.copy as linalg.copy --------------------===//
//
// Bufferization and buffer-results-to-out-params copy with memref.copy, which
// the CPU path lowers to a loop or memcpy on the host. On the GPU path every
// buffer is device memory, so a copy must become a kernel like any other
// elementwise op: as linalg.copy it follows the linalg ops to parallel loops
// and onto the GPU.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATACOPIESTOLINALG
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {
struct CopiesToLinalgPass : public mlir::strata::impl::StrataCopiesToLinalgBase<CopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      b.create<linalg::CopyOp>(copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
