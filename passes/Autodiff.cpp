//===- Autodiff.cpp - synthesize the train step by reverse mode -----------===//
//
// From @forward (static shapes, first result the loss) builds
//
//   @train_step(params, opt_state, inputs..., seed, step)
//       -> (params', opt_state', loss, grad_norm, forward's @metric results...)
//
// (the metrics keep their roles, so training can log them; the @represent
// value is left to @forward, which training calls every so many steps to
// watch for collapse, so the step computes no more than its update needs),
// with the forward ops, their gradients (dialect/Autodiff.h walks each op's
// GradientOpInterface), the gradients packed into one flat arena, and one
// strata.optimizer_update configured from the module's `strata.train`. With
// mode=grad it builds @grad_step(params, inputs..., seed, step) -> (loss, grads)
// instead, which `strata gradcheck` compares against finite differences.
//
//===----------------------------------------------------------------------===//

#include "Autodiff.h"
#include "Decompositions.h"
#include "ParamArena.h"
#include "Passes.h"
#include "TensorMath.h"

#include "mlir/IR/IRMapping.h"

#include <map>

namespace mlir::strata {
#define GEN_PASS_DEF_STRATAAUTODIFF
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// The optimizer settings read from the module's `strata.train` dictionary.
struct OptimizerConfig {
  std::string kind = "adam";
  DictionaryAttr args;
  std::string schedule = "constant";
  DictionaryAttr scheduleArgs;
  double maxGradNorm = 0.0;
  int64_t steps = 0;
  /// Parameters training keeps fixed: a block instance's (`init ... frozen`).
  std::string frozen;

  bool isFrozen(StringRef name) const {
    return !frozen.empty() && (name == frozen || name.starts_with(frozen + "."));
  }
};

/// Whether @forward's result `i` is its @represent value.
bool isRepresentation(func::FuncOp forward, unsigned i) {
  return static_cast<bool>(forward.getResultAttr(i, "strata.represent"));
}

double numberOr(DictionaryAttr dict, StringRef key, double fallback) {
  if (!dict)
    return fallback;
  if (auto f = dict.getAs<FloatAttr>(key))
    return f.getValueAsDouble();
  if (auto i = dict.getAs<IntegerAttr>(key))
    return static_cast<double>(i.getInt());
  return fallback;
}

OptimizerConfig readConfig(ModuleOp module) {
  OptimizerConfig config;
  auto train = module->getAttrOfType<DictionaryAttr>("strata.train");
  if (!train)
    return config;
  if (auto s = train.getAs<StringAttr>("optimizer"))
    config.kind = s.str();
  config.args = train.getAs<DictionaryAttr>("optimizer_args");
  if (auto s = train.getAs<StringAttr>("schedule"))
    config.schedule = s.str();
  config.scheduleArgs = train.getAs<DictionaryAttr>("schedule_args");
  config.maxGradNorm = numberOr(train, "clip_grad_norm", 0.0);
  config.steps = static_cast<int64_t>(numberOr(train, "steps", 0.0));
  if (auto s = train.getAs<StringAttr>("frozen"))
    config.frozen = s.str();
  return config;
}

struct AutodiffPass : public mlir::strata::impl::StrataAutodiffBase<AutodiffPass> {
  using StrataAutodiffBase::StrataAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (mode != "train" && mode != "grad") {
      module.emitError("strata-autodiff mode must be train or grad, got '") << mode << "'";
      return signalPassFailure();
    }
    FailureOr<ForwardWithArena> prepared = prepareForward(module, "strata-autodiff");
    if (failed(prepared) || failed(buildStep(module, prepared->forward, prepared->arena)))
      return signalPassFailure();
  }

  LogicalResult buildStep(ModuleOp module, func::FuncOp forward, const ParamArena &arena) {
    bool train = mode == "train";
    OptimizerConfig config = readConfig(module);
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    Location loc = forward.getLoc();
    Type element = arena.elementType;
    auto arenaType = RankedTensorType::get({arena.size}, element);
    int64_t slots = OptimizerUpdateOp::stateSlots(config.kind, numberOr(config.args, "momentum", 0.0));
    auto stateType = RankedTensorType::get({slots * arena.size}, element);
    auto scalarType = RankedTensorType::get({}, element);

    // Signature: arenas, the forward's inputs, then seed and step.
    SmallVector<Type> argTypes = {arenaType};
    SmallVector<DictionaryAttr> argAttrs = {arenaAttr(b, "params")};
    if (train) {
      argTypes.push_back(stateType);
      argAttrs.push_back(arenaAttr(b, "opt_state"));
    }
    unsigned firstInput = argTypes.size();
    for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
      argTypes.push_back(forward.getArgumentTypes()[i]);
      argAttrs.push_back(forward.getArgAttrDict(i));
    }
    argTypes.append({b.getI64Type(), b.getI64Type()});
    argAttrs.push_back(roleAttr(b, "strata.seed"));
    argAttrs.push_back(roleAttr(b, "strata.step"));

