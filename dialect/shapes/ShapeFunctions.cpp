//===- ShapeFunctions.cpp - result shapes of strata ops -------------------===//

#include "ShapeFunctions.h"

#include <algorithm>
#include <cstdio>
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

Result batchNorm(const Shape &input, const std::vector<Shape> &perChannel, std::string &error) {
  if (input.size() < 2 || isBatch(input.back())) {
    error = "batch_norm needs an input [B, ..., C] of rank >= 2, got " + str(input);
    return std::nullopt;
  }
  Shape expected{input.back()};
  for (const Shape &s : perChannel)
    if (s != expected) {
      error = "batch_norm scale, shift and running statistics must all be " + str(expected) +
              " for input " + str(input) + ", got " + str(s);
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

/// A number as %g prints it: 0.4, 1.3333.
static std::string shortText(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

static std::string pairStr(const std::vector<int64_t> &v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

/// Checks that `v` is a [height, width] pair of values >= `least`.
static bool isPair(const char *op, const char *name, const std::vector<int64_t> &v,
                   int64_t least, std::string &error) {
  if (v.size() == 2 && v[0] >= least && v[1] >= least)
    return true;
  error = std::string(op) + " " + name + " must be two integers >= " + std::to_string(least) +
          " ([height, width]), got " + pairStr(v);
  return false;
}

static bool isImage(const char *op, const Shape &input, std::string &error) {
  if (input.size() == 4 && !isBatch(input[1]) && !isBatch(input[2]) && !isBatch(input[3]))
    return true;
  error = std::string(op) + " needs NHWC images [B, H, W, C], got " + str(input);
  return false;
}

Result windowOutput(const char *op, const Shape &input, const std::vector<int64_t> &kernel,
                    const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
                    const std::vector<int64_t> &dilation, std::string &error) {
  if (!isImage(op, input, error) || !isPair(op, "window", kernel, 1, error) ||
      !isPair(op, "stride", stride, 1, error) || !isPair(op, "padding", padding, 0, error) ||
      !isPair(op, "dilation", dilation, 1, error))
    return std::nullopt;
  Shape out(2);
  for (int i = 0; i < 2; ++i) {
    int64_t reach = dilation[i] * (kernel[i] - 1) + 1;
    int64_t padded = input[1 + i] + 2 * padding[i];
    if (reach > padded) {
      error = std::string(op) + " window " + pairStr(kernel) + " (dilation " +
              pairStr(dilation) + ") does not fit in the padded " + str(input) + " image";
      return std::nullopt;
    }
    out[i] = (padded - reach) / stride[i] + 1;
  }
  return out;
}

Result conv2d(const Shape &input, const Shape &filter, const std::vector<int64_t> &stride,
              const std::vector<int64_t> &padding, const std::vector<int64_t> &dilation,
              int64_t groups, std::string &error) {
  if (filter.size() != 4 || std::any_of(filter.begin(), filter.end(), isBatch)) {
    error = "conv2d needs a filter [KH, KW, C / groups, OC], got " + str(filter);
    return std::nullopt;
  }
  Result spatial = windowOutput("conv2d", input, {filter[0], filter[1]}, stride, padding,
                                dilation, error);
  if (!spatial)
    return std::nullopt;
  int64_t channels = input[3], outChannels = filter[3];
  if (groups < 1 || channels % groups || outChannels % groups ||
      filter[2] * groups != channels) {
    error = "conv2d filter " + str(filter) + " does not fit input " + str(input) + " in " +
            std::to_string(groups) + " group(s): the filter's third axis must be C / groups = " +
            (groups >= 1 && channels % groups == 0 ? std::to_string(channels / groups)
                                                    : std::string("(C not divisible)")) +
            ", and groups must divide C and OC";
    return std::nullopt;
  }
  return Shape{input[0], (*spatial)[0], (*spatial)[1], outChannels};
}

Result im2col(const Shape &input, const std::vector<int64_t> &window,
              const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
              const std::vector<int64_t> &dilation, std::string &error) {
  Result spatial = windowOutput("im2col", input, window, stride, padding, dilation, error);
  if (!spatial)
    return std::nullopt;
  return Shape{input[0], (*spatial)[0], (*spatial)[1], window[0] * window[1] * input[3]};
}

Result col2im(const Shape &input, const std::vector<int64_t> &window,
              const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
              const std::vector<int64_t> &dilation, const std::vector<int64_t> &image,
              std::string &error) {
  if (!isPair("col2im", "image", image, 1, error) || !isPair("col2im", "window", window, 1, error))
    return std::nullopt;
  if (input.size() != 4 || isBatch(input[3]) || input[3] % (window[0] * window[1])) {
    error = "col2im needs columns [B, OH, OW, KH*KW*C] for window " + pairStr(window) +
            ", got " + str(input);
    return std::nullopt;
  }
  Shape imageShape{input[0], image[0], image[1], input[3] / (window[0] * window[1])};
  Result columns = im2col(imageShape, window, stride, padding, dilation, error);
  if (!columns)
    return std::nullopt;
  if (*columns != input) {
    error = "col2im columns " + str(input) + " are not what im2col makes of " +
            str(imageShape) + ": " + str(*columns);
    return std::nullopt;
  }
  return imageShape;
}

Result pool2d(const char *op, const Shape &input, const std::vector<int64_t> &window,
              const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
              std::string &error) {
  Result spatial = windowOutput(op, input, window, stride, padding, {1, 1}, error);
  if (!spatial)
    return std::nullopt;
  for (int i = 0; i < 2; ++i)
    if (2 * padding[i] > window[i]) {
      error = std::string(op) + " padding " + pairStr(padding) +
              " must be at most half the window " + pairStr(window);
      return std::nullopt;
    }
  return Shape{input[0], (*spatial)[0], (*spatial)[1], input[3]};
}

Result upsample2d(const Shape &input, int64_t factor, std::string &error) {
  if (!isImage("upsample2d", input, error))
    return std::nullopt;
  if (factor < 1) {
    error = "upsample2d factor must be >= 1, got " + std::to_string(factor);
    return std::nullopt;
  }
  return Shape{input[0], input[1] * factor, input[2] * factor, input[3]};
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

Result randomResizedCrop(const Shape &input, double minScale, double maxScale, double minRatio,
                         double maxRatio, std::string &error) {
  if (input.size() < 2 || isBatch(input[input.size() - 1]) || isBatch(input[input.size() - 2])) {
    error = "random_resized_crop needs images [..., H, W], got " + str(input);
    return std::nullopt;
  }
  if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
    error = "random_resized_crop needs 0 < min_scale <= max_scale <= 1, got " +
            shortText(minScale) + " and " + shortText(maxScale);
    return std::nullopt;
  }
  if (!(minRatio > 0 && minRatio <= maxRatio)) {
    error = "random_resized_crop needs 0 < min_ratio <= max_ratio, got " + shortText(minRatio) +
            " and " + shortText(maxRatio);
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
