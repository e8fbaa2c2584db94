//===- NegativeSamplingKernels.cpp - word2vec's loss and gradients in one pass ===//
//
// Decomposed, negative sampling is a chain of whole-batch ops: gather the
// [B, K, D] noise rows, multiply by the broadcast input, reduce, softplus;
// and its reverse mode writes and reads back several [B, K, D] tensors before
// three scatter-adds. On the CPU that is memory traffic and scalar loops for
// what is K + 1 dot products and K + 1 row updates per row.
//
// This pass replaces `strata.negative_sampling` and
// `strata.negative_sampling_grad` by one loop over the rows each, on vectors
// of `lanes` elements (the largest of 8, 4, 2, 1 that divides D): a row's
// K + 1 dot products in one sweep over D with one accumulator each, then, for
// the gradient, one more sweep that writes the input's gradient row and adds
// into the table's gradient at the row's ids. The lane count depends on D
// only, so the order of additions (and the bits) is the same on every host.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "Passes.h"
#include "StrataDialect.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"

namespace mlir::strata {
#define GEN_PASS_DEF_STRATANEGATIVESAMPLINGKERNELS
#include "Passes.h.inc"
} // namespace mlir::strata

using namespace mlir;
using namespace mlir::strata;

namespace {

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

/// For a row's score z against one id (negated for the true id): its loss
/// term softplus(z) = max(z, 0) + log1p(e) and its slope sigmoid(z), both
/// from e = exp(-|z|), which neither overflows nor loses the small values.
struct Term {
  Value softplus, sigmoid;
};

Term termOf(OpBuilder &b, Location loc, Value z, bool wantLoss, bool wantSlope) {
  Value zero = scalarConstant(b, loc, z.getType(), 0);
  Value one = scalarConstant(b, loc, z.getType(), 1);
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, z)));
  Term term;
  if (wantLoss)
    term.softplus = b.create<arith::AddFOp>(loc, b.create<arith::MaximumFOp>(loc, z, zero),
                                            b.create<math::Log1pOp>(loc, e));
  if (wantSlope) {
    Value nonNegative = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, z, zero);
    Value numerator = b.create<arith::SelectOp>(loc, nonNegative, one, e);
    term.sigmoid = b.create<arith::DivFOp>(loc, numerator, b.create<arith::AddFOp>(loc, one, e));
  }
  return term;
}

/// What both kernels share: the operands, the sizes, and the reads of a row's
/// ids and of its K + 1 scores.
class RowKernel {
public:
  RowKernel(Location loc, Value input, Value table, Value positive, Value negatives)
      : loc_(loc), input_(input), table_(table), positive_(positive), negatives_(negatives) {
    auto inputType = typeOf(input);
    element_ = inputType.getElementType();
    rows_ = inputType.getDimSize(0);
    dim_ = inputType.getDimSize(1);
    noise_ = typeOf(negatives).getDimSize(1);
    lanes_ = rowVectorLanes(dim_);
    vector_ = VectorType::get({lanes_}, element_);
  }

  Location loc() const { return loc_; }
  Type element() const { return element_; }
  int64_t rows() const { return rows_; }
  VectorType vectorType() const { return vector_; }
  Value table() const { return table_; }
  Value input() const { return input_; }

  Value index(OpBuilder &b, int64_t value) const {
    return b.create<arith::ConstantIndexOp>(loc_, value);
  }

  /// The row's true id, then its K noise ids, as indices.
  SmallVector<Value> idsOf(OpBuilder &b, Value row) const {
    SmallVector<Value> ids = {asIndex(b, b.create<tensor::ExtractOp>(loc_, positive_, ValueRange{row}))};
    for (int64_t k = 0; k < noise_; ++k)
      ids.push_back(asIndex(
          b, b.create<tensor::ExtractOp>(loc_, negatives_, ValueRange{row, index(b, k)})));
    return ids;
  }

  /// `lanes` elements of `tensor`'s row at `offset`.
  Value read(OpBuilder &b, Value tensor, Value row, Value offset) const {
    return readVector(b, loc_, vector_, tensor, {row, offset});
  }

  /// `vector` written into `tensor`'s row at `offset`; the new tensor.
  Value write(OpBuilder &b, Value vector, Value tensor, Value row, Value offset) const {
    return writeVector(b, loc_, vector, tensor, {row, offset});
  }

