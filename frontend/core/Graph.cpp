//===- Graph.cpp - parameter counts, FLOPs and the canonical JSON ---------===//

#include "Graph.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>

namespace strata::frontend {

AttrValue AttrValue::ofInt(int64_t v) {
  AttrValue a;
  a.kind = Kind::Int;
  a.i = v;
  return a;
}
AttrValue AttrValue::ofFloat(double v) {
  AttrValue a;
  a.kind = Kind::Float;
  a.f = v;
  return a;
}
AttrValue AttrValue::ofBool(bool v) {
  AttrValue a;
  a.kind = Kind::Bool;
  a.b = v;
  return a;
}
AttrValue AttrValue::ofInts(std::vector<int64_t> v) {
  AttrValue a;
  a.kind = Kind::Ints;
  a.ints = std::move(v);
  return a;
}
AttrValue AttrValue::ofSymbol(const std::string &v) {
  AttrValue a;
  a.kind = Kind::Symbol;
  a.s = v;
  return a;
}

std::string shortNumber(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

const AttrValue *Graph::attr(const Node &node, const std::string &name) const {
  for (const auto &[key, value] : node.attrs)
    if (key == name)
      return &value;
  return nullptr;
}

int64_t Graph::parameterCount() const {
  int64_t count = 0;
  std::set<std::string> seen;
  for (const Node &node : nodes)
    if (node.op == "param" && seen.insert(attr(node, "name")->s).second)
      count += shapes::numElements(values[node.results[0]].shape, 1);
  return count;
}

double Graph::nodeFlops(const Node &node, int64_t batch) const {
  auto numel = [&](int value) { return (double)shapes::numElements(values[value].shape, batch); };
  const std::string &op = node.op;
  if (op == "matmul") {
    const Shape &lhs = values[node.operands[0]].shape;
    bool transposed = attr(node, "transpose_lhs")->b;
    int64_t k = transposed ? lhs[lhs.size() - 2] : lhs.back();
    return 2.0 * numel(node.results[0]) * (double)shapes::numElements({k}, batch);
  }
  if (op == "conv2d") { // the im2col GEMM: K = KH * KW * C / groups per output
    const Shape &filter = values[node.operands[1]].shape;
    return 2.0 * numel(node.results[0]) * (double)(filter[0] * filter[1] * filter[2]);
  }
  if (op == "nt_xent" || op == "info_nce") { // the [N, N] similarity matrix
    const Shape &z = values[node.operands[0]].shape;
    double n = (double)shapes::numElements({z[0]}, batch);
    return 2.0 * n * n * (double)z[1] + 6.0 * n * n;
  }
  if (op == "negative_sampling") { // K + 1 dot products of D per row, and their softplus
    const Shape &negatives = values[node.operands[3]].shape;
    double rows = (double)shapes::numElements({negatives[0]}, batch), k = (double)negatives[1];
    return rows * (k + 1) * (2.0 * (double)values[node.operands[0]].shape[1] + 5);
  }
  static const std::set<std::string> free = {"param", "constant", "reshape", "transpose",
                                             "concat", "slice", "embedding", "random_shift",
                                             "random_flip", "mlm_mask"};
  if (free.count(op))
    return 0;
  // Per-element work of everything else on its largest operand.
  double elements = node.operands.empty() ? numel(node.results[0]) : 0;
  for (int operand : node.operands)
    elements = std::max(elements, numel(operand));
  if (op == "softmax" || op == "cross_entropy")
    return 5 * elements;
  if (op == "layer_norm")
    return 8 * elements;
  if (op == "gelu" || op == "bce_with_logits" || op == "kl_normal")
    return 4 * elements;
  if (op == "mse")
    return 3 * elements;
  return elements;
}

double Graph::forwardFlops(int64_t batch) const {
  double total = 0;
  for (const Node &node : nodes)
    total += nodeFlops(node, batch);
  return total;
}

namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson shapeJson(const Shape &shape) {
  OrderedJson j = OrderedJson::array();
  for (int64_t d : shape) {
    if (shapes::isBatch(d))
      j.push_back(d == shapes::kBatch ? "B" : std::to_string(-d) + "B");
    else
      j.push_back(d);
  }
  return j;
}

OrderedJson attrJson(const AttrValue &a) {
  switch (a.kind) {
  case AttrValue::Kind::Int: return a.i;
  case AttrValue::Kind::Float: return a.f;
  case AttrValue::Kind::Bool: return a.b;
  case AttrValue::Kind::Symbol: return a.s;
  case AttrValue::Kind::Ints: return a.ints;
  }
  return nullptr;
}

OrderedJson attrsJson(const Attrs &attrs) {
  OrderedJson j = OrderedJson::object();
  for (const auto &[key, value] : attrs)
    j[key] = attrJson(value);
  return j;
}

} // namespace

std::string graphToJson(const Graph &g) {
  OrderedJson j;
  j["model"] = g.model;
  j["inputs"] = OrderedJson::array();
  for (const GraphInput &in : g.inputs) {
    const GraphValue &v = g.values[in.value];
    j["inputs"].push_back({{"name", v.name}, {"dtype", v.dtype}, {"shape", shapeJson(v.shape)},
                           {"from", in.field}});
  }
  j["nodes"] = OrderedJson::array();
  for (const Node &node : g.nodes) {
    OrderedJson n;
    n["op"] = node.op;
    OrderedJson results = OrderedJson::array();
    for (int r : node.results)
      results.push_back({{"name", g.values[r].name}, {"dtype", g.values[r].dtype},
                         {"shape", shapeJson(g.values[r].shape)}});
    n["results"] = results;
    OrderedJson operands = OrderedJson::array();
    for (int o : node.operands)
      operands.push_back(g.values[o].name);
    n["operands"] = operands;
    if (!node.attrs.empty())
      n["attrs"] = attrsJson(node.attrs);
    j["nodes"].push_back(n);
  }
  j["loss"] = g.loss >= 0 ? OrderedJson(g.values[g.loss].name) : OrderedJson(nullptr);
  j["represent"] = g.represent >= 0 ? OrderedJson(g.values[g.represent].name) : OrderedJson(nullptr);
  OrderedJson metrics = OrderedJson::array();
  for (int m : g.metrics)
    metrics.push_back(g.values[m].name);
  j["metrics"] = metrics;
  j["parameters"] = g.parameterCount();
  if (g.train.present) {
    const TrainConfig &t = g.train;
    OrderedJson train;
    train["data"] = {{"name", t.dataset}, {"args", attrsJson(t.datasetArgs)}};
    train["batch"] = t.batch;
    if (t.epochs)
      train["epochs"] = t.epochs;
    else
      train["steps"] = t.steps;
    train["seed"] = t.seed;
    train["optimizer"] = {{"name", t.optimizer}, {"args", attrsJson(t.optimizerArgs)}};
    train["schedule"] = {{"name", t.schedule}, {"args", attrsJson(t.scheduleArgs)}};
    if (t.clipGradNorm > 0)
      train["clip_grad_norm"] = t.clipGradNorm;
    j["train"] = train;
  }
  return j.dump(2) + "\n";
}

extern const char *const kPreludeSource; // generated from prelude.strata

const std::string &preludeSource() {
  static const std::string text = kPreludeSource;
  return text;
}

const Spec &prelude() {
  static const Spec spec = parseDsl(preludeSource(), "<prelude>");
  return spec;
}

} // namespace strata::frontend
