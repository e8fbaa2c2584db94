//===- Expander.cpp - a Spec into a Graph ---------------------------------===//
//
// Evaluates the model body statement by statement. An expression evaluates to a
// tensor (a graph value) or a compile-time value (integer, float, boolean, string,
// symbol, list); blocks are inlined with their parameters bound, their shape
// patterns matched (binding symbols such as D), and their parameters named by
// the path of block instances (encoder_layer2.attention0.linear1.w). Every
// primitive call is checked by Primitives.cpp's rules and becomes one Node.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace strata::frontend {

void readTrainSection(const Spec &spec, Graph &graph); // TrainSection.cpp

namespace {

struct Val {
  enum class Kind { Tensor, Int, Float, Bool, Str, Symbol, List };
  Kind kind = Kind::Int;
  int tensor = -1;
  int64_t i = 0; // for a batch extent, -k stands for k*B
  bool batch = false;
  double f = 0;
  bool b = false;
  std::string s;
  std::vector<Val> list;
  SourceLoc loc;
};

std::string describe(const Val &v, const Graph &g) {
  switch (v.kind) {
  case Val::Kind::Tensor:
    return "tensor " + g.values[v.tensor].dtype + shapes::str(g.values[v.tensor].shape);
  case Val::Kind::Int:
    return v.batch ? "batch extent " + shapes::str({v.i}).substr(1, shapes::str({v.i}).size() - 2)
                   : "integer " + std::to_string(v.i);
  case Val::Kind::Float: return "number " + std::to_string(v.f);
  case Val::Kind::Bool: return v.b ? "true" : "false";
  case Val::Kind::Str: return "string \"" + v.s + "\"";
  case Val::Kind::Symbol: return "name '" + v.s + "'";
  case Val::Kind::List: return "a list";
  }
  return "?";
}

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] != b[j - 1])});
      prev = cur;
    }
  }
  return row[b.size()];
}

struct Scope {
  std::map<std::string, Val> names;
  std::string path; // "" for the model, "encoder_layer0." inside a block
  std::map<std::string, int> instanceCounters;
  const std::vector<Stmt> *body = nullptr;
  size_t statement = 0;
  std::string letTarget; // the name the current statement assigns
  bool shared = false;   // inside an instance named with `as:`: params are reused by name
};

/// Sizes no machine holds: past them a spec fails at once, located, instead
/// of expanding for minutes until memory runs out. The deepest published
/// transformers have about a hundred layers, the largest models of this
/// kind a few hundred thousand ops per step and a few billion parameters.
constexpr int64_t kMaxRepeat = 4096;
constexpr size_t kMaxNodes = 2000000;
constexpr int64_t kMaxParamElements = int64_t(1) << 34; // 64 GiB of f32, before gradients and Adam's state

class Expander {
public:
  Expander(const Spec &spec, const Spec &prelude) : spec(spec), preludeSpec(prelude) {}

  Graph run() {
    if (!spec.model)
      throw SpecError({spec.file, 1, 1}, "spec defines no model");
    registerBlocks(preludeSpec);
    registerBlocks(spec);
    const ModelDef &model = *spec.model;
    graph.model = model.name;
    Scope scope;
    declareInputs(model, scope);
    runBody(model.body, scope, /*inModel=*/true);
    if (graph.loss < 0)
      throw SpecError(model.loc, "model '" + model.name +
                                     "' declares no loss (add a statement 'loss <expression>')");
    readTrainSection(spec, graph);
    if (graph.train.present)
      checkActivationSizes();
    return std::move(graph);
  }

private:
  /// Adds `node`, unless the graph already has more ops than any model.
  void pushNode(const Node &node) {
    if (graph.nodes.size() >= kMaxNodes)
      fail(node.loc, "the model expands to more than " + std::to_string(kMaxNodes) +
                         " ops here (a repeat or a block called too often?)");
    graph.nodes.push_back(node);
  }

  int64_t paramElements = 0;

  /// Fails at the train section when its batch makes one value hold more
  /// than any machine's memory (past 1 TiB): the batch is what to change.
  void checkActivationSizes() {
    constexpr int64_t kMaxValueBytes = int64_t(1) << 40;
    for (const GraphValue &v : graph.values) {
      int64_t bytes = 4;
      for (int64_t d : v.shape) {
        int64_t extent = shapes::isBatch(d) ? graph.train.batch : d;
        if (extent > 0 && bytes > kMaxValueBytes / extent)
          fail(spec.trainLoc, "batch " + std::to_string(graph.train.batch) + " makes '" + v.name + "' " +
                                  shapes::str(v.shape) + " more than 1 TiB; no machine holds it");
        bytes *= std::max<int64_t>(extent, 1);
      }
    }
  }

