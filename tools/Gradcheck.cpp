//===- Gradcheck.cpp - autodiff against finite differences ----------------===//
//
// The gradient of one coordinate p is checked against the five-point central
// difference (L(p-2h) - 8 L(p-h) + 8 L(p+h) - L(p+2h)) / 12h, whose truncation
// error is O(h^4): in f64 with h = 1e-4 both truncation and rounding stay far
// below the 1e-6 tolerance. A coordinate passes, as in PyTorch's gradcheck,
// when |analytic - numeric| <= atol + rtol * scale, with rtol the tolerance,
// scale = max(|analytic|, |numeric|, rms) (rms: the root-mean-square of the
// parameter's whole analytic gradient, so a coordinate whose gradient is
// exactly zero, a dead ReLU unit, is measured against its parameter's scale),
// and atol = 1e-10 * max(1, |loss|): the difference quotient's own rounding
// noise is about 1e-16 |loss| / h = 1e-12 |loss|, and on bert-mini-mlm's
// gradients of 1e-6 to 3e-5 it left absolute errors of 3e-11 to 6e-11, a
// relative 1.7e-6 that a purely relative test called a failure. A wrong rule
// is off by a large share of the gradient, far beyond both parts. The
// relative error |analytic - numeric| / scale is what is printed. A parameter
// whose whole analytic gradient is zero (the key bias of attention: softmax
// ignores a shift shared by all keys) has no scale at all; it passes when
// every difference quotient is below 1e-8 * max(1, |loss|) in absolute value,
// and is reported as a zero gradient with that absolute figure. Random ops
// draw with a fixed seed and step, so every evaluation of the loss sees the
// same noise.
//
//===----------------------------------------------------------------------===//

#include "Gradcheck.h"

#include "Commands.h"

#include "Compiler.h"
#include "Philox.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

using namespace strata;
using namespace strata::runtime;

namespace {

/// The absolute part of the criterion, per unit of |loss| (at least 1): a
/// hundred times the five-point quotient's rounding noise at h = 1e-4.
constexpr double kNoiseFloor = 1e-10;

/// Integer inputs (token ids, labels) are drawn below this bound: the dataset's
/// vocabulary when the spec names one.
int64_t integerBound(const frontend::Graph &graph) {
  for (const auto &[key, value] : graph.train.datasetArgs)
    if (key == "vocab")
      return value.i;
  return 10;
}

Tensor randomInput(const ArgSpec &arg, uint64_t seed, uint32_t stream, int64_t intBound) {
  Tensor t(arg.dtype, arg.shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    auto bits = philox(i, stream, seed, 1);
    if (arg.dtype == DType::F32 || arg.dtype == DType::F64)
      t.set(i, uniformFromBits(bits[0]));
    else
      t.set(i, static_cast<double>(bits[0] % static_cast<uint32_t>(intBound)));
  }
  return t;
}

} // namespace

