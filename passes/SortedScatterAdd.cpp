//===- SortedScatterAdd.cpp - embedding gradients as parallel, ordered sums ===//
//
// strata.embedding_grad adds row i of an [N, D] gradient into row ids[i] of a
// [V, D] table. strata-lower-to-linalg writes it as a loop over i, the CPU's
// form; on the GPU nothing covers that loop in parallel, so it becomes one
// thread walking N x D elements (130 of bert-mini-mlm's 132 ms a step on an
// H200). Atomic adds would spread it over threads but let the order of the
// additions, and so the bits, change from run to run, and --resume would no
// longer continue a run exactly. This pass writes the scatter as parallel
// linalg ops that add in the CPU loop's order:
//
//   1. rank[i]  = #{j : ids[j] < ids[i]} + #{j < i : ids[j] == ids[i]}
//                 (i's place in a stable sort of the ids)
//   2. order[k] = the i whose rank is k (the ids' positions, sorted)
//   3. first[v] = #{j : ids[j] < v},  end[v] = #{j : ids[j] <= v}
//                 (row v's positions are order[first[v] .. end[v]))
//   4. table[v, d] = sum of grad[order[k], d] for k from first[v] to end[v],
//                 added in k's order, which is i's: the CPU loop's sums, bit
//                 for bit; rows no id names come out zero.
//
// Steps 1-3 count integers (exact in any order) and read only the ids:
// N x N and V x N compares, no table traffic. Step 4 is one thread per table
// element, each writing its element once. Runs on the GPU pipeline after
// strata-decompose, before strata-lower-to-linalg; the CPU keeps its loop,
// which touches N x D elements instead of counting N x N pairs.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "Passes.h"
#include "StrataDialect.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATASORTEDSCATTERADD
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

/// An input of a counting generic: a 1-d tensor read at the output's index
/// (loop 0) or at the counted index (loop 1).
struct CountedInput {
  Value tensor;
  bool atOutput;
};

/// The contribution of one (output p, counted r) pair, given the inputs'
/// elements and both indices as i32.
using PairTerm = function_ref<Value(OpBuilder &, Location, ValueRange elements, Value p, Value r)>;

/// out[p] = the sum over r of term(p, r), in i32: a reduction generic over
/// (p, r), r ranging over the inputs read at r.
Value countPairs(OpBuilder &b, Location loc, int64_t outputs, ArrayRef<CountedInput> inputs, PairTerm term) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  auto outType = RankedTensorType::get({outputs}, i32);
  Value empty = b.create<tensor::EmptyOp>(loc, outType.getShape(), i32);
  Value zero = b.create<arith::ConstantIntOp>(loc, 0, 32);
  Value init = b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
  SmallVector<Value> tensors;
  SmallVector<AffineMap> maps;
  for (const CountedInput &in : inputs) {
    tensors.push_back(in.tensor);
    maps.push_back(AffineMap::get(2, 0, getAffineDimExpr(in.atOutput ? 0 : 1, ctx)));
  }
  maps.push_back(AffineMap::get(2, 0, getAffineDimExpr(0, ctx)));
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel, utils::IteratorType::reduction};
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{outType}, tensors, ValueRange{init}, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            auto asI32 = [&](unsigned dim) {
              Value index = nb.create<linalg::IndexOp>(l, dim);
              return nb.create<arith::IndexCastOp>(l, nb.getI32Type(), index).getResult();
            };
            Value contribution = term(nb, l, args.drop_back(), asI32(0), asI32(1));
            nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddIOp>(l, args.back(), contribution)});
          })
      .getResult(0);
}

Value oneIf(OpBuilder &b, Location loc, Value condition) {
  return b.create<arith::ExtUIOp>(loc, b.getI32Type(), condition);
}

