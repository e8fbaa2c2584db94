//===- Graph.h - the expanded model: values, nodes, train config -*- C++ -*-===//
//
// What the expander makes of a Spec: blocks inlined, names resolved, every value
// with its dtype and shape, every node one strata op (its `op` is the dialect
// mnemonic, its attrs carry the dialect's attribute names). MLIRGen turns it into
// the dialect one node per op; `strata emit --stage=graph` prints it as JSON.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Diagnostics.h"
#include "ShapeFunctions.h"
#include "Spec.h"

#include <map>
#include <string>
#include <vector>

namespace strata::frontend {

using shapes::Shape;

struct AttrValue {
  enum class Kind { Int, Float, Bool, Symbol, Ints };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<int64_t> ints;

  static AttrValue ofInt(int64_t v);
  static AttrValue ofFloat(double v);
  static AttrValue ofBool(bool v);
  static AttrValue ofSymbol(const std::string &v);
  static AttrValue ofInts(std::vector<int64_t> v);
};

/// A number for a message: 0.001, 1.5, 1e-08 (not 0.001000).
std::string shortNumber(double v);

using Attrs = std::vector<std::pair<std::string, AttrValue>>;

struct GraphValue {
  std::string name; // unique in the graph
  std::string dtype;
  Shape shape;
  int producer = -1; // node index; -1 for a model input
};

struct Node {
  std::string op; // strata dialect mnemonic: matmul, param, ...
  std::vector<int> operands;
  std::vector<int> results;
  Attrs attrs;
  SourceLoc loc;
};

struct GraphInput {
  int value = -1;
  std::string field; // the data set field it is fed from
};

struct TrainConfig {
  bool present = false;
  std::string dataset;
  Attrs datasetArgs;
  int64_t batch = 0;
  int64_t epochs = 0; // exactly one of epochs and steps is set
  int64_t steps = 0;
  int64_t seed = 0;
  std::string optimizer;
  Attrs optimizerArgs;
  std::string schedule = "constant";
  Attrs scheduleArgs;
  double clipGradNorm = 0; // 0: no clipping
  /// `init pretrained(params:, path:, frozen:)`: the parameters of `initParams`
  /// (a block instance, or one parameter) start from the safetensors file
  /// `initPath`; `initFrozen` keeps them (and their batch norm statistics) fixed.
  std::string initParams, initPath;
  bool initFrozen = false;
};

/// Whether parameter `name` belongs to `params`: it is that parameter, or
/// lies under that block instance (`encoder.conv2d0.w` under `encoder`).
inline bool isParameterOf(const std::string &name, const std::string &params) {
  return !params.empty() && (name == params || name.rfind(params + ".", 0) == 0);
}

struct Graph {
  std::string model;
  std::vector<GraphValue> values;
  std::vector<Node> nodes;
  std::vector<GraphInput> inputs;
  int loss = -1;
  int represent = -1;
  std::vector<int> metrics; // scalars marked @metric, reported by eval
  TrainConfig train;

  const AttrValue *attr(const Node &node, const std::string &name) const;
  int64_t parameterCount() const;
  /// FLOPs of one forward pass with the symbolic batch set to `batch`:
  /// 2*M*N*K per matmul, a small per-element count for everything else.
  double forwardFlops(int64_t batch) const;
  double nodeFlops(const Node &node, int64_t batch) const;
};

/// Expands `spec` with the blocks of `prelude` in scope; throws SpecError.
Graph buildGraph(const Spec &spec, const Spec &prelude);

/// The prelude's DSL text (frontend/prelude.strata, compiled in).
const std::string &preludeSource();
/// The parsed prelude, parsed once.
const Spec &prelude();

/// Canonical JSON of the graph (`strata emit --stage=graph`); no source
/// locations, so a spec and its `strata fmt` twin print the same text.
std::string graphToJson(const Graph &graph);

} // namespace strata::frontend
