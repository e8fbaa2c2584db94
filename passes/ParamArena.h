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

/// The module's @forward with static shapes and its parameter layout, which
/// is recorded on the module; emits `pass`'s diagnostic and fails otherwise.
struct ForwardWithArena {
  func::FuncOp forward;
  ParamArena arena;
};
FailureOr<ForwardWithArena> prepareForward(ModuleOp module, StringRef pass);

/// One strata.arena_slice of `arenaArg` per entry, built at the builder's
/// insertion point, in layout order.
SmallVector<Value> createArenaSlices(OpBuilder &builder, Location loc, const ParamArena &arena,
                                     Value arenaArg);

/// {key = value} (a unit attribute without a value): the role attributes of
/// train-step arguments and results (strata.arena, strata.seed, ...).
DictionaryAttr roleAttr(Builder &builder, StringRef key, Attribute value = {});

/// Replaces every strata.param in `func` by a strata.arena_slice of `arenaArg`,
/// one slice per name, built at the start of the entry block. Returns the slice
/// of each entry, in layout order.
SmallVector<Value> bindParamsToArena(func::FuncOp func, const ParamArena &arena,
                                     Value arenaArg);

/// Fails with a diagnostic on `func` unless every argument and result type has
/// a static shape (the train step needs a fixed batch).
LogicalResult requireStaticShapes(func::FuncOp func, StringRef pass);

} // namespace mlir::strata
