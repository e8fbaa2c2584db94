//===- ParamInit.h - seeded parameter initialisation ------------*- C++ -*-===//
#pragma once

#include "Function.h"

#include <optional>
#include <string>
#include <vector>

namespace strata::runtime {

/// One parameter's place in the flat arena, as the compiler laid it out.
struct ParamEntry {
  std::string name;
  int64_t offset = 0;
  std::vector<int64_t> shape;
  std::string init; // zeros, ones, normal, uniform, xavier_uniform, ... (dialect names)
  std::optional<double> scale;
  int64_t numElements() const;
};

/// Fills `arena` from each entry's initializer with Philox keyed by `seed`;
/// parameter i draws from stream i at step 0, so the values do not depend on
/// the machine or the back end. Weights [fan_in, fan_out, ...] follow
/// PyTorch's fan conventions for Xavier and He.
void initializeParams(const std::vector<ParamEntry> &layout, uint64_t seed, Tensor &arena);

} // namespace strata::runtime
