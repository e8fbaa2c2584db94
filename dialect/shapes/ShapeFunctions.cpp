//===- ShapeFunctions.cpp - result shapes of strata ops -------------------===//

#include "ShapeFunctions.h"

#include <algorithm>
#include <numeric>

namespace strata::shapes {

std::string str(const Shape &shape);

static std::string dimStr(int64_t d) {
  std::string s = str({d});
  return s.substr(1, s.size() - 2);
}

std::string str(const Shape &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      out += ", ";
    if (shape[i] == kBatch)
      out += "B";
    else if (isBatch(shape[i]))
      out += std::to_string(-shape[i]) + "B";
    else
      out += std::to_string(shape[i]);
  }
  return out + "]";
}

int64_t numElements(const Shape &shape, int64_t batch) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= isBatch(d) ? -d * batch : d;
  return n;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

static std::string rankError(const char *what, int64_t axis,
                             const Shape &shape) {
  return std::string(what) + " " + std::to_string(axis) +
         " is out of range for shape " + str(shape);
}

Result broadcast(const Shape &lhs, const Shape &rhs, std::string &error) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == b || b == 1) {
      out[i] = a;
    } else if (a == 1) {
      out[i] = b;
    } else {
      error = "cannot broadcast " + str(lhs) + " with " + str(rhs);
      return std::nullopt;
    }
  }
  return out;
}

Result matmul(const Shape &lhs, const Shape &rhs, bool transposeLhs,
              bool transposeRhs, std::string &error) {
  if (lhs.size() < 2 || rhs.size() < 2) {
    error = "matmul needs operands of rank >= 2, got " + str(lhs) + " and " +
            str(rhs);
    return std::nullopt;
  }
  size_t lr = lhs.size(), rr = rhs.size();
  int64_t m = transposeLhs ? lhs[lr - 1] : lhs[lr - 2];
  int64_t kl = transposeLhs ? lhs[lr - 2] : lhs[lr - 1];
  int64_t kr = transposeRhs ? rhs[rr - 1] : rhs[rr - 2];
  int64_t n = transposeRhs ? rhs[rr - 2] : rhs[rr - 1];
  if (kl != kr) {
    error = "matmul contracting dimensions differ: " + str(lhs) + " x " +
            str(rhs) + " (" + dimStr(kl) + " vs " + dimStr(kr) + ")";
    return std::nullopt;
  }
  Shape lhsBatch(lhs.begin(), lhs.end() - 2), rhsBatch(rhs.begin(), rhs.end() - 2);
  std::string broadcastError;
  Result batch = broadcast(lhsBatch, rhsBatch, broadcastError);
  if (!batch) {
    error = "matmul batch dimensions of " + str(lhs) + " and " + str(rhs) +
            " do not broadcast";
    return std::nullopt;
  }
  Shape out = *batch;
  out.push_back(m);
  out.push_back(n);
  return out;
}

Result reduce(const Shape &input, const std::vector<int64_t> &axes,
              bool keepDims, std::string &error) {
  std::vector<bool> reduced(input.size(), false);
  for (int64_t axis : axes) {
    auto a = normalizeAxis(axis, input.size());
    if (!a) {
      error = rankError("reduction axis", axis, input);
      return std::nullopt;
    }
    if (reduced[*a]) {
      error = "reduction axis " + std::to_string(axis) + " is repeated";
      return std::nullopt;
    }
    reduced[*a] = true;
  }
  Shape out;
  for (size_t i = 0; i < input.size(); ++i) {
    if (!reduced[i])
      out.push_back(input[i]);
    else if (keepDims)
      out.push_back(1);
  }
  return out;
}

Result softmax(const Shape &input, int64_t axis, const Shape *mask,
               std::string &error) {
  if (!normalizeAxis(axis, input.size())) {
    error = rankError("softmax axis", axis, input);
    return std::nullopt;
  }
  if (mask) {
    std::string broadcastError;
    Result joined = broadcast(input, *mask, broadcastError);
    if (!joined || *joined != input) {
      error = "softmax mask " + str(*mask) + " does not broadcast to input " +
              str(input);
      return std::nullopt;
    }
  }
  return input;
}

