//===- Primitives.cpp - signatures and result types of strata ops ---------===//

#include "Primitives.h"

namespace strata::frontend {

bool isFloatDtype(const std::string &d) {
  return d == "f32" || d == "f64" || d == "f16" || d == "bf16";
}
bool isIntDtype(const std::string &d) { return d == "i32" || d == "i64"; }
bool isKnownDtype(const std::string &d) { return isFloatDtype(d) || isIntDtype(d); }

const TensorType *BoundCall::optionalTensor(const std::string &name) const {
  auto it = tensors.find(name);
  return it == tensors.end() || it->second.empty() ? nullptr : &it->second[0];
}

const AttrValue &BoundCall::attr(const std::string &name) const {
  for (const auto &[key, value] : attrs)
    if (key == name)
      return value;
  throw std::logic_error("primitive attribute '" + name + "' is not bound");
}

namespace {

using Kind = PrimitiveArg::Kind;
using Types = std::optional<std::vector<TensorType>>;

PrimitiveArg tensor(const std::string &name) { return {name, Kind::Tensor, {}, {}}; }
PrimitiveArg optionalTensor(const std::string &name) {
  return {name, Kind::OptionalTensor, {}, {}};
}
PrimitiveArg intArg(const std::string &name, std::optional<int64_t> def = {}) {
  return {name, Kind::Int, def ? std::optional(AttrValue::ofInt(*def)) : std::nullopt, {}};
}
PrimitiveArg floatArg(const std::string &name, std::optional<double> def = {}) {
  return {name, Kind::Float, def ? std::optional(AttrValue::ofFloat(*def)) : std::nullopt, {}};
}
PrimitiveArg boolArg(const std::string &name, bool def) {
  return {name, Kind::Bool, AttrValue::ofBool(def), {}};
}
PrimitiveArg intsArg(const std::string &name, std::optional<std::vector<int64_t>> def = {}) {
  return {name, Kind::Ints, def ? std::optional(AttrValue::ofInts(*def)) : std::nullopt, {}};
}
PrimitiveArg symbolArg(const std::string &name, const std::string &def,
                       std::vector<std::string> allowed) {
  return {name, Kind::Symbol, AttrValue::ofSymbol(def), std::move(allowed)};
}

/// Checks operand dtypes; `floats` must be floating point, `ints` integer.
bool checkDtypes(const BoundCall &call, const std::vector<std::string> &floats,
                 const std::vector<std::string> &ints, std::string &error) {
  for (const auto &name : floats)
    if (auto it = call.tensors.find(name); it != call.tensors.end())
      for (const auto &t : it->second)
        if (!isFloatDtype(t.dtype)) {
          error = "operand '" + name + "' must be a floating-point tensor, got " +
                  t.dtype + shapes::str(t.shape);
          return false;
        }
  for (const auto &name : ints)
    if (!isIntDtype(call.tensor(name).dtype)) {
      error = "operand '" + name + "' must be an integer tensor, got " +
              call.tensor(name).dtype + shapes::str(call.tensor(name).shape);
      return false;
    }
  return true;
}

bool sameDtype(const TensorType &a, const TensorType &b, std::string &error) {
  if (a.dtype == b.dtype)
    return true;
  error = "operand dtypes differ: " + a.dtype + shapes::str(a.shape) + " and " + b.dtype +
          shapes::str(b.shape);
  return false;
}

Types one(const std::string &dtype, const shapes::Result &shape) {
  if (!shape)
    return std::nullopt;
  return std::vector<TensorType>{{dtype, *shape}};
}

Primitive unary(const std::string &name) {
  return {name, {tensor("input")}, [](const BoundCall &c, std::string &e) -> Types {
            if (!checkDtypes(c, {"input"}, {}, e))
              return std::nullopt;
            return std::vector<TensorType>{c.tensor("input")};
          }};
}

Primitive binary(const std::string &name) {
  return {name, {tensor("lhs"), tensor("rhs")},
          [](const BoundCall &c, std::string &e) -> Types {
            const TensorType &l = c.tensor("lhs"), &r = c.tensor("rhs");
            if (!checkDtypes(c, {"lhs", "rhs"}, {}, e) || !sameDtype(l, r, e))
              return std::nullopt;
            return one(l.dtype, shapes::broadcast(l.shape, r.shape, e));
          }};
}

Primitive reduction(const std::string &name) {
  return {name, {tensor("input"), intsArg("axes"), boolArg("keep_dims", false)},
          [](const BoundCall &c, std::string &e) -> Types {
            if (!checkDtypes(c, {"input"}, {}, e))
              return std::nullopt;
            if (c.attr("axes").ints.empty()) {
              e = "needs at least one axis in 'axes'";
              return std::nullopt;
            }
            const TensorType &in = c.tensor("input");
            return one(in.dtype, shapes::reduce(in.shape, c.attr("axes").ints,
                                                c.attr("keep_dims").b, e));
          }};
}

Primitive randomLike(const std::string &name, std::vector<PrimitiveArg> attrs) {
  std::vector<PrimitiveArg> args{tensor("like")};
  args.insert(args.end(), attrs.begin(), attrs.end());
  Primitive p{name, args, [](const BoundCall &c, std::string &e) -> Types {
                if (!checkDtypes(c, {"like"}, {}, e))
                  return std::nullopt;
                return std::vector<TensorType>{c.tensor("like")};
              }};
  p.random = true;
  return p;
}

bool checkProbability(const BoundCall &c, const std::string &name, std::string &e) {
  double p = c.attr(name).f;
  if (p >= 0.0 && p < 1.0)
    return true;
  e = "'" + name + "' must be in [0, 1), got " + shortNumber(p);
  return false;
}

bool checkPositive(const BoundCall &c, const std::string &name, std::string &e) {
  if (c.attr(name).f > 0.0)
    return true;
  e = "'" + name + "' must be positive, got " + shortNumber(c.attr(name).f);
  return false;
}

const std::vector<std::string> kReductions = {"mean", "sum", "batch_mean"};

Primitive elementwiseLoss(const std::string &name, const std::string &first) {
  return {name, {tensor(first), tensor("target"), symbolArg("reduction", "mean", kReductions)},
          [first](const BoundCall &c, std::string &e) -> Types {
            const TensorType &p = c.tensor(first), &t = c.tensor("target");
            if (!checkDtypes(c, {first, "target"}, {}, e) || !sameDtype(p, t, e))
              return std::nullopt;
            return one(p.dtype, shapes::elementwiseLoss(p.shape, t.shape, e));
          }};
}

std::vector<Primitive> makePrimitives() {
  std::vector<Primitive> ps;
  ps.push_back({"matmul",
                {tensor("lhs"), tensor("rhs"), boolArg("transpose_lhs", false),
                 boolArg("transpose_rhs", false)},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &l = c.tensor("lhs"), &r = c.tensor("rhs");
                  if (!checkDtypes(c, {"lhs", "rhs"}, {}, e) || !sameDtype(l, r, e))
                    return std::nullopt;
                  return one(l.dtype, shapes::matmul(l.shape, r.shape,
                                                     c.attr("transpose_lhs").b,
                                                     c.attr("transpose_rhs").b, e));
                }});
  for (const char *name : {"add", "sub", "mul", "div"})
    ps.push_back(binary(name));
  for (const char *name : {"neg", "relu", "sigmoid", "tanh", "exp", "log", "sqrt"})
    ps.push_back(unary(name));
  Primitive gelu = unary("gelu");
  gelu.args.push_back(boolArg("tanh", false));
  ps.push_back(gelu);
  for (const char *name : {"reduce_sum", "reduce_mean", "reduce_max"})
    ps.push_back(reduction(name));
  ps.push_back({"softmax", {tensor("input"), optionalTensor("mask"), intArg("axis", -1)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"input", "mask"}, {}, e))
                    return std::nullopt;
                  const TensorType &in = c.tensor("input");
                  const TensorType *mask = c.optionalTensor("mask");
                  if (mask && !sameDtype(in, *mask, e))
                    return std::nullopt;
                  return one(in.dtype, shapes::softmax(in.shape, c.attr("axis").i,
                                                       mask ? &mask->shape : nullptr, e));
                }});
  ps.push_back({"layer_norm",
                {tensor("input"), tensor("gamma"), tensor("beta"), floatArg("eps", 1e-5)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"input", "gamma", "beta"}, {}, e) ||
                      !checkPositive(c, "eps", e))
                    return std::nullopt;
                  const TensorType &in = c.tensor("input");
                  return one(in.dtype, shapes::layerNorm(in.shape, c.tensor("gamma").shape,
                                                         c.tensor("beta").shape, e));
                }});
  ps.push_back({"batch_norm",
                {tensor("input"), tensor("gamma"), tensor("beta"), tensor("running_mean"),
                 tensor("running_var"), floatArg("eps", 1e-5), floatArg("momentum", 0.1)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"input", "gamma", "beta", "running_mean", "running_var"}, {}, e) ||
                      !checkPositive(c, "eps", e))
                    return std::nullopt;
                  double momentum = c.attr("momentum").f;
                  if (!(momentum >= 0.0 && momentum <= 1.0)) {
                    e = "'momentum' must be in [0, 1], got " + shortNumber(momentum);
                    return std::nullopt;
                  }
                  const TensorType &in = c.tensor("input"), &mean = c.tensor("running_mean");
                  auto shape = shapes::batchNorm(in.shape,
                                                 {c.tensor("gamma").shape, c.tensor("beta").shape,
                                                  mean.shape, c.tensor("running_var").shape},
                                                 e);
                  if (!shape)
                    return std::nullopt;
                  return std::vector<TensorType>{{in.dtype, *shape}, mean, mean};
                }});
  ps.push_back({"reshape", {tensor("input"), intsArg("shape")},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &in = c.tensor("input");
                  return one(in.dtype, shapes::reshape(in.shape, c.attr("shape").ints, e));
                }});
  ps.push_back({"transpose", {tensor("input"), intsArg("permutation")},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &in = c.tensor("input");
                  return one(in.dtype,
                             shapes::transpose(in.shape, c.attr("permutation").ints, e));
                }});
  ps.push_back({"concat", {{"inputs", Kind::Tensors, {}, {}}, intArg("axis", 0)},
                [](const BoundCall &c, std::string &e) -> Types {
                  const auto &inputs = c.tensors.at("inputs");
                  std::vector<Shape> shapesIn;
                  for (const auto &t : inputs) {
                    if (!sameDtype(inputs[0], t, e))
                      return std::nullopt;
                    shapesIn.push_back(t.shape);
                  }
                  return one(inputs.at(0).dtype, shapes::concat(shapesIn, c.attr("axis").i, e));
                }});
  ps.push_back({"slice", {tensor("input"), intArg("axis"), intArg("start"), intArg("end")},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &in = c.tensor("input");
                  return one(in.dtype, shapes::slice(in.shape, c.attr("axis").i,
                                                     c.attr("start").i, c.attr("end").i, e));
                }});
  ps.push_back({"embedding", {tensor("table"), tensor("ids")},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"table"}, {"ids"}, e))
                    return std::nullopt;
                  const TensorType &table = c.tensor("table");
                  return one(table.dtype,
                             shapes::embedding(table.shape, c.tensor("ids").shape, e));
                }});
  Primitive dropout{"dropout", {tensor("input"), floatArg("rate")},
                    [](const BoundCall &c, std::string &e) -> Types {
                      if (!checkDtypes(c, {"input"}, {}, e) || !checkProbability(c, "rate", e))
                        return std::nullopt;
                      return std::vector<TensorType>{c.tensor("input")};
                    }};
  dropout.random = true;
  ps.push_back(dropout);
  ps.push_back(randomLike("random_normal", {floatArg("mean", 0.0), floatArg("std", 1.0)}));
  ps.push_back(randomLike("random_uniform", {floatArg("low", 0.0), floatArg("high", 1.0)}));
  Primitive shift{"random_shift", {tensor("input"), intArg("max_shift", 2)},
                  [](const BoundCall &c, std::string &e) -> Types {
                    if (!checkDtypes(c, {"input"}, {}, e))
                      return std::nullopt;
                    const TensorType &in = c.tensor("input");
                    return one(in.dtype,
                               shapes::randomShift(in.shape, c.attr("max_shift").i, e));
                  }};
  shift.random = true;
  ps.push_back(shift);
  Primitive flip{"random_flip", {tensor("input")},
                 [](const BoundCall &c, std::string &e) -> Types {
                   if (!checkDtypes(c, {"input"}, {}, e))
                     return std::nullopt;
                   const TensorType &in = c.tensor("input");
                   return one(in.dtype, shapes::randomFlip(in.shape, e));
                 }};
  flip.random = true;
  ps.push_back(flip);
  Primitive erase{"random_erase", {tensor("input"), floatArg("rate", 0.5), intArg("max_size", 12)},
                  [](const BoundCall &c, std::string &e) -> Types {
                    if (!checkDtypes(c, {"input"}, {}, e)) // rate 1 (always) is allowed
                      return std::nullopt;
                    const TensorType &in = c.tensor("input");
                    return one(in.dtype, shapes::randomErase(in.shape, c.attr("rate").f,
                                                             c.attr("max_size").i, e));
                  }};
  erase.random = true;
  ps.push_back(erase);
  Primitive crop{"random_resized_crop",
                 {tensor("input"), floatArg("min_scale", 0.08), floatArg("max_scale", 1.0),
                  floatArg("min_ratio", 0.75), floatArg("max_ratio", 4.0 / 3.0)},
                 [](const BoundCall &c, std::string &e) -> Types {
                   if (!checkDtypes(c, {"input"}, {}, e))
                     return std::nullopt;
                   const TensorType &in = c.tensor("input");
                   return one(in.dtype, shapes::randomResizedCrop(
                                            in.shape, c.attr("min_scale").f, c.attr("max_scale").f,
                                            c.attr("min_ratio").f, c.attr("max_ratio").f, e));
                 }};
  crop.random = true;
  ps.push_back(crop);
  Primitive scale{"random_scale", {tensor("input"), floatArg("low", 0.8), floatArg("high", 1.2)},
                  [](const BoundCall &c, std::string &e) -> Types {
                    if (!checkDtypes(c, {"input"}, {}, e))
                      return std::nullopt;
                    const TensorType &in = c.tensor("input");
                    return one(in.dtype, shapes::randomScale(in.shape, c.attr("low").f,
                                                             c.attr("high").f, e));
                  }};
  scale.random = true;
  ps.push_back(scale);
  Primitive mlm{"mlm_mask",
                {tensor("tokens"), floatArg("rate", 0.15), intArg("mask_token"),
                 intArg("vocab_size"), intArg("reserved", 3), intArg("ignore_index", -100)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {}, {"tokens"}, e) || !checkProbability(c, "rate", e))
                    return std::nullopt;
                  int64_t vocab = c.attr("vocab_size").i, mask = c.attr("mask_token").i;
                  if (vocab <= 0 || mask < 0 || mask >= vocab) {
                    e = "mask_token " + std::to_string(mask) +
                        " must be an id below vocab_size " + std::to_string(vocab);
                    return std::nullopt;
                  }
                  int64_t reserved = c.attr("reserved").i;
                  if (reserved < 0 || reserved >= vocab) {
                    e = "reserved " + std::to_string(reserved) +
                        " must leave ids below vocab_size " + std::to_string(vocab) + " to draw";
                    return std::nullopt;
                  }
                  const TensorType &t = c.tensor("tokens");
                  return std::vector<TensorType>{t, t};
                }};
  mlm.random = true;
  ps.push_back(mlm);
  ps.push_back(elementwiseLoss("mse", "prediction"));
  ps.push_back(elementwiseLoss("bce_with_logits", "logits"));
  // The loss and the metric over the same logits and labels.
  for (const char *name : {"cross_entropy", "accuracy"})
    ps.push_back({name,
                  {tensor("logits"), tensor("labels"), intArg("ignore_index", -100)},
                  [](const BoundCall &c, std::string &e) -> Types {
                    if (!checkDtypes(c, {"logits"}, {"labels"}, e))
                      return std::nullopt;
                    const TensorType &l = c.tensor("logits");
                    return one(l.dtype,
                               shapes::crossEntropy(l.shape, c.tensor("labels").shape, e));
                  }});
  ps.push_back({"token_mask", {tensor("tokens"), intArg("pad", 0)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {}, {"tokens"}, e))
                    return std::nullopt;
                  return one("f32", c.tensor("tokens").shape);
                }});
  ps.push_back({"nt_xent", {tensor("embeddings"), floatArg("temperature", 0.5)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"embeddings"}, {}, e) ||
                      !checkPositive(c, "temperature", e))
                    return std::nullopt;
                  const TensorType &z = c.tensor("embeddings");
                  return one(z.dtype, shapes::ntXent(z.shape, e));
                }});
  ps.push_back({"info_nce",
                {tensor("lhs"), tensor("rhs"), optionalTensor("log_scale"),
                 floatArg("temperature", 0.07)},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"lhs", "rhs", "log_scale"}, {}, e) ||
                      !checkPositive(c, "temperature", e))
                    return std::nullopt;
                  const TensorType &l = c.tensor("lhs");
                  const TensorType *s = c.optionalTensor("log_scale");
                  return one(l.dtype, shapes::infoNce(l.shape, c.tensor("rhs").shape,
                                                      s ? &s->shape : nullptr, e));
                }});
  ps.push_back({"negative_sampling",
                {tensor("input"), tensor("table"), tensor("positive"), tensor("negatives"),
                 symbolArg("reduction", "mean", kReductions)},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &x = c.tensor("input"), &t = c.tensor("table");
                  if (!checkDtypes(c, {"input", "table"}, {"positive", "negatives"}, e) ||
                      !sameDtype(x, t, e))
                    return std::nullopt;
                  return one(x.dtype, shapes::negativeSampling(x.shape, t.shape,
                                                               c.tensor("positive").shape,
                                                               c.tensor("negatives").shape, e));
                }});
  ps.push_back({"conv2d",
                {tensor("input"), tensor("filter"), intsArg("stride", {{1, 1}}),
                 intsArg("padding", {{0, 0}}), intsArg("dilation", {{1, 1}}),
                 intArg("groups", 1)},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &x = c.tensor("input"), &f = c.tensor("filter");
                  if (!checkDtypes(c, {"input", "filter"}, {}, e) || !sameDtype(x, f, e))
                    return std::nullopt;
                  return one(x.dtype, shapes::conv2d(x.shape, f.shape, c.attr("stride").ints,
                                                     c.attr("padding").ints,
                                                     c.attr("dilation").ints,
                                                     c.attr("groups").i, e));
                }});
  for (const char *name : {"max_pool2d", "avg_pool2d"})
    ps.push_back({name,
                  {tensor("input"), intsArg("window", {{2, 2}}), intsArg("stride", {{2, 2}}),
                   intsArg("padding", {{0, 0}})},
                  [name](const BoundCall &c, std::string &e) -> Types {
                    if (!checkDtypes(c, {"input"}, {}, e))
                      return std::nullopt;
                    const TensorType &x = c.tensor("input");
                    return one(x.dtype, shapes::pool2d(name, x.shape, c.attr("window").ints,
                                                       c.attr("stride").ints,
                                                       c.attr("padding").ints, e));
                  }});
  ps.push_back({"upsample2d",
                {tensor("input"), intArg("factor", 2),
                 symbolArg("mode", "nearest", {"nearest", "bilinear"})},
                [](const BoundCall &c, std::string &e) -> Types {
                  if (!checkDtypes(c, {"input"}, {}, e))
                    return std::nullopt;
                  const TensorType &x = c.tensor("input");
                  return one(x.dtype, shapes::upsample2d(x.shape, c.attr("factor").i, e));
                }});
  ps.push_back({"kl_normal", {tensor("mean"), tensor("log_variance")},
                [](const BoundCall &c, std::string &e) -> Types {
                  const TensorType &m = c.tensor("mean"), &v = c.tensor("log_variance");
                  if (!checkDtypes(c, {"mean", "log_variance"}, {}, e) || !sameDtype(m, v, e))
                    return std::nullopt;
                  return one(m.dtype, shapes::klDiagonalNormal(m.shape, v.shape, e));
                }});
  return ps;
}

} // namespace

const std::vector<Primitive> &primitives() {
  static const std::vector<Primitive> table = makePrimitives();
  return table;
}

const Primitive *findPrimitive(const std::string &name) {
  for (const Primitive &p : primitives())
    if (p.name == name)
      return &p;
  return nullptr;
}

} // namespace strata::frontend
