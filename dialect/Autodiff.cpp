//===- Autodiff.cpp - reverse-mode accumulation over strata ops -----------===//

#include "Autodiff.h"

using namespace mlir;
using namespace mlir::strata;

namespace {
/// Adds `contribution` into the gradient of `value`.
void accumulate(OpBuilder &builder, Location loc, Value value, Value contribution,
                llvm::DenseMap<Value, Value> &gradients) {
  auto [it, inserted] = gradients.try_emplace(value, contribution);
  if (!inserted)
    it->second = builder.create<AddOp>(loc, it->second, contribution);
}
} // namespace

LogicalResult mlir::strata::backpropagate(OpBuilder &builder,
                                          ArrayRef<Operation *> ops,
                                          llvm::DenseMap<Value, Value> &gradients) {
  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<Value> resultGradients;
    bool anyGradient = false;
    for (Value result : op->getResults()) {
      resultGradients.push_back(gradients.lookup(result));
      anyGradient |= static_cast<bool>(resultGradients.back());
    }
    if (!anyGradient)
      continue;
    auto rule = dyn_cast<GradientOpInterface>(op);
    if (!rule)
      return op->emitOpError("has no gradient rule, but the loss depends on it");
    SmallVector<Value> operandGradients;
    if (failed(rule.buildGradients(builder, resultGradients, operandGradients)))
      return failure();
    if (operandGradients.size() != op->getNumOperands())
      return op->emitOpError("gradient rule returned ")
             << operandGradients.size() << " gradients for " << op->getNumOperands()
             << " operands";
    for (auto [operand, grad] : llvm::zip(op->getOperands(), operandGradients)) {
      if (!grad)
        continue;
      if (grad.getType() != operand.getType())
        return op->emitOpError("gradient rule produced ")
               << grad.getType() << " for an operand of type " << operand.getType();
      accumulate(builder, op->getLoc(), operand, grad, gradients);
    }
  }
  return success();
}
