//===- SparseSgd.cpp - plain SGD on embedding tables, row by touched row ---===//
//
// A train step's update reads the whole gradient arena twice (its squared
// norm, then params -= lr * g) and rewrites the whole parameter arena. When
// every parameter is an embedding table whose gradient is a scatter-add at a
// batch's ids (word2vec), most rows of the gradient are zero and those reads
// and writes change nothing: on word2vec (two 8192 x 100 tables, 5,149 words
// in use) they were half of a step's time.
//
// For plain SGD (no momentum, no weight decay, no clipping) whose gradient
// arena packs only such scatter-adds (`strata.embedding_grad`, or the table
// gradient of `strata.negative_sampling_grad`), this pass replaces the norm
// and the update by a loop over the ids, in order: each id's gradient row is
// added to the squared norm, subtracted (times lr) from the parameter row,
// and then zeroed, so a repeated id adds and subtracts nothing the second
// time. The parameters come out bit for bit as the dense update makes them
// (untouched rows lose lr * 0); the norm sums the same squares in another
// order.
//
//===----------------------------------------------------------------------===//

#include "LearningRate.h"
#include "LinalgBuilders.h"
#include "Passes.h"
#include "StrataDialect.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATASPARSESGD
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// One [V, D] segment of the gradient arena: a scatter-add at `ids` (each a
/// tensor of ids) into `gradient`.
struct SparseSegment {
  Value gradient;
  SmallVector<Value> ids;
};

/// The segment `value` is, when it is a scatter-add at a batch's ids.
std::optional<SparseSegment> sparseSegmentOf(Value value) {
  if (auto scatter = value.getDefiningOp<EmbeddingGradOp>())
    return SparseSegment{value, {scatter.getIds()}};
  if (auto grad = value.getDefiningOp<NegativeSamplingGradOp>(); grad && value == grad.getTableGrad())
    return SparseSegment{value, {grad.getPositive(), grad.getNegatives()}};
  return std::nullopt;
}

/// What the rewrite replaces: the update, its gradient arena, and the ops
/// that make the gradient norm out of it.
struct DenseUpdate {
  OptimizerUpdateOp update;
  ArenaPackOp pack;
  MulOp square;
  ReduceSumOp sum;
  SqrtOp norm;
  SmallVector<SparseSegment> segments;
};

/// `update` with everything the sparse form needs, or nothing.
std::optional<DenseUpdate> matchDenseUpdate(OptimizerUpdateOp update) {
  if (update.getKind() != "sgd" || update.getMomentum().convertToDouble() != 0 ||
      update.getWeightDecay().convertToDouble() != 0 || update.getMaxGradNorm().convertToDouble() > 0)
    return std::nullopt;
  auto pack = update.getGrads().getDefiningOp<ArenaPackOp>();
  auto norm = update.getGradNorm().getDefiningOp<SqrtOp>();
  if (!pack || !norm)
    return std::nullopt;
  auto sum = norm.getInput().getDefiningOp<ReduceSumOp>();
  auto square = sum ? sum.getInput().getDefiningOp<MulOp>() : MulOp();
  if (!square || square.getLhs() != pack.getResult() || square.getRhs() != pack.getResult())
    return std::nullopt;
  // The gradients feed nothing else, and the norm's other users (the
  // metric) come after the update, where the sparse norm is made.
  for (Operation *user : pack->getUsers())
    if (user != square && user != update)
      return std::nullopt;
  if (!square->hasOneUse() || !sum->hasOneUse())
    return std::nullopt;
  for (Operation *user : norm->getUsers())
    if (user != update && (user->getBlock() != update->getBlock() || user->isBeforeInBlock(update)))
      return std::nullopt;
  DenseUpdate match{update, pack, square, sum, norm, {}};
  for (Value input : pack.getInputs()) {
    auto segment = sparseSegmentOf(input);
    if (!segment || typeOf(input).getRank() != 2)
      return std::nullopt;
    match.segments.push_back(*segment);
  }
  return match;
}

/// The state of the loop over one tensor of ids: the parameter arena, the
/// segment's gradient, and the squared norm's vector accumulator.
struct RowUpdate {
  Value params, gradient, squares;
};