int strata::tools::gradcheck(const frontend::Graph &graph, const std::string &specPath,
                             const GradcheckOptions &options) {
  compiler::CompileOptions compileOptions;
  compileOptions.batch = options.batch;
  compileOptions.mode = "grad";
  compileOptions.float64 = true;
  auto program = compiler::Program::compile(graph, compileOptions);
  const Function &grad = program->function("grad_step");
  const Function &forward = program->function("forward");

  Tensor params(DType::F64, {program->arenaSize()});
  initializeParams(program->params(), options.seed, params);
  // Zero-initialised parameters (biases, layer-norm shifts) would sit exactly
  // on ReLU kinks and make every check trivial: perturb them slightly.
  for (int64_t i = 0; i < params.numElements(); ++i) {
    auto bits = philox(i, 1000, options.seed, 2);
    params.set(i, params.at(i) + 0.01 * (2 * uniformFromBits(bits[0]) - 1));
  }

  // Inputs by role, shared by both functions.
  std::map<std::string, Tensor> inputs;
  uint32_t stream = 0;
  for (const ArgSpec &arg : grad.args())
    if (arg.role.rfind("input:", 0) == 0)
      inputs[arg.role] = randomInput(arg, options.seed, stream++, integerBound(graph));

  // Parameters and inputs by role, plus the buffers one function adds.
  auto bind = [&](const Function &f, std::map<std::string, Tensor *> byRole) {
    byRole["params"] = &params;
    for (auto &[role, tensor] : inputs)
      byRole[role] = &tensor;
    return f.buffersByRole(byRole);
  };
  std::vector<int64_t> scalars = {static_cast<int64_t>(options.seed), 0};

  Tensor loss(DType::F64, {}), grads(DType::F64, {program->arenaSize()});
  grad.call(bind(grad, {{"loss", &loss}, {"grads", &grads}}), scalars);

  // Outputs of @forward other than the loss are computed and ignored.
  std::map<std::string, Tensor> forwardOutputs;
  std::map<std::string, Tensor *> forwardExtra;
  for (const ArgSpec &arg : forward.args())
    if (arg.isBuffer && arg.role != "params" && !inputs.count(arg.role)) {
      forwardOutputs[arg.role] = Tensor(arg.dtype, arg.shape);
      forwardExtra[arg.role] = &forwardOutputs[arg.role];
    }
  std::vector<Tensor *> forwardBuffers = bind(forward, forwardExtra);
  auto lossAt = [&]() {
    forward.call(forwardBuffers, scalars);
    return forwardOutputs.at("loss").at(0);
  };

  const double h = 1e-4;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  double worstOverall = 0;
  bool passed = true;
  // Both absolute bounds scale with the loss; they are the same for every parameter.
  double lossScale = std::max(1.0, std::fabs(loss.at(0)));
  double absoluteFloor = 1e-8 * lossScale, atol = kNoiseFloor * lossScale;
  if (!options.json)
    std::printf("gradcheck %s: %zu parameters, f64, batch %lld, %d coordinates each, loss %.6g\n",
                specPath.c_str(), program->params().size(), (long long)options.batch,
                options.samples, loss.at(0));
  for (size_t p = 0; p < program->params().size(); ++p) {
    const ParamEntry &entry = program->params()[p];
    int64_t n = entry.numElements();
    double worst = 0, worstAnalytic = 0, worstNumeric = 0, sumSquares = 0;
    for (int64_t k = 0; k < n; ++k)
      sumSquares += grads.at(entry.offset + k) * grads.at(entry.offset + k);
    double rms = std::sqrt(sumSquares / n);
    bool zeroGradient = rms <= 1e-15;
    double worstAbsolute = 0, worstBound = 0;
    bool within = true;
    int samples = static_cast<int>(std::min<int64_t>(options.samples, n));
    for (int s = 0; s < samples; ++s) {
      int64_t i = entry.offset + static_cast<int64_t>(philox(s, 2000 + p, options.seed, 3)[0] % n);
      double original = params.at(i);
      auto at = [&](double delta) {
        params.set(i, original + delta);
        return lossAt();
      };
      double numeric = (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
      params.set(i, original);
      double analytic = grads.at(i);
      worstAbsolute = std::max(worstAbsolute, std::fabs(analytic - numeric));
      double scale = std::max({std::fabs(analytic), std::fabs(numeric), rms});
      double bound = atol + options.tolerance * scale;
      double error = zeroGradient ? (std::fabs(numeric) <= absoluteFloor ? 0.0 : 1.0)
                                  : std::fabs(analytic - numeric) / scale;
      within = within && (zeroGradient ? error == 0 : std::fabs(analytic - numeric) <= bound);
      if (error >= worst) {
        worstBound = bound;
        worst = error;
        worstAnalytic = analytic;
        worstNumeric = numeric;
      }
    }
    worstOverall = std::max(worstOverall, worst);
    passed = passed && within;
    results.push_back({{"param", entry.name}, {"worst_relative_error", worst},
                       {"zero_gradient", zeroGradient}, {"worst_absolute_error", worstAbsolute},
                       {"analytic", worstAnalytic}, {"numeric", worstNumeric},
                       {"atol", atol}, {"passed", within}, {"samples", samples}});
    if (!options.json && zeroGradient)
      std::printf("  %-32s zero gradient; largest |numeric| %.1e (limit %.0e)%s\n",
                  entry.name.c_str(), worstAbsolute, absoluteFloor, within ? "" : "  FAIL");
    else if (!options.json)
      std::printf("  %-32s worst relative error %.2e  (autodiff %+.6e, numeric %+.6e; "
                  "|difference| %.1e, allowed %.1e)%s\n",
                  entry.name.c_str(), worst, worstAnalytic, worstNumeric,
                  std::fabs(worstAnalytic - worstNumeric), worstBound, within ? "" : "  FAIL");
  }
  if (options.json) {
    nlohmann::ordered_json j;
    j["spec"] = specPath;
    j["model"] = graph.model;
    j["dtype"] = "f64";
    j["batch"] = options.batch;
    j["loss"] = loss.at(0);
    j["params"] = results;
    j["worst_relative_error"] = worstOverall;
    j["tolerance"] = options.tolerance;
    j["atol"] = atol;
    j["passed"] = passed;
    std::cout << j.dump() << "\n";
  } else {
    std::printf("%s: worst relative error %.2e (tolerance %.0e relative + %.1e absolute)\n",
                passed ? "passed" : "FAILED", worstOverall, options.tolerance, atol);
  }
  return passed ? 0 : 1;
}

int strata::tools::runGradcheck(const Options &options, const frontend::Graph &graph) {
  strata::tools::GradcheckOptions g;
  g.batch = options.intFlag("--batch", 4);
  g.samples = static_cast<int>(options.intFlag("--samples", 8));
  g.seed = options.intFlag("--seed", 0);
  g.json = options.flags.count("--json") != 0;
  if (g.batch < 1)
    throw UsageError{"--batch must be at least 1"};
  try {
    return strata::tools::gradcheck(graph, options.spec, g);
  } catch (const strata::compiler::CompileError &e) {
    throw InternalError{e.message};
  }
}