Result layerNorm(const Shape &input, const Shape &gamma, const Shape &beta,
                 std::string &error) {
  if (input.empty()) {
    error = "layer_norm needs an input of rank >= 1, got " + str(input);
    return std::nullopt;
  }
  Shape expected{input.back()};
  if (gamma != expected || beta != expected) {
    error = "layer_norm scale " + str(gamma) + " and shift " + str(beta) +
            " must both be " + str(expected) + " for input " + str(input);
    return std::nullopt;
  }
  return input;
}

Result reshape(const Shape &input, const Shape &target, std::string &error) {
  // As numpy: one -1 (kBatch) in the target is inferred. When the input holds the
  // symbolic batch, that -1 is the batch itself.
  int64_t inferred = 0, staticIn = 1, staticOut = 1;
  int64_t inputBatches = std::count_if(input.begin(), input.end(), isBatch);
  int64_t batchExtent = kBatch;
  for (int64_t d : input)
    if (isBatch(d))
      batchExtent = d;
  for (int64_t d : target) {
    if (isBatch(d))
      ++inferred;
    else if (d <= 0) {
      error = "reshape target " + str(target) + " has a non-positive extent";
      return std::nullopt;
    } else
      staticOut *= d;
  }
  for (int64_t d : input)
    staticIn *= isBatch(d) ? 1 : d;
  auto mismatch = [&] {
    error = "cannot reshape " + str(input) + " to " + str(target) +
            ": element counts differ";
    return std::nullopt;
  };
  if (inferred > 1) {
    error = "reshape target " + str(target) + " has more than one inferred (-1/B) extent";
    return std::nullopt;
  }
  if (inputBatches > 1 || (inputBatches == 1 && inferred == 0))
    return mismatch();
  if (inferred == 0)
    return staticIn == staticOut ? Result(target) : mismatch();
  if (inputBatches == 0 && staticIn % staticOut != 0)
    return mismatch();
  if (inputBatches == 1 && staticIn != staticOut)
    return mismatch();
  Shape out = target;
  for (int64_t &d : out)
    if (isBatch(d))
      d = inputBatches ? batchExtent : staticIn / staticOut;
  return out;
}

Result transpose(const Shape &input, const std::vector<int64_t> &perm,
                 std::string &error) {
  if (perm.size() != input.size()) {
    error = "transpose permutation has " + std::to_string(perm.size()) +
            " entries for shape " + str(input);
    return std::nullopt;
  }
  std::vector<bool> seen(input.size(), false);
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)input.size() || seen[p]) {
      error = "transpose permutation is not a permutation of 0.." +
              std::to_string(input.size() - 1);
      return std::nullopt;
    }
    seen[p] = true;
    out.push_back(input[p]);
  }
  return out;
}

Result concat(const std::vector<Shape> &inputs, int64_t axis,
              std::string &error) {
  if (inputs.empty()) {
    error = "concat needs at least one input";
    return std::nullopt;
  }
  const Shape &first = inputs.front();
  auto a = normalizeAxis(axis, first.size());
  if (!a) {
    error = rankError("concat axis", axis, first);
    return std::nullopt;
  }
  Shape out = first;
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Shape &s = inputs[i];
    bool compatible = s.size() == first.size();
    for (size_t d = 0; compatible && d < s.size(); ++d)
      compatible = d == (size_t)*a || s[d] == first[d];
    if (!compatible) {
      error = "concat inputs " + str(first) + " and " + str(s) +
              " differ outside axis " + std::to_string(axis);
      return std::nullopt;
    }
    if (isBatch(out[*a]) != isBatch(s[*a])) {
      error = "concat of " + str(first) + " and " + str(s) +
              " mixes a batch extent with a fixed one along axis " + std::to_string(axis);
      return std::nullopt;
    }
    out[*a] += s[*a]; // B + B = 2B is -1 + -1 = -2

  }
  return out;
}

Result slice(const Shape &input, int64_t axis, int64_t start, int64_t end,
             std::string &error) {
  auto a = normalizeAxis(axis, input.size());
  if (!a) {
    error = rankError("slice axis", axis, input);
    return std::nullopt;
  }
  int64_t extent = input[*a];
  if (start < 0 || end <= start || (!isBatch(extent) && end > extent)) {
    error = "slice [" + std::to_string(start) + ", " + std::to_string(end) +
            ") is out of range for axis " + std::to_string(axis) +
            " of shape " + str(input);
    return std::nullopt;
  }
  Shape out = input;
  out[*a] = end - start;
  return out;
}