  /// The input row's dot product with the table's row at each of `ids`: one
  /// sweep over D, one vector accumulator per id, each reduced in lane order.
  SmallVector<Value> scores(OpBuilder &b, Value row, ArrayRef<Value> ids) const {
    Value zeros = b.create<vector::BroadcastOp>(loc_, vector_, scalarConstant(b, loc_, element_, 0));
    SmallVector<Value> init(ids.size(), zeros);
    auto sweep = sweepRow(b, init, [&](OpBuilder &nb, Value offset, ValueRange acc) {
      Value x = read(nb, input_, row, offset);
      SmallVector<Value> next;
      for (auto [id, a] : llvm::zip(ids, acc))
        next.push_back(nb.create<vector::FMAOp>(loc_, x, read(nb, table_, id, offset), a));
      return next;
    });
    SmallVector<Value> dots;
    for (Value acc : sweep.getResults())
      dots.push_back(b.create<vector::ReductionOp>(loc_, vector::CombiningKind::ADD, acc));
    return dots;
  }

  /// The loop over D in steps of `lanes`, carrying `carried`.
  scf::ForOp sweepRow(OpBuilder &b, ValueRange carried,
                      function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) const {
    return b.create<scf::ForOp>(loc_, index(b, 0), index(b, dim_), index(b, lanes_), carried,
                                [&](OpBuilder &nb, Location l, Value offset, ValueRange acc) {
                                  nb.create<scf::YieldOp>(l, body(nb, offset, acc));
                                });
  }

private:
  Value asIndex(OpBuilder &b, Value id) const {
    return b.create<arith::IndexCastOp>(loc_, b.getIndexType(), id);
  }

  Location loc_;
  Value input_, table_, positive_, negatives_;
  Type element_;
  int64_t rows_, dim_, noise_, lanes_;
  VectorType vector_;
};

/// 1/B for the mean reductions, 1 for sum.
double reductionScale(Reduction reduction, int64_t rows) {
  return reduction == Reduction::sum ? 1.0 : 1.0 / static_cast<double>(rows);
}

/// One chunk of row b's gradients at `offset`: d input_b = sum_j c_j t[id_j]
/// is written, and c_j input_b is added to the table's gradient at each id in
/// turn (so repeated ids add up). Returns the two gradients.
SmallVector<Value> updateRow(OpBuilder &b, const RowKernel &k, Value row, Value offset,
                             ArrayRef<Value> ids, ArrayRef<Value> coefficients, Value inputGrad,
                             Value tableGrad) {
  Location loc = k.loc();
  Value x = k.read(b, k.input(), row, offset);
  Value dx = b.create<vector::BroadcastOp>(loc, k.vectorType(), scalarConstant(b, loc, k.element(), 0));
  for (auto [id, c] : llvm::zip(ids, coefficients))
    dx = b.create<vector::FMAOp>(loc, c, k.read(b, k.table(), id, offset), dx);
  inputGrad = k.write(b, dx, inputGrad, row, offset);
  for (auto [id, c] : llvm::zip(ids, coefficients)) {
    Value old = k.read(b, tableGrad, id, offset);
    tableGrad = k.write(b, b.create<vector::FMAOp>(loc, c, x, old), tableGrad, id, offset);
  }
  return {inputGrad, tableGrad};
}

/// What one loop over the rows computes: the loss, the gradients, or both.
struct KernelResults {
  Value loss, inputGrad, tableGrad;
};

/// One loop over the rows. Row b scores s_j against its ids (j = 0 the true
/// id); its loss is softplus(-s_0) + sum_k softplus(s_k), summed in row order
/// and scaled as the reduction says. With `upstream` (the loss's gradient g,
/// a 0-d tensor) it also builds the gradients: the coefficient of id j is
/// c_0 = -g sigmoid(-s_0) or c_k = g sigmoid(s_k), d input_b = sum_j c_j
/// t[id_j] and d t[id_j] += c_j input_b, in row order, then id order.
KernelResults buildRowLoop(OpBuilder &b, const RowKernel &k, Reduction reduction, bool wantLoss,
                           Value upstream, RankedTensorType tableType) {
  Location loc = k.loc();
  Value scale = scalarConstant(b, loc, k.element(), reductionScale(reduction, k.rows()));
  SmallVector<Value> init;
  if (wantLoss)
    init.push_back(scalarConstant(b, loc, k.element(), 0));
  Value g;
  if (upstream) {
    g = b.create<arith::MulFOp>(loc, b.create<tensor::ExtractOp>(loc, upstream, ValueRange{}), scale);
    auto inputType = typeOf(k.input());
    init.push_back(b.create<tensor::EmptyOp>(loc, inputType.getShape(), k.element()));
    init.push_back(buildZeros(b, loc, tableType));
  }
  auto rows = b.create<scf::ForOp>(
      loc, k.index(b, 0), k.index(b, k.rows()), k.index(b, 1), init,
      [&](OpBuilder &nb, Location l, Value row, ValueRange acc) {
        SmallVector<Value> ids = k.idsOf(nb, row);
        SmallVector<Value> s = k.scores(nb, row, ids);
        SmallVector<Value> next;
        Value perRow;
        SmallVector<Value> coefficients;
        for (size_t j = 0; j < s.size(); ++j) {
          Value z = j == 0 ? nb.create<arith::NegFOp>(l, s[0]) : s[j];
          Term term = termOf(nb, l, z, wantLoss, bool(upstream));
          if (wantLoss)
            perRow = perRow ? nb.create<arith::AddFOp>(l, perRow, term.softplus) : term.softplus;
          if (upstream) {
            Value c = nb.create<arith::MulFOp>(l, term.sigmoid, g);
            if (j == 0)
              c = nb.create<arith::NegFOp>(l, c);
            coefficients.push_back(nb.create<vector::BroadcastOp>(l, k.vectorType(), c));
          }
        }
        if (wantLoss)
          next.push_back(nb.create<arith::AddFOp>(l, acc[0], perRow));
        if (upstream) {
          auto sweep = k.sweepRow(nb, acc.take_back(2), [&](OpBuilder &ib, Value offset, ValueRange grads) {
            return updateRow(ib, k, row, offset, ids, coefficients, grads[0], grads[1]);
          });
          next.append(sweep.getResults().begin(), sweep.getResults().end());
        }
        nb.create<scf::YieldOp>(l, next);
      });
  KernelResults results;
  if (wantLoss) {
    Value total = b.create<arith::MulFOp>(loc, rows.getResult(0), scale);
    results.loss = b.create<tensor::FromElementsOp>(loc, RankedTensorType::get({}, k.element()), total);
  }
  if (upstream) {
    results.inputGrad = rows.getResults().take_back(2)[0];
    results.tableGrad = rows.getResults().take_back(2)[1];
  }
  return results;
}