  const Spec &spec;
  const Spec &preludeSpec;
  Graph graph;
  std::map<std::string, const BlockDef *> blocks;
  std::vector<std::string> callStack;
  std::set<std::string> usedNames;
  std::map<std::string, int> paramValues; // parameter name -> its value
  int64_t nextStream = 0;
  int depth = 0;

  [[noreturn]] static void fail(const SourceLoc &loc, const std::string &message) {
    throw SpecError(loc, message);
  }

  void registerBlocks(const Spec &s) {
    std::map<std::string, SourceLoc> seen;
    for (const BlockDef &b : s.blocks) {
      if (auto it = seen.find(b.name); it != seen.end())
        fail(b.loc, "duplicate block '" + b.name + "'; first defined at " + it->second.str());
      seen[b.name] = b.loc;
      std::set<std::string> params;
      for (const BlockParam &p : b.params)
        if (!params.insert(p.name).second)
          fail(p.loc, "duplicate parameter '" + p.name + "' in block '" + b.name + "'");
      blocks[b.name] = &b; // a user block shadows a prelude block of that name
    }
  }

  std::string uniqueName(const std::string &base) {
    std::string name = base;
    for (int k = 1; usedNames.count(name); ++k)
      name = base + "_" + std::to_string(k);
    usedNames.insert(name);
    return name;
  }

  int addValue(const std::string &name, const std::string &dtype, const Shape &shape,
               int producer) {
    graph.values.push_back({uniqueName(name), dtype, shape, producer});
    return (int)graph.values.size() - 1;
  }

  //===--------------------------------------------------------------------===//
  // Model inputs and statements
  //===--------------------------------------------------------------------===//

  void declareInputs(const ModelDef &model, Scope &scope) {
    for (const InputDecl &in : model.inputs) {
      if (scope.names.count(in.name))
        fail(in.loc, "duplicate input '" + in.name + "'");
      if (!isKnownDtype(in.type.dtype))
        fail(in.type.loc, "unknown dtype '" + in.type.dtype + "' (expected f32, f64, f16, bf16, i32 or i64)");
      if (in.type.leadingEllipsis)
        fail(in.type.loc, "a model input needs a concrete shape; '...' is for block parameters");
      Shape shape;
      for (const auto &d : in.type.dims) {
        if (d.symbol.empty())
          shape.push_back(d.size);
        else if (d.symbol == "B")
          shape.push_back(shapes::kBatch);
        else
          fail(in.type.loc, "unknown dimension '" + d.symbol + "' in input '" + in.name +
                                "' (only B, the batch, may be symbolic)");
      }
      if (std::count(shape.begin(), shape.end(), shapes::kBatch) && !scope.names.count("B")) {
        Val batch; // the model body may name the batch, as in reshape(x, [B, 28, 28])
        batch.kind = Val::Kind::Int;
        batch.i = shapes::kBatch;
        batch.batch = true;
        scope.names["B"] = batch;
      }
      int id = addValue(in.name, in.type.dtype, shape, -1);
      graph.inputs.push_back({id, in.from.empty() ? in.name : in.from});
      Val v;
      v.kind = Val::Kind::Tensor;
      v.tensor = id;
      v.loc = in.loc;
      scope.names[in.name] = v;
    }
  }