Result embedding(const Shape &table, const Shape &ids, std::string &error) {
  if (table.size() != 2) {
    error = "embedding table must be [vocab, dim], got " + str(table);
    return std::nullopt;
  }
  Shape out = ids;
  out.push_back(table[1]);
  return out;
}

Result randomShift(const Shape &input, int64_t maxShift, std::string &error) {
  if (input.size() < 2 || maxShift < 0) {
    error = "random_shift needs images of rank >= 2 and a non-negative max "
            "shift, got " + str(input);
    return std::nullopt;
  }
  return input;
}

Result randomFlip(const Shape &input, std::string &error) {
  if (input.size() < 2) {
    error = "random_flip needs images of rank >= 2, got " + str(input);
    return std::nullopt;
  }
  return input;
}

Result randomErase(const Shape &input, double rate, int64_t maxSize, std::string &error) {
  if (input.size() < 2 || !(rate >= 0.0 && rate <= 1.0) || maxSize < 1) {
    error = "random_erase needs images of rank >= 2, a rate in [0, 1] and max_size >= 1, got " +
            str(input) + ", rate " + std::to_string(rate) + ", max_size " + std::to_string(maxSize);
    return std::nullopt;
  }
  return input;
}

Result randomScale(const Shape &input, double low, double high, std::string &error) {
  if (input.empty() || !(low <= high)) {
    error = "random_scale needs a tensor of rank >= 1 and low <= high, got " + str(input) +
            " and [" + std::to_string(low) + ", " + std::to_string(high) + ")";
    return std::nullopt;
  }
  return input;
}

Result elementwiseLoss(const Shape &prediction, const Shape &target,
                       std::string &error) {
  if (prediction != target) {
    error = "loss operands must have the same shape, got prediction " +
            str(prediction) + " and target " + str(target);
    return std::nullopt;
  }
  return Shape{};
}

Result crossEntropy(const Shape &logits, const Shape &labels,
                    std::string &error) {
  Shape expected(logits.begin(), logits.end() - (logits.empty() ? 0 : 1));
  if (logits.size() < 2 || labels != expected) {
    error = "cross_entropy needs logits [..., classes] and labels [...]: got "
            "logits " + str(logits) + " and labels " + str(labels);
    return std::nullopt;
  }
  return Shape{};
}

Result ntXent(const Shape &embeddings, std::string &error) {
  if (embeddings.size() != 2 ||
      (!isBatch(embeddings[0]) && embeddings[0] % 2 != 0)) {
    error = "nt_xent needs embeddings [2N, D] (two views stacked), got " +
            str(embeddings);
    return std::nullopt;
  }
  return Shape{};
}

Result infoNce(const Shape &lhs, const Shape &rhs, const Shape *logScale,
               std::string &error) {
  if (lhs.size() != 2 || lhs != rhs) {
    error = "info_nce needs two [N, D] embeddings of one shape, got " +
            str(lhs) + " and " + str(rhs);
    return std::nullopt;
  }
  if (logScale && !logScale->empty()) {
    error = "info_nce log scale must be a scalar, got " + str(*logScale);
    return std::nullopt;
  }
  return Shape{};
}

Result klDiagonalNormal(const Shape &mean, const Shape &logVariance,
                        std::string &error) {
  if (mean != logVariance || mean.size() < 2) {
    error = "kl_normal needs mean and log-variance of one shape [B, ...], got " +
            str(mean) + " and " + str(logVariance);
    return std::nullopt;
  }
  return Shape{};
}

Result negativeSampling(const Shape &input, const Shape &table,
                        const Shape &positive, const Shape &negatives,
                        std::string &error) {
  bool ok = input.size() == 2 && table.size() == 2 && input[1] == table[1] &&
            positive.size() == 1 && positive[0] == input[0] &&
            negatives.size() == 2 && negatives[0] == input[0] && negatives[1] > 0;
  if (!ok) {
    error = "negative_sampling needs input [B, D], table [V, D], positive ids "
            "[B] and negative ids [B, K], got " + str(input) + ", " +
            str(table) + ", " + str(positive) + " and " + str(negatives);
    return std::nullopt;
  }
  return Shape{};
}

} // namespace strata::shapes
