//===- MatmulToBlas.cpp - linalg matmuls on memrefs to BLAS calls ---------===//
//
// After bufferization, rewrites linalg.matmul, linalg.matmul_transpose_a and
// linalg.matmul_transpose_b (and their batch_ forms) on f32/f64 memrefs into calls of
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
// Batched. linalg.batch_matmul (and its transpose_a / transpose_b forms)
// becomes `strata_gemm_batched_f32/f64` (`strata_cublaslt_gemm_batched_*`),
// same arguments on [batch, rows, cols] views: one strided-batched cuBLASLt
// call on the GPU, a GEMM per matrix on the CPU.
//
// Epilogues. A non-accumulating GEMM whose result feeds only the bias add
// of a linear layer, `D = C + bias[j]`, optionally followed by ReLU, becomes
// one call of `strata_gemm_bias_f32/f64(A, B, D, bias, ta, tb, relu)` (or
// `strata_cublaslt_gemm_bias_*`): cuBLASLt's BIAS / RELU_BIAS epilogue on the
// GPU, a pass over D after the BLAS on the CPU; C and the elementwise op are
// gone. The bias must start on a 16-byte boundary (cuBLASLt's requirement).
//
// Bias gradients. A linear layer's weight gradient dW = X^T dY
// (linalg.matmul_transpose_a, zero-filled) and its bias gradient, the column
// sums of dY (a zero-filled reduction earlier in the block), become one call
// of `strata_gemm_bgrad_f32/f64(A, B, C, bgrad, ta, tb, 0)`: cuBLASLt's
// BGRADA epilogue on the GPU (the column sums of its first operand, which is
// B here), on the CPU the BLAS and then the sums in the reduction's order,
// so the results are bit-identical. Nothing between the two may read or
// write the bias gradient or write dY.
//
//===----------------------------------------------------------------------===//

#include "BiasAdd.h"
#include "BufferViews.h"
#include "Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
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

/// A batch of matrices, [batch, rows, cols], with any strides.
MemRefType stridedDynamicBatch(MemRefType type) {
  auto layout = StridedLayoutAttr::get(type.getContext(), ShapedType::kDynamic,
                                       {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic});
  return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
                         type.getElementType(), layout, type.getMemorySpace());
}

bool isBatched(linalg::LinalgOp op) {
  return isa<linalg::BatchMatmulOp, linalg::BatchMatmulTransposeAOp, linalg::BatchMatmulTransposeBOp>(op);
}

MemRefType stridedDynamicVector(Type element) {
  auto layout = StridedLayoutAttr::get(element.getContext(), ShapedType::kDynamic, {ShapedType::kDynamic});
  return MemRefType::get({ShapedType::kDynamic}, element, layout);
}

/// `D = C + bias[j]` (ReLU optional) that a GEMM's result C feeds. On a
/// sequence ([B, S, N], a linear layer's output before it is reshaped back)
/// the add reads C through an expand_shape and writes an N-D D; `result` is
/// then D's 2-D [B*S, N] form, which `collapse` says must still be built,
/// and `rowView` the expand_shape of C that only the add reads.
struct BiasEpilogue {
  linalg::GenericOp op;
  Value bias, result;
  bool relu = false;
  bool collapse = false;
  Operation *rowView = nullptr;
};

/// The reassociation that folds every axis but the last: [[0, .., r-2], [r-1]].
SmallVector<ReassociationIndices> rowsAndLastAxis(int64_t rank) {
  ReassociationIndices rows;
  for (int64_t i = 0; i + 1 < rank; ++i)
    rows.push_back(i);
  return {rows, {rank - 1}};
}

/// Whether `v` is `c` itself, or an expand_shape of 2-D `c` that splits only
/// its rows (so the add's identity map walks C row by row).
bool isRowsOf(Value v, Value c) {
  if (v == c)
    return true;
  auto expand = v.getDefiningOp<memref::ExpandShapeOp>();
  return expand && expand.getSrc() == c &&
         expand.getReassociationIndices() == rowsAndLastAxis(expand.getResultType().getRank());
}

