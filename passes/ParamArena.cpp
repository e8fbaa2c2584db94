//===- ParamArena.cpp - where each parameter lives in the flat arena ------===//

#include "ParamArena.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::strata;

FailureOr<ParamArena> mlir::strata::layoutParams(func::FuncOp func) {
  ParamArena arena;
  llvm::StringMap<size_t> index;
  WalkResult walk = func.walk([&](ParamOp param) {
    auto type = cast<RankedTensorType>(param.getType());
    auto [it, inserted] = index.try_emplace(param.getName(), arena.entries.size());
    if (!inserted) {
      if (arena.entries[it->second].type != type) {
        param.emitOpError("parameter '")
            << param.getName() << "' is used with types " << arena.entries[it->second].type
            << " and " << type;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    if (arena.elementType && arena.elementType != type.getElementType()) {
      param.emitOpError("all parameters must share one element type, got ")
          << arena.elementType << " and " << type.getElementType();
      return WalkResult::interrupt();
    }
    arena.elementType = type.getElementType();
    ArenaEntry entry;
    entry.name = param.getName().str();
    entry.type = type;
    entry.offset = arena.size;
    entry.init = param.getInit();
    if (auto scale = param.getScaleAttr())
      entry.scale = scale.getValueAsDouble();
    arena.size += type.getNumElements();
    arena.entries.push_back(entry);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (arena.entries.empty())
    return func.emitError("the model has no parameters to train");
  return arena;
}

void mlir::strata::recordLayout(ModuleOp module, const ParamArena &arena) {
  Builder b(module.getContext());
  SmallVector<Attribute> entries;
  for (const ArenaEntry &e : arena.entries) {
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("name", b.getStringAttr(e.name)),
        b.getNamedAttr("offset", b.getI64IntegerAttr(e.offset)),
        b.getNamedAttr("shape", b.getDenseI64ArrayAttr(e.type.getShape())),
        b.getNamedAttr("init", b.getStringAttr(stringifyInitializer(e.init)))};
    if (e.scale)
      fields.push_back(b.getNamedAttr("scale", b.getF64FloatAttr(*e.scale)));
    entries.push_back(b.getDictionaryAttr(fields));
  }
  module->setAttr("strata.params", b.getArrayAttr(entries));
}

FailureOr<ForwardWithArena> mlir::strata::prepareForward(ModuleOp module, StringRef pass) {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward)
    return module.emitError() << pass << " needs a @forward function";
  if (failed(requireStaticShapes(forward, pass)))
    return failure();
  FailureOr<ParamArena> arena = layoutParams(forward);
  if (failed(arena))
    return failure();
  recordLayout(module, *arena);
  return ForwardWithArena{forward, std::move(*arena)};
}

SmallVector<Value> mlir::strata::createArenaSlices(OpBuilder &builder, Location loc,
                                                   const ParamArena &arena, Value arenaArg) {
  SmallVector<Value> slices;
  for (const ArenaEntry &e : arena.entries)
    slices.push_back(builder.create<ArenaSliceOp>(loc, arenaArg, e.offset, e.type.getShape()));
  return slices;
}

DictionaryAttr mlir::strata::roleAttr(Builder &builder, StringRef key, Attribute value) {
  return builder.getDictionaryAttr(
      builder.getNamedAttr(key, value ? value : builder.getUnitAttr()));
}

SmallVector<Value> mlir::strata::bindParamsToArena(func::FuncOp func, const ParamArena &arena,
                                                   Value arenaArg) {
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  SmallVector<Value> ordered = createArenaSlices(b, func.getLoc(), arena, arenaArg);
  llvm::StringMap<Value> slices;
  for (auto [entry, slice] : llvm::zip(arena.entries, ordered))
    slices[entry.name] = slice;
  SmallVector<ParamOp> params;
  func.walk([&](ParamOp p) { params.push_back(p); });
  for (ParamOp p : params) {
    Value slice = slices.lookup(p.getName());
    slice.getDefiningOp()->setLoc(p.getLoc());
    p.getResult().replaceAllUsesWith(slice);
    p.erase();
  }
  return ordered;
}

LogicalResult mlir::strata::requireStaticShapes(func::FuncOp func, StringRef pass) {
  auto isStatic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return !shaped || shaped.hasStaticShape();
  };
  if (llvm::all_of(func.getArgumentTypes(), isStatic) &&
      llvm::all_of(func.getResultTypes(), isStatic))
    return success();
  return func.emitError() << pass << " needs static shapes: run --strata-infer-shapes=batch=N first";
}
