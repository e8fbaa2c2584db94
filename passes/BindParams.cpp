//===- BindParams.cpp - @forward reads its parameters from the arena ------===//
//
// Rewrites @forward(inputs...) into @forward(params, inputs..., seed, step):
// each strata.param becomes a slice of the flat parameter arena, laid out as
// the train step lays it out. Evaluation, embedding and finite differences call
// this function with the arena of a checkpoint.
//
//===----------------------------------------------------------------------===//

#include "ParamArena.h"
#include "Passes.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATABINDPARAMS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {
struct BindParamsPass : public mlir::strata::impl::StrataBindParamsBase<BindParamsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ForwardWithArena> prepared = prepareForward(module, "strata-bind-params");
    if (failed(prepared))
      return signalPassFailure();
    func::FuncOp forward = prepared->forward;
    const ParamArena *arena = &prepared->arena;

    MLIRContext *ctx = module.getContext();
    Builder b(ctx);
    Block &entry = forward.getBody().front();
    auto arenaType = RankedTensorType::get({arena->size}, arena->elementType);
    BlockArgument params = entry.insertArgument(0u, arenaType, forward.getLoc());
    entry.addArgument(b.getI64Type(), forward.getLoc());
    entry.addArgument(b.getI64Type(), forward.getLoc());

    SmallVector<DictionaryAttr> argAttrs = {roleAttr(b, "strata.arena", b.getStringAttr("params"))};
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      argAttrs.push_back(forward.getArgAttrDict(i));
    argAttrs.push_back(roleAttr(b, "strata.seed"));
    argAttrs.push_back(roleAttr(b, "strata.step"));
    SmallVector<DictionaryAttr> resultAttrs;
    for (unsigned i = 0; i < forward.getNumResults(); ++i)
      resultAttrs.push_back(forward.getResultAttrDict(i));
    forward.setType(FunctionType::get(ctx, entry.getArgumentTypes(), forward.getResultTypes()));
    forward.setAllArgAttrs(argAttrs);
    forward.setAllResultAttrs(resultAttrs);
    bindParamsToArena(forward, *arena, params);
  }
};
} // namespace