  void runBody(const std::vector<Stmt> &body, Scope &scope, bool inModel) {
    scope.body = &body;
    std::set<std::string> inputs;
    if (inModel)
      for (const InputDecl &in : spec.model->inputs)
        inputs.insert(in.name);
    for (size_t k = 0; k < body.size(); ++k) {
      scope.statement = k;
      const Stmt &stmt = body[k];
      if (stmt.kind == Stmt::Kind::Return)
        return;
      if (stmt.kind == Stmt::Kind::Loss) {
        if (graph.loss >= 0)
          fail(stmt.loc, "duplicate loss; the model already declares one");
        scope.letTarget = "loss";
        size_t before = graph.values.size();
        Val v = eval(*stmt.value, scope);
        int id = expectTensor(v, stmt.value->loc, "the loss");
        const GraphValue &loss = graph.values[id];
        if (!loss.shape.empty() || !isFloatDtype(loss.dtype))
          fail(stmt.value->loc, "the loss must be a floating-point scalar, got " +
                                    loss.dtype + shapes::str(loss.shape));
        nameResult(id, before, scope.path + "loss");
        graph.loss = id;
        continue;
      }
      for (const std::string &target : stmt.targets) {
        if (inputs.count(target))
          fail(stmt.loc, "'" + target + "' is a model input and cannot be reassigned");
        if (std::count(stmt.targets.begin(), stmt.targets.end(), target) > 1)
          fail(stmt.loc, "duplicate name '" + target + "' on the left of '='");
      }
      scope.letTarget = stmt.targets[0];
      size_t before = graph.values.size();
      Val v = eval(*stmt.value, scope);
      if (stmt.targets.size() > 1) {
        if (v.kind != Val::Kind::List || v.list.size() != stmt.targets.size())
          fail(stmt.loc, "assigns " + std::to_string(stmt.targets.size()) +
                             " names, but the right side gives " +
                             (v.kind == Val::Kind::List ? std::to_string(v.list.size())
                                                        : std::string("one value")));
        for (size_t t = 0; t < stmt.targets.size(); ++t) {
          if (v.list[t].kind == Val::Kind::Tensor)
            nameResult(v.list[t].tensor, before, scope.path + stmt.targets[t]);
          scope.names[stmt.targets[t]] = v.list[t];
        }
      } else {
        if (v.kind == Val::Kind::Symbol)
          fail(stmt.value->loc, "unknown name '" + v.s + "'");
        if (v.kind == Val::Kind::Tensor)
          nameResult(v.tensor, before, scope.path + stmt.targets[0]);
        scope.names[stmt.targets[0]] = v;
      }
      if (stmt.represent) {
        if (graph.represent >= 0)
          fail(stmt.loc, "duplicate @represent; '" + graph.values[graph.represent].name +
                             "' is already the representation");
        if (v.kind != Val::Kind::Tensor)
          fail(stmt.loc, "@represent needs a tensor, got " + describe(v, graph));
        graph.represent = v.tensor;
      }
      if (stmt.metric) {
        if (v.kind != Val::Kind::Tensor || !graph.values[v.tensor].shape.empty())
          fail(stmt.loc, "@metric needs a scalar tensor, got " + describe(v, graph));
        graph.metrics.push_back(v.tensor);
      }
    }
  }