/// For each id of `ids` in order: squares += g[id]^2, params[offset + id * D]
/// -= rate * g[id], g[id] = 0, a vector of lanes at a time.
RowUpdate updateRows(OpBuilder &b, Location loc, Value ids, int64_t offset, Value rate,
                     RowUpdate state) {
  auto gradType = typeOf(state.gradient);
  int64_t dim = gradType.getDimSize(1), lanes = rowVectorLanes(dim);
  auto vectorType = VectorType::get({lanes}, gradType.getElementType());
  auto idsType = typeOf(ids);
  Value flat = buildReshape(b, loc, ids, RankedTensorType::get({idsType.getNumElements()}, idsType.getElementType()));
  auto index = [&](OpBuilder &nb, int64_t v) { return nb.create<arith::ConstantIndexOp>(loc, v); };
  Value rates = b.create<vector::BroadcastOp>(loc, vectorType, rate);
  Value zeros = b.create<vector::BroadcastOp>(loc, vectorType, scalarConstant(b, loc, gradType.getElementType(), 0));
  auto overIds = b.create<scf::ForOp>(
      loc, index(b, 0), index(b, idsType.getNumElements()), index(b, 1),
      ValueRange{state.params, state.gradient, state.squares},
      [&](OpBuilder &nb, Location l, Value i, ValueRange acc) {
        Value id = nb.create<arith::IndexCastOp>(l, nb.getIndexType(),
                                                 nb.create<tensor::ExtractOp>(l, flat, ValueRange{i}));
        Value base = nb.create<arith::AddIOp>(l, index(nb, offset),
                                              nb.create<arith::MulIOp>(l, id, index(nb, dim)));
        auto overRow = nb.create<scf::ForOp>(
            l, index(nb, 0), index(nb, dim), index(nb, lanes), acc,
            [&](OpBuilder &ib, Location il, Value d, ValueRange row) {
              Value at = ib.create<arith::AddIOp>(il, base, d);
              Value g = readVector(ib, il, vectorType, row[1], {id, d});
              Value p = readVector(ib, il, vectorType, row[0], {at});
              // The dense update's arithmetic: p - rate * g.
              Value stepped = ib.create<arith::SubFOp>(il, p, ib.create<arith::MulFOp>(il, rates, g));
              Value params = writeVector(ib, il, stepped, row[0], {at});
              Value gradient = writeVector(ib, il, zeros, row[1], {id, d});
              Value squares = ib.create<vector::FMAOp>(il, g, g, row[2]);
              ib.create<scf::YieldOp>(il, ValueRange{params, gradient, squares});
            });
        nb.create<scf::YieldOp>(l, overRow.getResults());
      });
  return {overIds.getResult(0), overIds.getResult(1), overIds.getResult(2)};
}

/// Replaces the dense norm and update of `match` by the loop over the ids.
void rewrite(OpBuilder &b, DenseUpdate &match) {
  OptimizerUpdateOp update = match.update;
  Location loc = update.getLoc();
  b.setInsertionPoint(update);
  Type element = typeOf(update.getParams()).getElementType();
  Value rate = buildLearningRate(b, update);
  if (element != b.getF64Type())
    rate = b.create<arith::TruncFOp>(loc, element, rate);
  Value params = update.getParams();
  Value squaredNorm = scalarConstant(b, loc, element, 0);
  int64_t offset = 0;
  for (SparseSegment &segment : match.segments) {
    auto type = typeOf(segment.gradient);
    auto vectorType = VectorType::get({rowVectorLanes(type.getDimSize(1))}, element);
    RowUpdate state{params, segment.gradient,
                    b.create<vector::BroadcastOp>(loc, vectorType, scalarConstant(b, loc, element, 0))};
    for (Value ids : segment.ids)
      state = updateRows(b, loc, ids, offset, rate, state);
    params = state.params;
    squaredNorm = b.create<arith::AddFOp>(
        loc, squaredNorm, b.create<vector::ReductionOp>(loc, vector::CombiningKind::ADD, state.squares));
    offset += type.getNumElements();
  }
  Value norm = b.create<tensor::FromElementsOp>(loc, RankedTensorType::get({}, element),
                                                ValueRange{b.create<math::SqrtOp>(loc, squaredNorm)});
  update.getNewParams().replaceAllUsesWith(params);
  update.getNewState().replaceAllUsesWith(update.getState());
  update.erase();
  match.norm.getResult().replaceAllUsesWith(norm);
  match.norm.erase();
  match.sum.erase();
  match.square.erase();
  match.pack.erase();
}

struct SparseSgdPass : public mlir::strata::impl::StrataSparseSgdBase<SparseSgdPass> {
  void runOnOperation() override {
    SmallVector<DenseUpdate> matches;
    getOperation().walk([&](OptimizerUpdateOp update) {
      if (auto match = matchDenseUpdate(update))
        matches.push_back(*match);
    });
    OpBuilder b(&getContext());
    for (DenseUpdate &match : matches)
      rewrite(b, match);
  }
};

} // namespace
