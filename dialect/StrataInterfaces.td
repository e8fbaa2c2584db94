//===- StrataInterfaces.td - interfaces of strata ops ----------*- tablegen -*-===//
#ifndef STRATA_INTERFACES_TD
#define STRATA_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Strata_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let description = [{
    The reverse-mode rule of an op. Every strata op declares it (the base op
    classes list it), so an op without a rule does not link. Given the
    gradients of the loss with respect to the op's results, the rule builds
    strata ops at the builder's insertion point that compute the gradients with
    respect to its operands.

    `resultGradients` has one entry per result; a null Value means no gradient
    flows into that result. The rule appends one entry per operand to
    `operandGradients`, null where the operand gets no gradient (integer
    operands, random samples, constants). Composite ops (softmax, layer norm,
    the losses) build their rule by decomposing themselves into primitive ops
    and differentiating those; see Decompositions.h.
  }];
  let cppNamespace = "::mlir::strata";
  let methods = [
    InterfaceMethod<
      "Builds the operand gradients from the result gradients.",
      "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ArrayRef<::mlir::Value>":$resultGradients,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGradients)>
  ];
}

#endif // STRATA_INTERFACES_TD