/// The bias-add generic right after `matmul` (zero-filled by `zeroFill`)
/// that is the only reader of its result, when the bias is a 16-byte aligned vector and the generic's output
/// is another buffer than the GEMM's operands.
std::optional<BiasEpilogue> matchBiasEpilogue(linalg::LinalgOp matmul, linalg::FillOp zeroFill) {
  Value c = matmul->getOperand(2);
  Operation *next = matmul->getNextNode();
  while (next && touchesNoBuffer(next))
    next = next->getNextNode();
  auto generic = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!generic || !generic.hasPureBufferSemantics() || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 || generic.getNumLoops() < 2 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return std::nullopt;
  MLIRContext *ctx = matmul->getContext();
  unsigned loops = generic.getNumLoops();
  AffineMap rows = AffineMap::getMultiDimIdentityMap(loops, ctx);
  AffineMap cols = AffineMap::get(loops, 0, {getAffineDimExpr(loops - 1, ctx)}, ctx);
  int cIndex = isRowsOf(generic.getDpsInputOperand(0)->get(), c) ? 0 : 1;
  OpOperand *cOperand = generic.getDpsInputOperand(cIndex);
  OpOperand *biasOperand = generic.getDpsInputOperand(1 - cIndex);
  OpOperand *out = generic.getDpsInitOperand(0);
  if (!isRowsOf(cOperand->get(), c) || generic.getMatchingIndexingMap(cOperand) != rows ||
      generic.getMatchingIndexingMap(biasOperand) != cols || generic.getMatchingIndexingMap(out) != rows)
    return std::nullopt;
  std::optional<bool> relu = biasAddBody(generic);
  if (!relu)
    return std::nullopt;
  // C is read by nothing else (its row view only by the add); D overwrites
  // none of the GEMM's inputs.
  Value cView = cOperand->get();
  for (Operation *user : c.getUsers())
    if (user != matmul && user != generic && user != zeroFill && user != cView.getDefiningOp() &&
        !isa<memref::DeallocOp, bufferization::DeallocOp>(user))
      return std::nullopt;
  if (cView != c && !cView.hasOneUse())
    return std::nullopt;
  if (!c.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  Value result = out->get(), bias = biasOperand->get();
  for (Value input : {matmul->getOperand(0), matmul->getOperand(1), bias})
    if (rootOf(input) == rootOf(result))
      return std::nullopt;
  bool collapse = false;
  if (loops > 2) {
    // The GEMM writes D as [rows, N]: D's own 2-D source, or D collapsed.
    auto resultType = cast<MemRefType>(result.getType());
    if (auto expand = result.getDefiningOp<memref::ExpandShapeOp>();
        expand && expand.getReassociationIndices() == rowsAndLastAxis(loops))
      result = expand.getSrc();
    else if (memref::CollapseShapeOp::isGuaranteedCollapsible(resultType, rowsAndLastAxis(loops)))
      collapse = true;
    else
      return std::nullopt;
  }
  auto biasType = dyn_cast<MemRefType>(bias.getType());
  int64_t offset;
  SmallVector<int64_t> strides;
  if (!biasType || biasType.getRank() != 1 || failed(getStridesAndOffset(biasType, strides, offset)) || strides[0] != 1 ||
      ShapedType::isDynamic(offset) || offset * biasType.getElementTypeBitWidth() % 128 != 0)
    return std::nullopt;
  return BiasEpilogue{generic, bias, result, *relu, collapse, cView == c ? nullptr : cView.getDefiningOp()};
}

/// The zero fill of `out` right before `op` (only side-effect-free ops such
/// as views and constants in between), or null.
linalg::FillOp zeroFillOf(Operation *op, Value out) {
  for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
    if (isMemoryEffectFree(prev))
      continue;
    auto fill = dyn_cast<linalg::FillOp>(prev);
    if (!fill || fill.getOutputs().front() != out)
      return nullptr;
    return matchPattern(fill.getInputs().front(), m_AnyZeroFloat()) ? fill : nullptr;
  }
  return nullptr;
}

/// A bias-gradient reduction that a weight-gradient GEMM takes over.
struct BiasGradient {
  linalg::GenericOp op;
  linalg::FillOp fill;
  Value bias;
};

