//===- ParamInit.cpp - seeded parameter initialisation --------------------===//

#include "ParamInit.h"

#include "Philox.h"

#include <cmath>
#include <stdexcept>

using namespace strata::runtime;

int64_t ParamEntry::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {
/// (fan_in, fan_out): a weight is stored [..., in, out] (x @ w, or a conv2d
/// filter [KH, KW, in, out]), its leading axes the receptive field, as JAX
/// counts them; a vector has both = n.
std::pair<double, double> fans(const ParamEntry &p) {
  size_t rank = p.shape.size();
  if (rank < 2)
    return {double(p.numElements()), double(p.numElements())};
  double receptive = 1;
  for (size_t i = 0; i + 2 < rank; ++i)
    receptive *= p.shape[i];
  return {p.shape[rank - 2] * receptive, p.shape[rank - 1] * receptive};
}
} // namespace

void strata::runtime::initializeParams(const std::vector<ParamEntry> &layout, uint64_t seed,
                                       Tensor &arena) {
  for (size_t stream = 0; stream < layout.size(); ++stream) {
    const ParamEntry &p = layout[stream];
    auto [fanIn, fanOut] = fans(p);
    double uniformBound = 0, normalStd = 0, constant = 0;
    bool uniform = false, normal = false;
    if (p.init == "zeros") {
      constant = 0;
    } else if (p.init == "ones") {
      constant = 1;
    } else if (p.init == "constant") {
      constant = p.scale.value_or(0.0);
    } else if (p.init == "normal") {
      normal = true, normalStd = p.scale.value_or(0.02);
    } else if (p.init == "uniform") {
      uniform = true, uniformBound = p.scale.value_or(0.05);
    } else if (p.init == "xavier_uniform") {
      uniform = true, uniformBound = std::sqrt(6.0 / (fanIn + fanOut));
    } else if (p.init == "xavier_normal") {
      normal = true, normalStd = std::sqrt(2.0 / (fanIn + fanOut));
    } else if (p.init == "he_uniform") {
      uniform = true, uniformBound = std::sqrt(6.0 / fanIn);
    } else if (p.init == "he_normal") {
      normal = true, normalStd = std::sqrt(2.0 / fanIn);
    } else {
      throw std::runtime_error("unknown initializer '" + p.init + "' for parameter " + p.name);
    }
    for (int64_t i = 0; i < p.numElements(); ++i) {
      double value = constant;
      if (uniform || normal) {
        auto bits = philox(static_cast<uint64_t>(i), static_cast<uint32_t>(stream), seed, 0);
        value = uniform ? (2.0 * uniformFromBits(bits[0]) - 1.0) * uniformBound
                        : normalFromBits(bits[0], bits[1]) * normalStd;
      }
      arena.set(p.offset + i, value);
    }
  }
}