    SmallVector<Type> resultTypes;
    SmallVector<DictionaryAttr> resultAttrs;
    if (train) {
      resultTypes = {arenaType, stateType, scalarType, scalarType};
      resultAttrs = {arenaAttr(b, "params"), arenaAttr(b, "opt_state"), lossAttr(b),
                     roleAttr(b, "strata.metric", b.getStringAttr("grad_norm"))};
      // The returned values' types: static after shape inference, where
      // the signature may still say the spec's batch.
      Operation *forwardReturn = forward.getBody().front().getTerminator();
      for (unsigned i = 1; i < forward.getNumResults(); ++i) {
        if (isRepresentation(forward, i))
          continue;
        resultTypes.push_back(forwardReturn->getOperand(i).getType());
        resultAttrs.push_back(forward.getResultAttrDict(i));
      }
    } else {
      resultTypes = {scalarType, arenaType};
      resultAttrs = {lossAttr(b), arenaAttr(b, "grads")};
    }

    b.setInsertionPointToEnd(module.getBody());
    auto step = b.create<func::FuncOp>(loc, train ? "train_step" : "grad_step",
                                       b.getFunctionType(argTypes, resultTypes));
    step.setAllArgAttrs(argAttrs);
    step.setAllResultAttrs(resultAttrs);
    Block *body = step.addEntryBlock();
    b.setInsertionPointToStart(body);