  /// Gives a value made by this statement the statement's name.
  void nameResult(int id, size_t valuesBefore, const std::string &name) {
    if ((size_t)id < valuesBefore || graph.values[id].producer < 0)
      return; // an existing value: `y = x` aliases, it does not rename
    if (graph.nodes[graph.values[id].producer].op == "param")
      return; // parameters keep their parameter name
    usedNames.erase(graph.values[id].name);
    graph.values[id].name = uniqueName(name);
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  Val eval(const Expr &e, Scope &scope) {
    if (++depth > 400)
      fail(e.loc, "expression or block nesting is deeper than 400");
    Val v = evalInner(e, scope);
    --depth;
    return v;
  }

  Val evalInner(const Expr &e, Scope &scope) {
    Val v;
    v.loc = e.loc;
    switch (e.kind) {
    case Expr::Kind::Number:
      if (e.isInteger) {
        v.kind = Val::Kind::Int;
        v.i = (int64_t)e.number;
      } else {
        v.kind = Val::Kind::Float;
        v.f = e.number;
      }
      return v;
    case Expr::Kind::String:
      v.kind = Val::Kind::Str;
      v.s = e.text;
      return v;
    case Expr::Kind::Name:
      return lookup(e, scope);
    case Expr::Kind::List:
      v.kind = Val::Kind::List;
      for (const ExprPtr &item : e.args)
        v.list.push_back(eval(*item, scope));
      return v;
    case Expr::Kind::Binary:
      return evalBinary(e, eval(*e.args[0], scope), eval(*e.args[1], scope), scope);
    case Expr::Kind::Call:
      return evalCall(e, scope, nullptr);
    case Expr::Kind::Repeat:
      return evalRepeat(e, scope);
    }
    return v;
  }

  Val lookup(const Expr &e, Scope &scope) {
    if (auto it = scope.names.find(e.text); it != scope.names.end()) {
      Val v = it->second;
      v.loc = e.loc;
      return v;
    }
    Val v;
    v.loc = e.loc;
    if (e.text == "true" || e.text == "false") {
      v.kind = Val::Kind::Bool;
      v.b = e.text == "true";
      return v;
    }
    if (scope.body)
      for (size_t k = scope.statement; k < scope.body->size(); ++k)
        for (const std::string &t : (*scope.body)[k].targets)
          if (t == e.text)
            fail(e.loc, "'" + e.text + "' is used before it is defined at " +
                            (*scope.body)[k].loc.str() +
                            " (statements run in order, so a value cannot depend on itself or a later one)");
    v.kind = Val::Kind::Symbol; // a bare word: an initializer, a split, ... or a typo
    v.s = e.text;
    return v;
  }

  int expectTensor(const Val &v, const SourceLoc &loc, const std::string &what) {
    if (v.kind == Val::Kind::Tensor)
      return v.tensor;
    if (v.kind == Val::Kind::Symbol)
      fail(loc, "unknown name '" + v.s + "'");
    fail(loc, "expected a tensor for " + what + ", got " + describe(v, graph));
  }

  static bool isNumber(const Val &v) {
    return v.kind == Val::Kind::Int || v.kind == Val::Kind::Float;
  }
  static double asDouble(const Val &v) { return v.kind == Val::Kind::Int ? (double)v.i : v.f; }

  Val evalBinary(const Expr &e, Val lhs, Val rhs, Scope &scope) {
    static const std::map<char, std::string> opNames = {
        {'+', "add"}, {'-', "sub"}, {'*', "mul"}, {'/', "div"}};
    if (isNumber(lhs) && isNumber(rhs))
      return foldNumbers(e, lhs, rhs);
    bool lt = lhs.kind == Val::Kind::Tensor, rt = rhs.kind == Val::Kind::Tensor;
    if ((lt || isNumber(lhs)) && (rt || isNumber(rhs))) {
      const std::string &dtype = graph.values[lt ? lhs.tensor : rhs.tensor].dtype;
      if (!lt)
        lhs = makeConstant(lhs, dtype, e.loc, scope);
      if (!rt)
        rhs = makeConstant(rhs, dtype, e.loc, scope);
      return emitPrimitive(*findPrimitive(opNames.at(e.op)), {lhs, rhs}, {}, e.loc, scope);
    }
    for (const Val *v : {&lhs, &rhs})
      if (v->kind == Val::Kind::Symbol)
        fail(v->loc, "unknown name '" + v->s + "'");
    fail(e.loc, std::string("operator '") + e.op + "' needs numbers or tensors, got " +
                    describe(lhs, graph) + " and " + describe(rhs, graph));
  }

  Val foldNumbers(const Expr &e, const Val &lhs, const Val &rhs) {
    Val v;
    v.loc = e.loc;
    if (lhs.batch || rhs.batch)
      fail(e.loc, "cannot compute with the batch extent B at compile time");
    if (lhs.kind == Val::Kind::Int && rhs.kind == Val::Kind::Int) {
      int64_t a = lhs.i, b = rhs.i;
      if (e.op == '/' && b == 0)
        fail(e.loc, "division by zero");
      if (e.op != '/' || a % b == 0) { // integer results stay integers: D / heads
        v.kind = Val::Kind::Int;
        v.i = e.op == '+' ? a + b : e.op == '-' ? a - b : e.op == '*' ? a * b : a / b;
        return v;
      }
    }
    double a = asDouble(lhs), b = asDouble(rhs);
    if (e.op == '/' && b == 0)
      fail(e.loc, "division by zero");
    v.kind = Val::Kind::Float;
    v.f = e.op == '+' ? a + b : e.op == '-' ? a - b : e.op == '*' ? a * b : a / b;
    return v;
  }

  Val makeConstant(const Val &number, const std::string &dtype, const SourceLoc &loc,
                   Scope &scope) {
    if (!isFloatDtype(dtype))
      fail(loc, "cannot combine a number with a " + dtype + " tensor");
    Node node;
    node.op = "constant";
    node.loc = loc;
    AttrValue value;
    value.kind = AttrValue::Kind::Float;
    value.f = asDouble(number);
    node.attrs.push_back({"value", value});
    pushNode(node);
    int id = addValue(scope.path + "const", dtype, {}, (int)graph.nodes.size() - 1);
    graph.nodes.back().results.push_back(id);
    Val v;
    v.kind = Val::Kind::Tensor;
    v.tensor = id;
    v.loc = loc;
    return v;
  }

  //===--------------------------------------------------------------------===//
  // Calls: blocks, primitives, param, compile-time math
  //===--------------------------------------------------------------------===//

  Val evalCall(const Expr &call, Scope &scope, const Val *chained) {
    std::vector<Val> args;
    if (chained)
      args.push_back(*chained);
    for (const ExprPtr &a : call.args)
      args.push_back(eval(*a, scope));
    std::vector<std::pair<std::string, Val>> kwargs;
    for (size_t k = 0; k < call.kwargs.size(); ++k) {
      const auto &[key, value] = call.kwargs[k];
      for (const auto &[seen, unused] : kwargs)
        if (seen == key)
          fail(call.kwargLocs[k], "duplicate keyword argument '" + key + "'");
      kwargs.emplace_back(key, eval(*value, scope));
    }

    const std::string &name = call.text;
    if (name == "param")
      return emitParam(call, args, kwargs, scope);
    if (name.rfind("strata.", 0) == 0) {
      const Primitive *p = findPrimitive(name.substr(7));
      if (!p)
        fail(call.loc, "unknown op '" + name + "'" + suggestion(name.substr(7), false));
      return emitPrimitive(*p, args, kwargs, call.loc, scope);
    }
    if (auto it = blocks.find(name); it != blocks.end())
      return invokeBlock(*it->second, call, args, kwargs, scope);
    if (const Primitive *p = findPrimitive(name)) {
      if (args.size() == 1 && kwargs.empty() && isNumber(args[0]))
        if (auto folded = foldMath(name, args[0]))
          return *folded;
      return emitPrimitive(*p, args, kwargs, call.loc, scope);
    }
    fail(call.loc, "unknown op or block '" + name + "'" + suggestion(name, true));
  }

  std::string suggestion(const std::string &name, bool withBlocks) {
    std::string best;
    size_t bestDistance = 3;
    auto consider = [&](const std::string &candidate) {
      size_t d = editDistance(name, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    };
    for (const Primitive &p : primitives())
      consider(p.name);
    if (withBlocks)
      for (const auto &[b, def] : blocks)
        consider(b);
    return best.empty() ? "" : " (did you mean '" + best + "'?)";
  }

  /// sqrt(64), exp(1), log(2), neg(3) on numbers are computed here.
  std::optional<Val> foldMath(const std::string &name, const Val &arg) {
    double x = asDouble(arg), r;
    if (name == "sqrt" && x >= 0) r = std::sqrt(x);
    else if (name == "exp") r = std::exp(x);
    else if (name == "log" && x > 0) r = std::log(x);
    else if (name == "neg") r = -x;
    else return std::nullopt;
    Val v;
    v.kind = Val::Kind::Float;
    v.f = r;
    v.loc = arg.loc;
    return v;
  }

  Val evalRepeat(const Expr &e, Scope &scope) {
    const Expr &call = *e.args[0];
    if (call.args.empty())
      fail(call.loc, "repeat needs the block's first argument: it is threaded through the repeats");
    auto it = blocks.find(call.text);
    if (it == blocks.end())
      fail(call.loc, "repeat needs a block, and '" + call.text + "' is not one" +
                         suggestion(call.text, true));
    if (e.count > kMaxRepeat)
      fail(e.loc, "repeat " + std::to_string(e.count) + " " + call.text + ": at most " +
                      std::to_string(kMaxRepeat) + " copies of a block (a model that deep holds no machine's memory)");
    Val x = eval(*call.args[0], scope);
    Expr rest = call;
    rest.args.erase(rest.args.begin());
    for (int64_t k = 0; k < e.count; ++k)
      x = evalCall(rest, scope, &x);
    return x;
  }

  /// `param([K, out], init: he_normal, scale: 0.02)`
  Val emitParam(const Expr &call, const std::vector<Val> &args,
                const std::vector<std::pair<std::string, Val>> &kwargs, Scope &scope) {
    static const std::vector<std::string> inits = {
        "zeros", "ones", "normal", "uniform", "xavier_uniform", "xavier_normal",
        "he_uniform", "he_normal", "constant"};
    if (args.size() != 1)
      fail(call.loc, "param takes its shape as one positional argument, got " +
                         std::to_string(args.size()));
    Shape shape = toInts(args[0], "the shape of param", /*allowBatch=*/false);
    int64_t elements = 1;
    for (int64_t d : shape) {
      if (d <= 0)
        fail(args[0].loc, "param shape " + shapes::str(shape) + " must have positive extents");
      if (d > kMaxParamElements / elements)
        fail(args[0].loc, "param shape " + shapes::str(shape) + " holds more than 2^34 elements (64 GiB of f32)");
      elements *= d;
    }
    paramElements += elements;
    if (paramElements > kMaxParamElements)
      fail(call.loc, "the model's parameters pass 2^34 elements (64 GiB of f32) here; no machine trains that");
    std::string init = "xavier_uniform";
    std::optional<double> scale;
    for (const auto &[key, value] : kwargs) {
      if (key == "init") {
        if (value.kind != Val::Kind::Symbol && value.kind != Val::Kind::Str)
          fail(value.loc, "init must be an initializer name, got " + describe(value, graph));
        init = value.s;
        if (std::find(inits.begin(), inits.end(), init) == inits.end())
          fail(value.loc, "unknown initializer '" + init +
                              "' (expected zeros, ones, normal, uniform, xavier_uniform, "
                              "xavier_normal, he_uniform, he_normal, constant)");
      } else if (key == "scale") {
        if (!isNumber(value))
          fail(value.loc, "scale must be a number, got " + describe(value, graph));
        scale = asDouble(value);
      } else {
        fail(call.loc, "param has no argument '" + key + "' (arguments: shape, init, scale)");
      }
    }
    if (scale && (init == "normal" || init == "uniform") && !(*scale > 0))
      fail(call.loc, "scale of a " + init + " initializer must be positive");
    std::string name = scope.path + (scope.letTarget.empty() ? "param" : scope.letTarget);
    if (auto it = paramValues.find(name); it != paramValues.end()) {
      if (scope.shared) { // a second call of an instance named with `as:`
        const GraphValue &existing = graph.values[it->second];
        if (existing.shape != shape)
          fail(call.loc, "shared parameter '" + name + "' is declared again with shape " +
                             shapes::str(shape) + ", but it is " + shapes::str(existing.shape));
        Val v;
        v.kind = Val::Kind::Tensor;
        v.tensor = it->second;
        v.loc = call.loc;
        return v;
      }
      for (int k = 1;; ++k)
        if (!paramValues.count(name + "_" + std::to_string(k))) {
          name += "_" + std::to_string(k);
          break;
        }
    }
    Node node;
    node.op = "param";
    node.loc = call.loc;
    AttrValue nameAttr, initAttr, scaleAttr;
    nameAttr.kind = AttrValue::Kind::Symbol;
    nameAttr.s = name;
    initAttr.kind = AttrValue::Kind::Symbol;
    initAttr.s = init;
    node.attrs.push_back({"name", nameAttr});
    node.attrs.push_back({"init", initAttr});
    if (scale) {
      scaleAttr.kind = AttrValue::Kind::Float;
      scaleAttr.f = *scale;
      node.attrs.push_back({"scale", scaleAttr});
    }
    pushNode(node);
    int id = addValue(name, "f32", shape, (int)graph.nodes.size() - 1);
    graph.nodes.back().results.push_back(id);
    paramValues[name] = id;
    Val v;
    v.kind = Val::Kind::Tensor;
    v.tensor = id;
    v.loc = call.loc;
    return v;
  }

  Shape toInts(const Val &v, const std::string &what, bool allowBatch) {
    std::vector<Val> items = v.kind == Val::Kind::List ? v.list : std::vector<Val>{v};
    Shape out;
    for (const Val &item : items) {
      if (item.kind == Val::Kind::Symbol)
        fail(item.loc, "unknown name '" + item.s + "' in " + what);
      if (item.kind != Val::Kind::Int)
        fail(item.loc, "expected integers in " + what + ", got " + describe(item, graph));
      if (item.batch && !allowBatch)
        fail(item.loc, what + " cannot use the batch extent B");
      out.push_back(item.i);
    }
    return out;
  }

  AttrValue toAttr(const PrimitiveArg &arg, const Val &v, const std::string &op) {
    AttrValue a;
    std::string what = "argument '" + arg.name + "' of '" + op + "'";
    switch (arg.kind) {
    case PrimitiveArg::Kind::Int:
      if (v.kind != Val::Kind::Int || v.batch)
        fail(v.loc, what + " must be an integer, got " + describe(v, graph));
      a.kind = AttrValue::Kind::Int;
      a.i = v.i;
      return a;
    case PrimitiveArg::Kind::Float:
      if (!isNumber(v) || v.batch)
        fail(v.loc, what + " must be a number, got " + describe(v, graph));
      a.kind = AttrValue::Kind::Float;
      a.f = asDouble(v);
      return a;
    case PrimitiveArg::Kind::Bool:
      if (v.kind != Val::Kind::Bool)
        fail(v.loc, what + " must be true or false, got " + describe(v, graph));
      a.kind = AttrValue::Kind::Bool;
      a.b = v.b;
      return a;
    case PrimitiveArg::Kind::Ints:
      a.kind = AttrValue::Kind::Ints;
      a.ints = toInts(v, what, /*allowBatch=*/true);
      return a;
    case PrimitiveArg::Kind::Symbol: {
      if (v.kind != Val::Kind::Symbol && v.kind != Val::Kind::Str)
        fail(v.loc, what + " must be a name, got " + describe(v, graph));
      if (std::find(arg.symbols.begin(), arg.symbols.end(), v.s) == arg.symbols.end()) {
        std::string allowed;
        for (const auto &s : arg.symbols)
          allowed += (allowed.empty() ? "" : ", ") + s;
        fail(v.loc, "unknown value '" + v.s + "' for " + what + " (expected " + allowed + ")");
      }
      a.kind = AttrValue::Kind::Symbol;
      a.s = v.s;
      return a;
    }
    default:
      break;
    }
    throw std::logic_error("not an attribute kind");
  }

  Val emitPrimitive(const Primitive &p, const std::vector<Val> &args,
                    const std::vector<std::pair<std::string, Val>> &kwargs,
                    const SourceLoc &loc, Scope &scope) {
    // Bind positional arguments in order (a Tensors argument takes the rest),
    // then keyword arguments by name.
    std::map<std::string, std::vector<Val>> bound;
    size_t next = 0;
    for (const PrimitiveArg &arg : p.args) {
      if (next >= args.size())
        break;
      if (arg.kind == PrimitiveArg::Kind::Tensors) {
        while (next < args.size())
          bound[arg.name].push_back(args[next++]);
      } else {
        bound[arg.name].push_back(args[next++]);
      }
    }
    if (next < args.size())
      fail(args[next].loc, "'" + p.name + "' takes at most " + std::to_string(next) +
                               " positional argument(s), got " + std::to_string(args.size()));
    for (const auto &[key, value] : kwargs) {
      auto it = std::find_if(p.args.begin(), p.args.end(),
                             [&](const PrimitiveArg &a) { return a.name == key; });
      if (it == p.args.end()) {
        std::string names;
        for (const auto &a : p.args)
          names += (names.empty() ? "" : ", ") + a.name;
        fail(value.loc, "'" + p.name + "' has no argument '" + key + "' (arguments: " + names + ")");
      }
      if (bound.count(key))
        fail(value.loc, "argument '" + key + "' of '" + p.name + "' is given twice");
      bound[key].push_back(value);
    }

    BoundCall call;
    Node node;
    node.op = p.name;
    node.loc = loc;
    for (const PrimitiveArg &arg : p.args) {
      auto it = bound.find(arg.name);
      bool isTensorArg = arg.kind == PrimitiveArg::Kind::Tensor ||
                         arg.kind == PrimitiveArg::Kind::OptionalTensor ||
                         arg.kind == PrimitiveArg::Kind::Tensors;
      if (isTensorArg) {
        if (it == bound.end()) {
          if (arg.kind == PrimitiveArg::Kind::OptionalTensor)
            continue;
          fail(loc, "'" + p.name + "' needs operand '" + arg.name + "'");
        }
        for (const Val &v : it->second) {
          int id = expectTensor(v, v.loc, "operand '" + arg.name + "' of '" + p.name + "'");
          node.operands.push_back(id);
          call.tensors[arg.name].push_back({graph.values[id].dtype, graph.values[id].shape});
        }
        continue;
      }
      AttrValue a;
      if (it != bound.end())
        a = toAttr(arg, it->second[0], p.name);
      else if (arg.defaultValue)
        a = *arg.defaultValue;
      else
        fail(loc, "'" + p.name + "' needs argument '" + arg.name + "'");
      call.attrs.push_back({arg.name, a});
    }
    std::string error;
    auto results = p.infer(call, error);
    if (!results)
      fail(loc, "'" + p.name + "': " + error);
    node.attrs = call.attrs;
    if (p.random) {
      AttrValue stream;
      stream.kind = AttrValue::Kind::Int;
      stream.i = nextStream++;
      node.attrs.push_back({"stream", stream});
    }
    pushNode(node);
    int nodeId = (int)graph.nodes.size() - 1;
    Val out;
    out.loc = loc;
    out.kind = Val::Kind::List;
    for (const TensorType &t : *results) {
      int id = addValue(scope.path + p.name, t.dtype, t.shape, nodeId);
      graph.nodes[nodeId].results.push_back(id);
      Val r;
      r.kind = Val::Kind::Tensor;
      r.tensor = id;
      r.loc = loc;
      out.list.push_back(r);
    }
    return out.list.size() == 1 ? out.list[0] : out;
  }

  //===--------------------------------------------------------------------===//
  // Blocks
  //===--------------------------------------------------------------------===//

  Val invokeBlock(const BlockDef &block, const Expr &call, const std::vector<Val> &args,
                  const std::vector<std::pair<std::string, Val>> &kwargs, Scope &caller) {
    if (std::find(callStack.begin(), callStack.end(), block.name) != callStack.end()) {
      std::string cycle;
      for (auto it = std::find(callStack.begin(), callStack.end(), block.name);
           it != callStack.end(); ++it)
        cycle += *it + " -> ";
      fail(call.loc, "block '" + block.name + "' calls itself: " + cycle + block.name);
    }
    if (args.size() > block.params.size())
      fail(call.loc, "block '" + block.name + "' takes " + std::to_string(block.params.size()) +
                         " argument(s), got " + std::to_string(args.size()));
    Scope inner;
    inner.shared = caller.shared;
    std::map<std::string, Val> given;
    for (size_t k = 0; k < args.size(); ++k)
      given[block.params[k].name] = args[k];
    for (const auto &[key, value] : kwargs) {
      if (key == "as") { // an explicit instance name: calls that share it share parameters
        if (value.kind != Val::Kind::Symbol && value.kind != Val::Kind::Str)
          fail(value.loc, "'as' names a block instance, got " + describe(value, graph));
        inner.path = caller.path + value.s + ".";
        inner.shared = true;
        continue;
      }
      auto it = std::find_if(block.params.begin(), block.params.end(),
                             [&](const BlockParam &p) { return p.name == key; });
      if (it == block.params.end())
        fail(value.loc, "block '" + block.name + "' has no parameter '" + key + "'");
      if (given.count(key))
        fail(value.loc, "parameter '" + key + "' of block '" + block.name + "' is given twice");
      given[key] = value;
    }
    if (inner.path.empty())
      inner.path = caller.path + block.name +
                   std::to_string(caller.instanceCounters[block.name]++) + ".";
    callStack.push_back(block.name);
    try {
      for (const BlockParam &param : block.params) {
        auto it = given.find(param.name);
        Val v;
        if (it != given.end()) {
          v = it->second;
        } else if (param.defaultValue) {
          Scope empty;
          v = eval(*param.defaultValue, empty);
        } else {
          fail(call.loc, "block '" + block.name + "' needs argument '" + param.name + "'");
        }
        if (param.type)
          matchType(block, param, v, call.loc, inner);
        inner.names[param.name] = v;
      }
      runBody(block.body, inner, /*inModel=*/false);
      const Stmt &ret = block.body.back();
      inner.statement = block.body.size();
      inner.letTarget = "out";
      Val result = eval(*ret.value, inner);
      if (result.kind == Val::Kind::Symbol)
        fail(ret.value->loc, "unknown name '" + result.s + "'");
      callStack.pop_back();
      return result;
    } catch (SpecError &error) {
      callStack.pop_back();
      // An error inside the prelude is the caller's: point at the call.
      if (error.loc.file != spec.file && call.loc.file == spec.file) {
        error.notes.push_back({error.loc, "inside prelude block '" + block.name + "'"});
        error.loc = call.loc;
      } else if (error.loc.file == call.loc.file && error.loc.line != call.loc.line) {
        error.notes.push_back({call.loc, "in block '" + block.name + "' called here"});
      }
      throw;
    }
  }

  /// Matches a tensor argument against `f32[..., K]`, binding symbols in `inner`.
  void matchType(const BlockDef &block, const BlockParam &param, const Val &v,
                 const SourceLoc &callLoc, Scope &inner) {
    const TypeSpec &type = *param.type;
    std::string where = "argument '" + param.name + "' of block '" + block.name + "'";
    if (v.kind != Val::Kind::Tensor) {
      if (v.kind == Val::Kind::Symbol)
        fail(v.loc.valid() ? v.loc : callLoc, "unknown name '" + v.s + "'");
      fail(v.loc.valid() ? v.loc : callLoc, where + " must be a tensor, got " + describe(v, graph));
    }
    const GraphValue &t = graph.values[v.tensor];
    std::string pattern = type.dtype + "[" + (type.leadingEllipsis ? "..." : "");
    for (size_t k = 0; k < type.dims.size(); ++k)
      pattern += std::string((k || type.leadingEllipsis) ? ", " : "") +
                 (type.dims[k].symbol.empty() ? std::to_string(type.dims[k].size)
                                              : type.dims[k].symbol);
    pattern += "]";
    auto mismatch = [&](const std::string &why) {
      fail(callLoc, "shape mismatch: " + where + " is " + t.dtype + shapes::str(t.shape) +
                        ", expected " + pattern + why);
    };
    if (t.dtype != type.dtype)
      mismatch(" (dtype differs)");
    size_t rank = type.dims.size();
    if (type.leadingEllipsis ? t.shape.size() < rank : t.shape.size() != rank)
      mismatch(" (rank differs)");
    size_t offset = t.shape.size() - rank;
    for (size_t k = 0; k < rank; ++k) {
      const auto &dim = type.dims[k];
      int64_t actual = t.shape[offset + k];
      if (dim.symbol.empty()) {
        if (actual != dim.size)
          mismatch("");
        continue;
      }
      auto bound = inner.names.find(dim.symbol);
      if (bound != inner.names.end()) {
        if (bound->second.kind != Val::Kind::Int || bound->second.i != actual)
          mismatch(" (" + dim.symbol + " is already " + describe(bound->second, graph) + ")");
        continue;
      }
      Val d;
      d.kind = Val::Kind::Int;
      d.i = actual;
      d.batch = shapes::isBatch(actual);
      d.loc = type.loc;
      inner.names[dim.symbol] = d;
    }
  }
};

} // namespace

Graph buildGraph(const Spec &spec, const Spec &prelude) {
  return Expander(spec, prelude).run();
}

} // namespace strata::frontend
