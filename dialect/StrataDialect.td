//===- StrataDialect.td - the strata dialect -------------------------------===//
#ifndef STRATA_DIALECT_TD
#define STRATA_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Strata_Dialect : Dialect {
  let name = "strata";
  let summary = "Tensor-level ops for training representation-learning models";
  let description = [{
    Ops on ranked tensors that describe a model's forward pass, its loss and,
    after autodiff, its backward pass and optimizer update. The leading dimension
    of inputs may be dynamic (`?`): it is the symbolic batch dimension `B`, which
    is treated as a symbol (it matches only itself and broadcasts only against 1)
    until `--strata-infer-shapes=batch=N` fixes it.

    Parameters are explicit: each is a `strata.param` op naming the parameter and
    its initializer, so the parameter set of a function is the set of its
    `strata.param` ops. Randomness is counter-based: every random op carries a
    `stream` number, unique in its function, that together with the run's seed
    and the step number keys a Philox generator.
  }];
  let cppNamespace = "::mlir::strata";
  let hasConstantMaterializer = 1;
}

def Strata_Initializer : I32EnumAttr<"Initializer", "parameter initializer", [
  I32EnumAttrCase<"zeros", 0>,
  I32EnumAttrCase<"ones", 1>,
  I32EnumAttrCase<"normal", 2>,           // N(0, scale^2), scale defaults to 0.02
  I32EnumAttrCase<"uniform", 3>,          // U(-scale, scale)
  I32EnumAttrCase<"xavier_uniform", 4>,   // U(-a, a), a = sqrt(6 / (fan_in + fan_out))
  I32EnumAttrCase<"xavier_normal", 5>,
  I32EnumAttrCase<"he_uniform", 6>,       // U(-a, a), a = sqrt(6 / fan_in)
  I32EnumAttrCase<"he_normal", 7>,        // N(0, 2 / fan_in)
  I32EnumAttrCase<"constant", 8>          // every element = scale
]> {
  let cppNamespace = "::mlir::strata";
}

def Strata_Reduction : I32EnumAttr<"Reduction", "how a loss reduces", [
  I32EnumAttrCase<"mean", 0>,             // mean over every element
  I32EnumAttrCase<"sum", 1>,              // sum over every element
  I32EnumAttrCase<"batch_mean", 2>        // sum over non-batch axes, mean over the batch
]> {
  let cppNamespace = "::mlir::strata";
}

#endif // STRATA_DIALECT_TD