/// Step 4: table[v, d] = the sum of grad[order[k], d] over k in
/// [first[v], end[v]), in k's order.
Value sumSortedRows(OpBuilder &b, Location loc, RankedTensorType tableType, Value grad, Value order, Value first,
                    Value end) {
  MLIRContext *ctx = b.getContext();
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  SmallVector<AffineMap> maps = {row, row, AffineMap::getMultiDimIdentityMap(2, ctx)};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  Value empty = b.create<tensor::EmptyOp>(loc, tableType.getShape(), tableType.getElementType());
  return b
      .create<linalg::GenericOp>(
          loc, TypeRange{tableType}, ValueRange{first, end}, ValueRange{empty}, maps, iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Type index = nb.getIndexType();
            Value lo = nb.create<arith::IndexCastOp>(l, index, args[0]);
            Value hi = nb.create<arith::IndexCastOp>(l, index, args[1]);
            Value column = nb.create<linalg::IndexOp>(l, 1);
            Value step = nb.create<arith::ConstantIndexOp>(l, 1);
            Value zero = scalarConstant(nb, l, tableType.getElementType(), 0.0);
            auto sum = nb.create<scf::ForOp>(
                l, lo, hi, step, ValueRange{zero}, [&](OpBuilder &fb, Location fl, Value k, ValueRange acc) {
                  Value i = fb.create<arith::IndexCastOp>(
                      fl, index, fb.create<tensor::ExtractOp>(fl, order, ValueRange{k}));
                  Value g = fb.create<tensor::ExtractOp>(fl, grad, ValueRange{i, column});
                  fb.create<scf::YieldOp>(fl, ValueRange{fb.create<arith::AddFOp>(fl, acc[0], g)});
                });
            nb.create<linalg::YieldOp>(l, sum.getResults());
          })
      .getResult(0);
}

/// The four steps for one scatter-add; its result.
Value sortedScatterAdd(OpBuilder &b, EmbeddingGradOp op) {
  Location loc = op.getLoc();
  auto tableType = cast<RankedTensorType>(op.getResult().getType());
  auto idsType = cast<RankedTensorType>(op.getIds().getType());
  int64_t n = idsType.getNumElements(), vocab = tableType.getDimSize(0), dim = tableType.getDimSize(1);
  Type idType = idsType.getElementType();
  Value ids = buildReshape(b, loc, op.getIds(), RankedTensorType::get({n}, idType));
  Value grad = buildReshape(b, loc, op.getGradient(), RankedTensorType::get({n, dim}, tableType.getElementType()));
  using P = arith::CmpIPredicate;
  auto idOf = [&](OpBuilder &nb, Location l, Value index32) { // an i32 index as an id
    return idType.isInteger(32) ? index32 : nb.create<arith::ExtSIOp>(l, idType, index32).getResult();
  };

  Value rank = countPairs(b, loc, n, {{ids, true}, {ids, false}},
                          [&](OpBuilder &nb, Location l, ValueRange e, Value i, Value j) {
                            Value less = nb.create<arith::CmpIOp>(l, P::slt, e[1], e[0]);
                            Value same = nb.create<arith::CmpIOp>(l, P::eq, e[1], e[0]);
                            Value before = nb.create<arith::CmpIOp>(l, P::slt, j, i);
                            Value earlier = nb.create<arith::AndIOp>(l, same, before);
                            return oneIf(nb, l, nb.create<arith::OrIOp>(l, less, earlier));
                          });
  Value order = countPairs(b, loc, n, {{rank, false}},
                           [&](OpBuilder &nb, Location l, ValueRange e, Value k, Value i) {
                             Value here = nb.create<arith::CmpIOp>(l, P::eq, e[0], k);
                             Value zero = nb.create<arith::ConstantIntOp>(l, 0, 32);
                             return nb.create<arith::SelectOp>(l, here, i, zero).getResult();
                           });
  auto idsBelow = [&](P predicate) { // #{j : ids[j] (predicate) v} for each row v
    return countPairs(b, loc, vocab, {{ids, false}},
                      [&, predicate](OpBuilder &nb, Location l, ValueRange e, Value v, Value) {
                        return oneIf(nb, l, nb.create<arith::CmpIOp>(l, predicate, e[0], idOf(nb, l, v)));
                      });
  };
  Value first = idsBelow(P::slt);
  Value end = idsBelow(P::sle);
  return sumSortedRows(b, loc, tableType, grad, order, first, end);
}

struct SortedScatterAddPass : public mlir::strata::impl::StrataSortedScatterAddBase<SortedScatterAddPass> {
  void runOnOperation() override {
    SmallVector<EmbeddingGradOp> scatters;
    getOperation()->walk([&](EmbeddingGradOp op) {
      auto ids = cast<RankedTensorType>(op.getIds().getType());
      auto grad = cast<RankedTensorType>(op.getGradient().getType());
      auto table = cast<RankedTensorType>(op.getResult().getType());
      if (ids.hasStaticShape() && grad.hasStaticShape() && table.hasStaticShape() &&
          ids.getNumElements() < (int64_t{1} << 31))
        scatters.push_back(op);
    });
    OpBuilder b(&getContext());
    for (EmbeddingGradOp op : scatters) {
      b.setInsertionPoint(op);
      op.getResult().replaceAllUsesWith(sortedScatterAdd(b, op));
      op.erase();
    }
  }
};

} // namespace
