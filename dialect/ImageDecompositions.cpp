//===- ImageDecompositions.cpp - convolution, pooling, upsampling ---------===//
//
// The image ops are composites over NHWC tensors, so both back ends run them
// with the GEMMs they already call and reverse mode differentiates them
// through their parts' rules:
//
//   conv2d      strata.im2col (the KH x KW window taps of the padded input
//               side by side: [B, OH, OW, KH*KW*C]) times the filter seen as
//               [KH*KW*C, OC]; one GEMM per group. Its gradient is the
//               transposed GEMMs and strata.col2im, im2col's adjoint; the
//               input's, for a stride-1 convolution to fewer channels, is
//               a transposed convolution instead (Conv2dOp::buildGradients).
//   pooling     a reduction over the window axes of a reshape when the
//               windows tile the image (2x2, stride 2); else the window's
//               taps as strided slices, stacked on a new axis and reduced.
//   upsample2d  nearest: each pixel repeated by concats; bilinear: per axis,
//               `factor` phases blended from a pixel and its clamped neighbour.
//
// im2col + GEMM was chosen over direct convolution loops because the GEMM is
// the fastest code either back end has (OpenBLAS, cuBLASLt) and its gradient
// needs no new kernels; the price is the [B, OH, OW, KH*KW*C] columns.
//
//===----------------------------------------------------------------------===//

#include "Decompositions.h"
#include "TensorMath.h"

#include "llvm/ADT/APFloat.h"

using namespace mlir;
using namespace mlir::strata;

