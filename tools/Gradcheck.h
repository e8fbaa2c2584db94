//===- Gradcheck.h - autodiff against finite differences --------*- C++ -*-===//
#pragma once

#include "Graph.h"

#include <string>

namespace strata::tools {

struct GradcheckOptions {
  int64_t batch = 4;
  int samples = 8;       // coordinates per parameter
  uint64_t seed = 0;
  double tolerance = 1e-6;
  bool json = false;
};

/// Compiles @grad_step and @forward in f64, draws random inputs, and compares
/// each sampled coordinate of every parameter's gradient with a central
/// difference of the loss. Prints the worst relative error per parameter;
/// returns 0 when every coordinate is within atol + tolerance * its scale
/// (Gradcheck.cpp says which), 1 otherwise.
int gradcheck(const frontend::Graph &graph, const std::string &specPath,
              const GradcheckOptions &options);

} // namespace strata::tools