/// Whether `generic` sums its one input over every axis but the last into a
/// zero-filled vector: out[j] += in[..., j].
bool isColumnSum(linalg::GenericOp generic) {
  if (!generic.hasPureBufferSemantics() || generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() < 2 || generic.getNumParallelLoops() != 1)
    return false;
  unsigned loops = generic.getNumLoops();
  auto iterators = generic.getIteratorTypesArray();
  if (iterators.back() != utils::IteratorType::parallel)
    return false;
  MLIRContext *ctx = generic.getContext();
  if (generic.getMatchingIndexingMap(generic.getDpsInputOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(loops, ctx) ||
      generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)) !=
          AffineMap::get(loops, 0, {getAffineDimExpr(loops - 1, ctx)}, ctx))
    return false;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto add = cast<linalg::YieldOp>(body.getTerminator())->getOperand(0).getDefiningOp<arith::AddFOp>();
  Value in = body.getArgument(0), out = body.getArgument(1);
  return add && (add.getLhs() == in && add.getRhs() == out || add.getLhs() == out && add.getRhs() == in);
}

/// Whether `op` may write the buffer `root` (conservatively: any use of it
/// by an op with memory effects, other than as a linalg op's input or a
/// GEMM call's operand A or B).
bool mayWrite(Operation *op, Value root) {
  if (isMemoryEffectFree(op))
    return false;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  auto call = dyn_cast<func::CallOp>(op);
  bool gemm = call && call.getCallee().starts_with("strata_");
  for (OpOperand &use : op->getOpOperands()) {
    if (!isa<MemRefType>(use.get().getType()) || rootOf(use.get()) != root)
      continue;
    if (linalgOp && linalgOp.isDpsInput(&use))
      continue;
    if (gemm && use.getOperandNumber() < 2)
      continue;
    return true;
  }
  return false;
}

/// Whether `a` and `b` are the same elements in the same row-major order with
/// the same last axis: one buffer, both contiguous views of it from the same
/// offset (dY as [B, S, N] and as [B*S, N], through any reshapes).
bool sameRows(Value a, Value b) {
  if (a == b)
    return true;
  auto ta = cast<MemRefType>(a.getType()), tb = cast<MemRefType>(b.getType());
  int64_t oa, ob;
  SmallVector<int64_t> sa, sb;
  return rootOf(a) == rootOf(b) && memref::isStaticShapeAndContiguousRowMajor(ta) &&
         memref::isStaticShapeAndContiguousRowMajor(tb) && succeeded(getStridesAndOffset(ta, sa, oa)) &&
         succeeded(getStridesAndOffset(tb, sb, ob)) && oa == ob && !ShapedType::isDynamic(oa) &&
         ta.getNumElements() == tb.getNumElements() && ta.getShape().back() == tb.getShape().back();
}

