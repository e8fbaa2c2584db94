//===- Primitives.h - the dialect's ops as the spec language sees them -*- C++ -*-===//
//
// One entry per strata op that a spec can call: its arguments (tensor operands
// first, then attributes, named exactly as in StrataOps.td) with their kinds and
// defaults, and the rule for its result types. The rule calls the same shape
// functions as the dialect's type inference.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Graph.h"

#include <functional>
#include <optional>

namespace strata::frontend {

struct TensorType {
  std::string dtype;
  Shape shape;
};

struct PrimitiveArg {
  enum class Kind { Tensor, OptionalTensor, Tensors, Int, Float, Bool, Ints, Symbol };
  std::string name;
  Kind kind;
  std::optional<AttrValue> defaultValue; // attributes without one are required
  std::vector<std::string> symbols;      // allowed values of a Symbol
};

/// The arguments of one call, bound and checked against the primitive's kinds.
struct BoundCall {
  std::map<std::string, std::vector<TensorType>> tensors;
  Attrs attrs;

  const TensorType &tensor(const std::string &name) const { return tensors.at(name)[0]; }
  const TensorType *optionalTensor(const std::string &name) const;
  const AttrValue &attr(const std::string &name) const;
};

struct Primitive {
  std::string name;
  std::vector<PrimitiveArg> args;
  /// Result types, or nullopt with `error` set.
  std::function<std::optional<std::vector<TensorType>>(const BoundCall &, std::string &error)>
      infer;
  bool random = false; // gets a `stream` attribute
};

const Primitive *findPrimitive(const std::string &name);
const std::vector<Primitive> &primitives();

bool isFloatDtype(const std::string &dtype);
bool isIntDtype(const std::string &dtype);
bool isKnownDtype(const std::string &dtype);

} // namespace strata::frontend
