//===- ParamArena.h - where each parameter lives in the flat arena -*- C++ -*-===//
//
// Parameters, their gradients and the optimizer state each live in one flat
// arena. The layout is the order in which `strata.param` names first appear in
// @forward; every pass that builds a function over the arena, the runtime that
// initialises it and the checkpoint writer all read this one layout, which the
// passes also record on the module as `strata.params`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "StrataDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::strata {

struct ArenaEntry {
  std::string name;
  RankedTensorType type;
  int64_t offset = 0;
  Initializer init = Initializer::zeros;
  std::optional<double> scale;
};

struct ParamArena {
  SmallVector<ArenaEntry> entries;
  int64_t size = 0;
  Type elementType;
};

/// The layout of `func`'s parameters; fails (with a diagnostic) when two params
/// share a name but not a type, or the element types differ.
FailureOr<ParamArena> layoutParams(func::FuncOp func);

/// Records the layout on the module as `strata.params` (a list of dictionaries
/// with name, offset, shape, init and scale), which drivers read back.
void recordLayout(ModuleOp module, const ParamArena &arena);

/// Replaces every strata.param in `func` by a strata.arena_slice of `arenaArg`,
/// one slice per name, built at the start of the entry block. Returns the slice
/// of each entry, in layout order.
SmallVector<Value> bindParamsToArena(func::FuncOp func, const ParamArena &arena,
                                     Value arenaArg);

/// Fails with a diagnostic on `func` unless every argument and result type has
/// a static shape (the train step needs a fixed batch).
LogicalResult requireStaticShapes(func::FuncOp func, StringRef pass);

} // namespace mlir::strata