/// The loss op whose loop can also build `grad`'s gradients: same operands
/// and reduction, and `grad`'s incoming gradient already computed where the
/// loss is. Null when there is none.
NegativeSamplingOp partnerOf(NegativeSamplingGradOp grad, ArrayRef<NegativeSamplingOp> losses,
                             DominanceInfo &dominance) {
  for (NegativeSamplingOp loss : losses)
    if (loss.getInput() == grad.getInput() && loss.getTable() == grad.getTable() &&
        loss.getPositive() == grad.getPositive() && loss.getNegatives() == grad.getNegatives() &&
        loss.getReduction() == grad.getReduction() &&
        dominance.properlyDominates(grad.getGradient(), loss))
      return loss;
  return nullptr;
}

bool hasStaticShapes(Operation *op) {
  return llvm::all_of(op->getOperands(),
                      [](Value v) { return typeOf(v).hasStaticShape(); });
}

struct NegativeSamplingKernelsPass
    : public mlir::strata::impl::StrataNegativeSamplingKernelsBase<NegativeSamplingKernelsPass> {
  void runOnOperation() override {
    SmallVector<NegativeSamplingOp> losses;
    SmallVector<NegativeSamplingGradOp> grads;
    WalkResult walk = getOperation().walk([&](Operation *op) {
      if (!isa<NegativeSamplingOp, NegativeSamplingGradOp>(op))
        return WalkResult::advance();
      if (!hasStaticShapes(op)) {
        op->emitOpError("needs static shapes (run strata-infer-shapes with a batch first)");
        return WalkResult::interrupt();
      }
      if (auto loss = dyn_cast<NegativeSamplingOp>(op))
        losses.push_back(loss);
      else
        grads.push_back(cast<NegativeSamplingGradOp>(op));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();

    DominanceInfo dominance(getOperation());
    OpBuilder b(&getContext());
    // A train step has both ops over the same rows: one loop computes the
    // loss where the forward pass needs it and the gradients with it.
    for (NegativeSamplingGradOp grad : grads) {
      RowKernel k(grad.getLoc(), grad.getInput(), grad.getTable(), grad.getPositive(),
                  grad.getNegatives());
      NegativeSamplingOp loss = partnerOf(grad, losses, dominance);
      b.setInsertionPoint(loss ? loss.getOperation() : grad.getOperation());
      KernelResults r = buildRowLoop(b, k, grad.getReduction(), bool(loss), grad.getGradient(),
                                     typeOf(grad.getTable()));
      if (loss) {
        loss.getResult().replaceAllUsesWith(r.loss);
        llvm::erase(losses, loss);
        loss.erase();
      }
      grad.getInputGrad().replaceAllUsesWith(r.inputGrad);
      grad.getTableGrad().replaceAllUsesWith(r.tableGrad);
      grad.erase();
    }
    for (NegativeSamplingOp loss : losses) {
      RowKernel k(loss.getLoc(), loss.getInput(), loss.getTable(), loss.getPositive(),
                  loss.getNegatives());
      b.setInsertionPoint(loss);
      loss.getResult().replaceAllUsesWith(
          buildRowLoop(b, k, loss.getReduction(), true, Value(), typeOf(loss.getTable())).loss);
      loss.erase();
    }
  }
};

} // namespace
