//===- MatmulToBlas.cpp - 2-D linalg matmuls on memrefs to BLAS calls -----===//
//
// After bufferization, rewrites linalg.matmul, linalg.matmul_transpose_a and
// linalg.matmul_transpose_b on f32/f64 memrefs into calls of
// `strata_gemm_f32/f64(A, B, C, transpose_a, transpose_b, accumulate)`, which
// computes C = op(A) op(B) (+ C when accumulate: linalg's semantics). When
// the op that last wrote C is a fill with zero, the fill is dropped and the
// call does not accumulate (beta = 0): one pass over C instead of two, and on
// the GPU one kernel fewer per GEMM. The callee is a C function of the runtime (cblas_?gemm);
// the declaration carries llvm.emit_c_interface, so memrefs cross as
// descriptors. With library=cublaslt the callee is
// `strata_cublaslt_gemm_f32/f64`, same contract, on device memory: the GPU
// pipeline runs this before it maps what is left onto kernels.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAMATMULTOBLAS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

MemRefType stridedDynamic(MemRefType type) {
  auto layout = StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic,
                                       {ShapedType::kDynamic, ShapedType::kDynamic});
  return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, type.getElementType(),
                         layout, type.getMemorySpace());
}

struct MatmulToBlasPass : public mlir::strata::impl::StrataMatmulToBlasBase<MatmulToBlasPass> {
  using StrataMatmulToBlasBase::StrataMatmulToBlasBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (library != "blas" && library != "cublaslt") {
      module.emitError("strata-matmul-to-blas library must be blas or cublaslt, got '") << library << "'";
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(op))
        return;
      if (!op.hasPureBufferSemantics())
        return;
      Type element = cast<MemRefType>(op->getOperand(2).getType()).getElementType();
      if (element.isF32() || element.isF64())
        matmuls.push_back(op);
    });
    for (linalg::LinalgOp op : matmuls)
      rewrite(module, op);
  }

  func::FuncOp declare(ModuleOp module, Type element) {
    std::string name = std::string(library == "cublaslt" ? "strata_cublaslt_gemm_" : "strata_gemm_") +
                       (element.isF32() ? "f32" : "f64");
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto any = stridedDynamic(MemRefType::get({1, 1}, element));
    auto type = b.getFunctionType({any, any, any, b.getI64Type(), b.getI64Type(), b.getI64Type()}, {});
    auto decl = b.create<func::FuncOp>(module.getLoc(), name, type);
    decl.setPrivate();
    decl->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    return decl;
  }

  /// The zero fill of C right before `op` (only side-effect-free ops such as
  /// views and constants in between), or null.
  static linalg::FillOp zeroFillBefore(linalg::LinalgOp op) {
    Value c = op->getOperand(2);
    for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
      if (isMemoryEffectFree(prev))
        continue;
      auto fill = dyn_cast<linalg::FillOp>(prev);
      if (!fill || fill.getOutputs().front() != c)
        return nullptr;
      return matchPattern(fill.getInputs().front(), m_AnyZeroFloat()) ? fill : nullptr;
    }
    return nullptr;
  }

  void rewrite(ModuleOp module, linalg::LinalgOp op) {
    Type element = cast<MemRefType>(op->getOperand(2).getType()).getElementType();
    linalg::FillOp zeroFill = zeroFillBefore(op);
    func::FuncOp callee = declare(module, element);
    OpBuilder b(op);
    Location loc = op.getLoc();
    SmallVector<Value> args;
    for (Value v : op->getOperands())
      args.push_back(b.create<memref::CastOp>(loc, stridedDynamic(cast<MemRefType>(v.getType())), v));
    bool ta = isa<linalg::MatmulTransposeAOp>(op), tb = isa<linalg::MatmulTransposeBOp>(op);
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(ta)));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(tb)));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(zeroFill ? 0 : 1)));
    b.create<func::CallOp>(loc, callee, args);
    op->erase();
    if (zeroFill)
      zeroFill.erase();
  }
};

} // namespace
