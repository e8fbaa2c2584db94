//===- ShapeFunctions.h - result shapes of strata ops, without MLIR -------===//
//
// The one place that knows how each strata op maps operand shapes to a result
// shape. The frontend calls these to report located errors on a spec and to print
// `strata check`; the dialect calls them from InferTypeOpInterface. Keeping them
// free of MLIR lets the fuzzers and tests build without LLVM.
//
// A shape is a vector of extents; kBatch (-1) is the symbolic batch dimension `B`
// (`?` in MLIR), and -k is k*B (two views of a batch stacked are `2B`). Batch
// extents are symbols: each equals only itself and broadcasts only against 1.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::shapes {

inline constexpr int64_t kBatch = -1;
inline bool isBatch(int64_t extent) { return extent < 0; }
using Shape = std::vector<int64_t>;

/// "[B, 784]"
std::string str(const Shape &shape);
/// Element count with `batch` substituted for B.
int64_t numElements(const Shape &shape, int64_t batch);
/// Normalizes a possibly negative axis against `rank`; nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

// Every function below returns the result shape, or nullopt with a message in
// `error` that names both shapes where two are involved.
using Result = std::optional<Shape>;

Result broadcast(const Shape &lhs, const Shape &rhs, std::string &error);
Result matmul(const Shape &lhs, const Shape &rhs, bool transposeLhs,
              bool transposeRhs, std::string &error);
Result reduce(const Shape &input, const std::vector<int64_t> &axes,
              bool keepDims, std::string &error);
Result softmax(const Shape &input, int64_t axis, const Shape *mask,
               std::string &error);
Result layerNorm(const Shape &input, const Shape &gamma, const Shape &beta,
                 std::string &error);
/// batch_norm: input [..., C] (rank >= 2), and gamma, beta and both running
/// statistics [C]; the result has the input's shape.
Result batchNorm(const Shape &input, const std::vector<Shape> &perChannel, std::string &error);
Result reshape(const Shape &input, const Shape &target, std::string &error);
Result transpose(const Shape &input, const std::vector<int64_t> &perm,
                 std::string &error);
Result concat(const std::vector<Shape> &inputs, int64_t axis,
              std::string &error);
Result slice(const Shape &input, int64_t axis, int64_t start, int64_t end,
             std::string &error);
Result embedding(const Shape &table, const Shape &ids, std::string &error);
/// Shifts images by up to `maxShift` pixels along the last two axes.
Result randomShift(const Shape &input, int64_t maxShift, std::string &error);
/// random_flip: images of rank >= 2 (the last axis is the width).
Result randomFlip(const Shape &input, std::string &error);
/// random_erase: images of rank >= 2, a rate in [0, 1], max_size >= 1.
Result randomErase(const Shape &input, double rate, int64_t maxSize, std::string &error);
/// random_resized_crop: images of rank >= 2, 0 < min_scale <= max_scale <= 1
/// and 0 < min_ratio <= max_ratio.
Result randomResizedCrop(const Shape &input, double minScale, double maxScale, double minRatio,
                         double maxRatio, std::string &error);
/// random_scale: a leading (row) axis, and low <= high.
Result randomScale(const Shape &input, double low, double high, std::string &error);

// Images are NHWC: [B, H, W, C], channels last.

/// The [height, width] extents of a sliding window's output: kernel, stride,
/// padding and dilation are [height, width] pairs.
Result windowOutput(const char *op, const Shape &input, const std::vector<int64_t> &kernel,
                    const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
                    const std::vector<int64_t> &dilation, std::string &error);
/// conv2d: input [B, H, W, C], filter [KH, KW, C / groups, OC] -> [B, OH, OW, OC].
Result conv2d(const Shape &input, const Shape &filter, const std::vector<int64_t> &stride,
              const std::vector<int64_t> &padding, const std::vector<int64_t> &dilation,
              int64_t groups, std::string &error);
/// im2col: [B, H, W, C] -> [B, OH, OW, KH * KW * C].
Result im2col(const Shape &input, const std::vector<int64_t> &window,
              const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
              const std::vector<int64_t> &dilation, std::string &error);
/// col2im: [B, OH, OW, KH * KW * C] -> [B, H, W, C] for `image` = [H, W].
Result col2im(const Shape &input, const std::vector<int64_t> &window,
              const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
              const std::vector<int64_t> &dilation, const std::vector<int64_t> &image,
              std::string &error);
/// max_pool2d, avg_pool2d: [B, H, W, C] -> [B, OH, OW, C].
Result pool2d(const char *op, const Shape &input, const std::vector<int64_t> &window,
              const std::vector<int64_t> &stride, const std::vector<int64_t> &padding,
              std::string &error);
/// upsample2d: [B, H, W, C] -> [B, H * factor, W * factor, C].
Result upsample2d(const Shape &input, int64_t factor, std::string &error);

// Losses return a scalar (rank-0) shape.
Result elementwiseLoss(const Shape &prediction, const Shape &target,
                       std::string &error);
Result crossEntropy(const Shape &logits, const Shape &labels,
                    std::string &error);
Result ntXent(const Shape &embeddings, std::string &error);
Result infoNce(const Shape &lhs, const Shape &rhs, const Shape *logScale,
               std::string &error);
Result klDiagonalNormal(const Shape &mean, const Shape &logVariance,
                        std::string &error);
Result negativeSampling(const Shape &input, const Shape &table,
                        const Shape &positive, const Shape &negatives,
                        std::string &error);

} // namespace strata::shapes