namespace {

/// `x` reshaped to `shape` with its batch axis (axis 0) left for reshape to infer.
Value reshapeKeepingBatch(TensorMath &m, Value x, SmallVector<int64_t> shape) {
  shape[0] = -1;
  return m.reshape(x, shape);
}

/// `count` entries of `axis` taken every `stride` from `start`:
/// x[..., start + t * stride, ...] for t < count. The whole strides that hold
/// them, from the one `start` falls in, are cut out, split into
/// [count, stride], and the entry at `start`'s phase kept; `x` must reach the
/// end of the last stride (callers pad for it).
Value everyNth(TensorMath &m, Value x, int64_t axis, int64_t start, int64_t count,
               int64_t stride) {
  int64_t phase = start % stride, first = start - phase;
  Value range = m.slice(x, axis, first, first + count * stride);
  if (stride == 1)
    return range;
  SmallVector<int64_t> split(TensorMath::typeOf(range).getShape());
  split[axis] = count;
  split.insert(split.begin() + axis + 1, stride);
  Value picked = m.slice(reshapeKeepingBatch(m, range, split), axis + 1, phase, phase + 1);
  SmallVector<int64_t> merged(TensorMath::typeOf(range).getShape());
  merged[axis] = count;
  return reshapeKeepingBatch(m, picked, merged);
}

/// A sliding window over the image axes (1, 2) of an NHWC tensor.
struct Window {
  int64_t size[2], stride[2], padding[2], dilation[2], output[2];
};

/// The extent of image axis `a` once padded: both paddings, and past the image
/// as far as everyNth reads the strides of the last tap.
int64_t paddedExtent(const Window &w, int a, int64_t imageExtent) {
  int64_t extent = imageExtent + 2 * w.padding[a];
  for (int64_t i = 0; i < w.size[a]; ++i) {
    int64_t start = i * w.dilation[a];
    extent = std::max(extent, start - start % w.stride[a] + w.output[a] * w.stride[a]);
  }
  return extent;
}

/// The window's taps, in row-major (i, j) order: tap (i, j) holds, at output
/// pixel (y, x), the padded input at (y * stride + i * dilation, x * stride +
/// j * dilation), for every image and channel: [B, OH, OW, C].
/// `fill` (a [1, Hp, Wp, 1] tensor, or null) is added to the padded input, to
/// give the padding another value than zero.
SmallVector<Value> windowTaps(TensorMath &m, Value x, const Window &w, Value fill = {}) {
  Value padded = x;
  for (int a = 0; a < 2; ++a) {
    int64_t image = TensorMath::typeOf(x).getDimSize(1 + a);
    padded = m.pad(padded, 1 + a, w.padding[a], paddedExtent(w, a, image) - image - w.padding[a]);
  }
  if (fill)
    padded = m.add(padded, fill);
  SmallVector<Value> taps;
  for (int64_t i = 0; i < w.size[0]; ++i) {
    Value rows = everyNth(m, padded, 1, i * w.dilation[0], w.output[0], w.stride[0]);
    for (int64_t j = 0; j < w.size[1]; ++j)
      taps.push_back(everyNth(m, rows, 2, j * w.dilation[1], w.output[1], w.stride[1]));
  }
  return taps;
}

Window windowOf(ArrayRef<int64_t> size, ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                ArrayRef<int64_t> dilation, RankedTensorType result) {
  Window w;
  for (int a = 0; a < 2; ++a) {
    w.size[a] = size[a];
    w.stride[a] = stride[a];
    w.padding[a] = padding[a];
    w.dilation[a] = dilation[a];
    w.output[a] = result.getDimSize(1 + a);
  }
  return w;
}

/// [1, Hp, Wp, 1]: 0 on the image, the element type's most negative finite
/// value on the padding and past it, so a window's maximum never picks padding.
Value maxPoolFill(TensorMath &m, Value x, const Window &w) {
  auto type = TensorMath::typeOf(x);
  int64_t extent[2] = {paddedExtent(w, 0, type.getDimSize(1)),
                       paddedExtent(w, 1, type.getDimSize(2))};
  auto fillType = RankedTensorType::get({1, extent[0], extent[1], 1}, type.getElementType());
  auto floatType = cast<FloatType>(type.getElementType());
  APFloat lowest = APFloat::getLargest(floatType.getFloatSemantics(), /*Negative=*/true);
  APFloat zero = APFloat::getZero(floatType.getFloatSemantics());
  SmallVector<APFloat> values;
  for (int64_t y = 0; y < extent[0]; ++y)
    for (int64_t xx = 0; xx < extent[1]; ++xx) {
      bool inside = y >= w.padding[0] && y < w.padding[0] + type.getDimSize(1) &&
                    xx >= w.padding[1] && xx < w.padding[1] + type.getDimSize(2);
      values.push_back(inside ? zero : lowest);
    }
  return m.builder().create<ConstantOp>(
      m.location(), cast<ElementsAttr>(DenseElementsAttr::get(fillType, values)));
}

/// Stacks same-shaped tensors on a new last axis.
Value stackLast(TensorMath &m, ArrayRef<Value> xs) {
  SmallVector<Value> columns;
  for (Value x : xs) {
    SmallVector<int64_t> shape(TensorMath::typeOf(x).getShape());
    shape.push_back(1);
    columns.push_back(reshapeKeepingBatch(m, x, shape));
  }
  return m.concat(columns, TensorMath::rankOf(xs.front()));
}

/// `x`'s axis `axis` (1 or 2) stretched `factor` times: `phases[p]` holds output
/// entries factor * i + p, interleaved by stacking after the axis and merging.
Value interleavePhases(TensorMath &m, ArrayRef<Value> phases, int64_t axis) {
  SmallVector<int64_t> shape(TensorMath::typeOf(phases.front()).getShape());
  SmallVector<Value> parts;
  SmallVector<int64_t> split(shape);
  split.insert(split.begin() + axis + 1, 1);
  for (Value p : phases)
    parts.push_back(reshapeKeepingBatch(m, p, split));
  shape[axis] *= static_cast<int64_t>(phases.size());
  return reshapeKeepingBatch(m, m.concat(parts, axis + 1), shape);
}

/// Linear interpolation along one image axis at output positions
/// (q + 0.5) / factor - 0.5 of the input, the edges clamped.
Value bilinearAxis(TensorMath &m, Value x, int64_t axis, int64_t factor) {
  int64_t n = TensorMath::typeOf(x).getDimSize(axis);
  // x[i - 1] and x[i + 1], clamped to the edge.
  Value previous = n == 1 ? x : m.concat({m.slice(x, axis, 0, 1), m.slice(x, axis, 0, n - 1)}, axis);
  Value next = n == 1 ? x : m.concat({m.slice(x, axis, 1, n), m.slice(x, axis, n - 1, n)}, axis);
  SmallVector<Value> phases;
  for (int64_t p = 0; p < factor; ++p) {
    double offset = (p + 0.5) / static_cast<double>(factor) - 0.5;
    if (offset == 0)
      phases.push_back(x);
    else if (offset < 0)
      phases.push_back(m.add(m.scale(x, 1 + offset), m.scale(previous, -offset)));
    else
      phases.push_back(m.add(m.scale(x, 1 - offset), m.scale(next, offset)));
  }
  return interleavePhases(m, phases, axis);
}

} // namespace