/// The column sum of a weight-gradient GEMM's B (dY, or the N-D buffer B
/// collapses to rows) that the GEMM can compute as its epilogue.
std::optional<BiasGradient> matchBiasGradient(linalg::LinalgOp matmul) {
  if (!isa<linalg::MatmulTransposeAOp>(matmul))
    return std::nullopt;
  Value dy = matmul->getOperand(1);
  Value dyRoot = rootOf(dy);
  for (Operation *prev = matmul->getPrevNode(); prev; prev = prev->getPrevNode()) {
    auto generic = dyn_cast<linalg::GenericOp>(prev);
    if (generic && isColumnSum(generic)) {
      bool ofDy = sameRows(generic.getDpsInputOperand(0)->get(), dy);
      Value bias = generic.getDpsInitOperand(0)->get();
      linalg::FillOp fill = zeroFillOf(generic, bias);
      if (ofDy && fill) {
        auto biasType = cast<MemRefType>(bias.getType());
        int64_t offset;
        SmallVector<int64_t> strides;
        if (biasType.getRank() != 1 || failed(getStridesAndOffset(biasType, strides, offset)) ||
            strides[0] != 1 || ShapedType::isDynamic(offset) ||
            offset * biasType.getElementTypeBitWidth() % 128 != 0)
          return std::nullopt;
        // Nothing between the sum and the GEMM may touch the bias gradient.
        for (Operation *user : bias.getUsers())
          if (user->getBlock() == matmul->getBlock() && generic->isBeforeInBlock(user) &&
              user->isBeforeInBlock(matmul))
            return std::nullopt;
        return BiasGradient{generic, fill, bias};
      }
    }
    if (mayWrite(prev, dyRoot))
      return std::nullopt;
  }
  return std::nullopt;
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
      if (!isa<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(op) &&
          !isBatched(op))
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

  /// The GEMM entry point; `epilogue` is "", "bias_" or "bgrad_" (both of
  /// which take a vector after C).
  func::FuncOp declare(ModuleOp module, Type element, StringRef epilogue, bool batched) {
    bool withBias = !epilogue.empty();
    std::string name = std::string(library == "cublaslt" ? "strata_cublaslt_gemm_" : "strata_gemm_") +
                       epilogue.str() + (batched ? "batched_" : "") + (element.isF32() ? "f32" : "f64");
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto any = batched ? stridedDynamicBatch(MemRefType::get({1, 1, 1}, element))
                       : stridedDynamic(MemRefType::get({1, 1}, element));
    SmallVector<Type> inputs = {any, any, any};
    if (withBias)
      inputs.push_back(stridedDynamicVector(element));
    inputs.append(3, b.getI64Type());
    auto type = b.getFunctionType(inputs, {});
    auto decl = b.create<func::FuncOp>(module.getLoc(), name, type);
    decl.setPrivate();
    decl->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    return decl;
  }

  void rewrite(ModuleOp module, linalg::LinalgOp op) {
    Type element = cast<MemRefType>(op->getOperand(2).getType()).getElementType();
    linalg::FillOp zeroFill = zeroFillOf(op, op->getOperand(2));
    // cuBLASLt's bias epilogues are for f32 (and narrower) GEMMs.
    bool epilogues = library == "blas" || element.isF32();
    bool batched = isBatched(op);
    std::optional<BiasEpilogue> epilogue =
        zeroFill && epilogues && !batched ? matchBiasEpilogue(op, zeroFill) : std::nullopt;
    std::optional<BiasGradient> biasGradient =
        zeroFill && epilogues && !batched && !epilogue ? matchBiasGradient(op) : std::nullopt;
    func::FuncOp callee = declare(module, element, epilogue ? "bias_" : biasGradient ? "bgrad_" : "", batched);
    auto castType = [&](Value v) {
      auto type = cast<MemRefType>(v.getType());
      return batched ? stridedDynamicBatch(type) : stridedDynamic(type);
    };
    // With an epilogue the call sits where the bias add was, writing its output.
    OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
    Location loc = op.getLoc();
    Value output = op->getOperand(2);
    if (epilogue) {
      output = epilogue->result;
      if (epilogue->collapse)
        output = b.create<memref::CollapseShapeOp>(
            loc, output, rowsAndLastAxis(cast<MemRefType>(output.getType()).getRank()));
    }
    SmallVector<Value> operands = {op->getOperand(0), op->getOperand(1), output};
    SmallVector<Value> args;
    for (Value v : operands)
      args.push_back(b.create<memref::CastOp>(loc, castType(v), v));
    if (epilogue)
      args.push_back(b.create<memref::CastOp>(loc, stridedDynamicVector(element), epilogue->bias));
    if (biasGradient)
      args.push_back(b.create<memref::CastOp>(loc, stridedDynamicVector(element), biasGradient->bias));
    bool ta = isa<linalg::MatmulTransposeAOp, linalg::BatchMatmulTransposeAOp>(op);
    bool tb = isa<linalg::MatmulTransposeBOp, linalg::BatchMatmulTransposeBOp>(op);
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(ta)));
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(tb)));
    // Last flag: accumulate, or with a bias, ReLU (0 with a bias gradient).
    int64_t last = epilogue ? epilogue->relu : (zeroFill || biasGradient ? 0 : 1);
    args.push_back(b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(last)));
    b.create<func::CallOp>(loc, callee, args);
    if (epilogue) {
      epilogue->op->erase();
      if (epilogue->rowView)
        epilogue->rowView->erase();
    }
    if (biasGradient) {
      biasGradient->op->erase();
      biasGradient->fill->erase();
    }
    op->erase();
    if (zeroFill)
      zeroFill.erase();
  }
};

} // namespace