    // Forward: the forward's ops with params read from the arena.
    IRMapping mapping;
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      mapping.map(forward.getArgument(i), body->getArgument(firstInput + i));
    SmallVector<Value> orderedSlices = createArenaSlices(b, loc, arena, body->getArgument(0));
    llvm::StringMap<Value> slices;
    llvm::DenseSet<Value> frozenSlices;
    for (auto [entry, slice] : llvm::zip(arena.entries, orderedSlices)) {
      slices[entry.name] = slice;
      if (config.isFrozen(entry.name))
        frozenSlices.insert(slice);
    }
    Value loss;
    SmallVector<Value> otherResults;
    for (Operation &op : forward.getBody().front()) {
      if (auto param = dyn_cast<ParamOp>(op)) {
        mapping.map(param.getResult(), slices.lookup(param.getName()));
        continue;
      }
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        loss = mapping.lookup(ret.getOperand(0));
        for (unsigned i = 1; i < ret.getNumOperands(); ++i)
          if (!isRepresentation(forward, i))
            otherResults.push_back(mapping.lookup(ret.getOperand(i)));
        continue;
      }
      Operation *clone = b.clone(op, mapping);
      // A frozen encoder normalizes as it will at eval: by its running statistics.
      if (auto norm = dyn_cast<BatchNormOp>(clone); norm && frozenSlices.contains(norm.getRunningMean())) {
        TensorMath evalForm(b, norm.getLoc());
        mapping.map(op.getResult(0), batchNormEvalForm(evalForm, norm));
        mapping.map(op.getResult(1), norm.getRunningMean());
        mapping.map(op.getResult(2), norm.getRunningVar());
        norm.erase();
      }
    }
    SmallVector<Operation *> forwardOps;
    for (Operation &op : *body)
      if (!isa<ArenaSliceOp>(op))
        forwardOps.push_back(&op);

    // Backward.
    TensorMath m(b, loc);
    llvm::DenseMap<Value, Value> gradients;
    gradients[loss] = m.scalar(1.0, loss);
    if (failed(backpropagate(b, forwardOps, gradients)))
      return failure();
    // A frozen parameter's gradient is zero: nothing updates it, and the
    // backward pass that only it needed is dead code.
    SmallVector<Value> paramGradients;
    for (auto [entry, slice] : llvm::zip(arena.entries, orderedSlices)) {
      Value g = config.isFrozen(entry.name) ? Value() : gradients.lookup(slice);
      paramGradients.push_back(g ? g : m.splat(0.0, slice));
    }
    Value grads = b.create<ArenaPackOp>(loc, paramGradients);

    if (!train) {
      b.create<func::ReturnOp>(loc, ValueRange{loss, grads});
      return success();
    }

    // Update.
    Value norm = m.sqrt(m.sumAll(m.mul(grads, grads)));
    auto update = b.create<OptimizerUpdateOp>(
        loc,
        ValueRange{body->getArgument(0), grads, body->getArgument(1), norm,
                   body->getArgument(argTypes.size() - 1)},
        ArrayRef<NamedAttribute>{
            b.getNamedAttr("kind", b.getStringAttr(config.kind)),
            b.getNamedAttr("lr", b.getF64FloatAttr(numberOr(config.args, "lr", 1e-3)))});
    if (failed(configureUpdate(update, config)))
      return failure();
    FailureOr<Value> newParams = overrideUpdate(b, loc, update.getNewParams(), forwardOps,
                                                     orderedSlices, arena, config);
    if (failed(newParams))
      return failure();
    SmallVector<Value> results = {*newParams, update.getNewState(), loss, norm};
    results.append(otherResults);
    b.create<func::ReturnOp>(loc, results);
    return success();
  }

  /// The updated arena with what the optimizer must not decide written over
  /// it: the running statistics the step's batch_norm ops moved (no gradient
  /// moves them; the optimizer saw zeros), and frozen parameters' values as
  /// they were (weight decay would move them). A statistic two batch_norm ops
  /// share (one encoder applied twice) takes the first's.
  static FailureOr<Value> overrideUpdate(OpBuilder &b, Location loc, Value params,
                                              ArrayRef<Operation *> forwardOps,
                                              ArrayRef<Value> slices, const ParamArena &arena,
                                              const OptimizerConfig &config) {
    llvm::DenseMap<Value, size_t> entryOf;
    for (auto [i, slice] : llvm::enumerate(slices))
      entryOf[slice] = i;
    std::map<int64_t, std::pair<int64_t, Value>> statistics; // offset -> (elements, value)
    for (auto [entry, slice] : llvm::zip(arena.entries, slices))
      if (config.isFrozen(entry.name))
        statistics.try_emplace(entry.offset, entry.type.getNumElements(), slice);
    for (Operation *op : forwardOps) {
      auto norm = dyn_cast<BatchNormOp>(op);
      if (!norm)
        continue;
      for (auto [running, moved] : {std::pair(norm.getRunningMean(), norm.getNewMean()),
                                    std::pair(norm.getRunningVar(), norm.getNewVar())}) {
        auto it = entryOf.find(running);
        if (it == entryOf.end())
          return norm.emitOpError("needs its running statistics to be parameters, to keep them");
        const ArenaEntry &entry = arena.entries[it->second];
        statistics.try_emplace(entry.offset, entry.type.getNumElements(), moved);
      }
    }
    if (statistics.empty())
      return params;
    TensorMath m(b, loc);
    SmallVector<Value> pieces;
    int64_t cursor = 0;
    for (auto &[offset, statistic] : statistics) {
      if (offset > cursor)
        pieces.push_back(m.slice(params, 0, cursor, offset));
      pieces.push_back(m.reshape(statistic.second, {statistic.first}));
      cursor = offset + statistic.first;
    }
    if (cursor < arena.size)
      pieces.push_back(m.slice(params, 0, cursor, arena.size));
    return m.concat(pieces, 0);
  }

  LogicalResult configureUpdate(OptimizerUpdateOp update, const OptimizerConfig &c) {
    Builder b(update.getContext());
    auto f64 = [&](double v) { return b.getF64FloatAttr(v); };
    update.setMomentumAttr(f64(numberOr(c.args, "momentum", 0.0)));
    BoolAttr nesterov = c.args ? c.args.getAs<BoolAttr>("nesterov") : BoolAttr();
    update.setNesterov(nesterov && nesterov.getValue());
    update.setBeta1Attr(f64(numberOr(c.args, "beta1", 0.9)));
    update.setBeta2Attr(f64(numberOr(c.args, "beta2", 0.999)));
    update.setEpsAttr(f64(numberOr(c.args, "eps", 1e-8)));
    update.setWeightDecayAttr(f64(numberOr(c.args, "weight_decay", c.kind == "adamw" ? 0.01 : 0.0)));
    update.setScheduleAttr(b.getStringAttr(c.schedule));
    update.setMaxGradNormAttr(f64(c.maxGradNorm));
    if (c.schedule == "cosine" || c.schedule == "linear") {
      int64_t total = totalSteps > 0 ? static_cast<int64_t>(totalSteps) : c.steps;
      if (total <= 0)
        return update.emitOpError("a " + c.schedule + " schedule needs the run's total steps "
                                  "(--strata-autodiff=total-steps=N)");
      update.setWarmupAttr(b.getI64IntegerAttr(static_cast<int64_t>(numberOr(c.scheduleArgs, "warmup", 0))));
      update.setTotalStepsAttr(b.getI64IntegerAttr(total));
      update.setMinLrAttr(f64(numberOr(c.scheduleArgs, "min_lr", 0.0)));
    }
    return update.verify();
  }

  static DictionaryAttr arenaAttr(OpBuilder &b, StringRef which) {
    return roleAttr(b, "strata.arena", b.getStringAttr(which));
  }
  static DictionaryAttr lossAttr(OpBuilder &b) { return roleAttr(b, "strata.loss"); }
};

} // namespace
