//===- Passes.td - strata passes ------------------------------------------===//
#ifndef STRATA_PASSES_TD
#define STRATA_PASSES_TD

include "mlir/Pass/PassBase.td"

def StrataInferShapes : Pass<"strata-infer-shapes", "mlir::func::FuncOp"> {
  let summary = "Fix the symbolic batch dimension and propagate static shapes";
  let description = [{
    With `batch=N`, replaces the dynamic (batch) extents of the function's
    arguments by N. Then, in program order, re-infers the result type of every
    op that implements InferTypeOpInterface and updates the function's result
    types. This is how a train step fixes `B`: `tensor<?x784xf32>` becomes
    `tensor<256x784xf32>` everywhere downstream, including `2B` extents made by
    concatenating two views, which become 512. Without `batch`, the pass only
    re-propagates shapes (useful after a rewrite changed an operand type).
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Batch size that replaces the symbolic batch dimension (0: keep it)">
  ];
  let dependentDialects = ["mlir::strata::StrataDialect"];
}

#endif // STRATA_PASSES_TD