Value mlir::strata::decomposeConv2d(TensorMath &m, Conv2dOp op) {
  auto filterShape = TensorMath::typeOf(op.getFilter()).getShape();
  int64_t groups = op.getGroups();
  int64_t groupChannels = filterShape[2], groupOutputs = filterShape[3] / groups;
  int64_t k = filterShape[0] * filterShape[1] * groupChannels;
  SmallVector<Value> outputs;
  for (int64_t g = 0; g < groups; ++g) {
    Value input = m.slice(op.getInput(), 3, g * groupChannels, (g + 1) * groupChannels);
    Value columns = m.builder().create<Im2colOp>(m.location(), input, filterShape.take_front(2),
                                                 op.getStride(), op.getPadding(),
                                                 op.getDilation());
    Value filter = m.slice(op.getFilter(), 3, g * groupOutputs, (g + 1) * groupOutputs);
    outputs.push_back(m.matmul(columns, m.reshape(filter, {k, groupOutputs})));
  }
  return m.concat(outputs, 3);
}

/// Windows that tile the image exactly (stride = window, no padding, the
/// image a whole number of windows): [B, H, W, C] seen as
/// [B, OH, KH, OW, KW, C], so the pooling is a reduction over axes 2 and 4
/// with no copy of the input. Null otherwise.
Value tiledWindows(TensorMath &m, Value x, const Window &w) {
  auto shape = TensorMath::typeOf(x).getShape();
  for (int a = 0; a < 2; ++a)
    if (w.stride[a] != w.size[a] || w.padding[a] != 0 || w.output[a] * w.size[a] != shape[1 + a])
      return {};
  return reshapeKeepingBatch(
      m, x, {shape[0], w.output[0], w.size[0], w.output[1], w.size[1], shape[3]});
}

Value mlir::strata::decomposeMaxPool2d(TensorMath &m, MaxPool2dOp op) {
  Window w = windowOf(op.getWindow(), op.getStride(), op.getPadding(), {1, 1},
                      TensorMath::typeOf(op.getResult()));
  if (Value tiles = tiledWindows(m, op.getInput(), w))
    return m.reduceMax(tiles, {2, 4}, /*keepDims=*/false);
  bool padded = op.getPadding()[0] > 0 || op.getPadding()[1] > 0;
  Value fill = padded ? maxPoolFill(m, op.getInput(), w) : Value();
  SmallVector<Value> taps = windowTaps(m, op.getInput(), w, fill);
  if (taps.size() == 1)
    return taps.front();
  return m.reduceMax(stackLast(m, taps), {4}, /*keepDims=*/false);
}

Value mlir::strata::decomposeAvgPool2d(TensorMath &m, AvgPool2dOp op) {
  Window w = windowOf(op.getWindow(), op.getStride(), op.getPadding(), {1, 1},
                      TensorMath::typeOf(op.getResult()));
  if (Value tiles = tiledWindows(m, op.getInput(), w))
    return m.scale(m.reduceSum(tiles, {2, 4}, /*keepDims=*/false),
                   1.0 / static_cast<double>(w.size[0] * w.size[1]));
  SmallVector<Value> taps = windowTaps(m, op.getInput(), w);
  Value sum = taps.front();
  for (Value tap : ArrayRef<Value>(taps).drop_front())
    sum = m.add(sum, tap);
  return m.scale(sum, 1.0 / static_cast<double>(taps.size()));
}

Value mlir::strata::decomposeUpsample2d(TensorMath &m, Upsample2dOp op) {
  Value x = op.getInput();
  int64_t factor = op.getFactor();
  if (factor == 1)
    return x;
  if (op.getMode() == "bilinear")
    return bilinearAxis(m, bilinearAxis(m, x, 1, factor), 2, factor);
  for (int64_t axis : {1, 2})
    x = interleavePhases(m, SmallVector<Value>(factor, x), axis);
  return x;
}
