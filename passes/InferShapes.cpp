//===- InferShapes.cpp - fix the batch, propagate shapes ------------------===//
//
// Rewrites a function whose arguments have a dynamic batch extent into one with
// static shapes: arguments first, then every op's results in program order by
// asking the op's InferTypeOpInterface, then the function type.
//
//===----------------------------------------------------------------------===//

#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAINFERSHAPES
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

Type withBatch(Type type, int64_t batch) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || tensor.hasStaticShape())
    return type;
  SmallVector<int64_t> shape(tensor.getShape());
  for (int64_t &d : shape)
    if (ShapedType::isDynamic(d))
      d = batch;
  return RankedTensorType::get(shape, tensor.getElementType());
}

struct InferShapesPass
    : public mlir::strata::impl::StrataInferShapesBase<InferShapesPass> {
  using StrataInferShapesBase::StrataInferShapesBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    if (batch < 0) {
      func.emitError("batch must be positive, got ") << batch.getValue();
      return signalPassFailure();
    }
    if (batch > 0)
      fixArgumentBatch(func);
    if (failed(propagate(func)))
      return signalPassFailure();
    updateFunctionType(func);
  }

  void fixArgumentBatch(func::FuncOp func) {
    for (BlockArgument arg : func.getArguments())
      arg.setType(withBatch(arg.getType(), batch));
  }

  LogicalResult propagate(func::FuncOp func) {
    WalkResult result = func.walk([&](InferTypeOpInterface op) {
      SmallVector<Type> inferred;
      Operation *raw = op.getOperation();
      if (failed(op.inferReturnTypes(
              raw->getContext(), raw->getLoc(), raw->getOperands(),
              raw->getAttrDictionary(), raw->getPropertiesStorage(),
              raw->getRegions(), inferred)))
        return WalkResult::interrupt();
      for (auto [value, type] : llvm::zip(raw->getResults(), inferred))
        value.setType(type);
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }

  void updateFunctionType(func::FuncOp func) {
    Operation *terminator = func.getBody().back().getTerminator();
    func.setType(FunctionType::get(func.getContext(),
                                   func.getBody().getArgumentTypes(),
                                   terminator->getOperandTypes()));
  }
};

} // namespace
