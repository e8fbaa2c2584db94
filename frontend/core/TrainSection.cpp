//===- TrainSection.cpp - the train section into a TrainConfig ------------===//
//
// Checks the data set, the optimizer, the schedule and the numbers, fills in the
// defaults, and binds every model input to a field of the data set with a
// matching dtype and per-example shape.
//
//===----------------------------------------------------------------------===//

#include "Primitives.h"

#include <algorithm>
#include <cmath>

namespace strata::frontend {
namespace {

[[noreturn]] void fail(const SourceLoc &loc, const std::string &message) {
  throw SpecError(loc, message);
}

struct Field {
  std::string name;
  std::string dtype;
  Shape shape; // per example; a negative entry names an integer argument's index + 1
};

/// A call's argument: name, default, and whether it is a symbol (else a number).
struct ArgRule {
  std::string name;
  AttrValue defaultValue;
  std::vector<std::string> symbols; // non-empty: a symbol from this list
  bool integer = false;
  double min = 0; // numbers must be >= min (> min when strictly)
  bool strictly = false;
  bool text = false; // a required string or name, any value
};

struct CallRule {
  std::string name;
  std::vector<ArgRule> args;
};

AttrValue num(double v, bool integer) {
  return integer ? AttrValue::ofInt((int64_t)v) : AttrValue::ofFloat(v);
}

ArgRule symbolArg(const std::string &name, const std::vector<std::string> &allowed) {
  return {name, AttrValue::ofSymbol(allowed[0]), allowed};
}
ArgRule intArg(const std::string &name, int64_t def, int64_t min = 1) {
  return {name, num(def, true), {}, true, (double)min, false};
}
ArgRule floatArg(const std::string &name, double def, double min = 0, bool strictly = false) {
  return {name, num(def, false), {}, false, min, strictly};
}
ArgRule boolArg(const std::string &name, bool def) { return {name, AttrValue::ofBool(def), {}, false, 0, false}; }
ArgRule textArg(const std::string &name) {
  return {name, AttrValue::ofSymbol(""), {}, false, 0, false, /*text=*/true};
}

const std::vector<CallRule> &datasetRules() {
  static const std::vector<CallRule> rules = {
      {"fashion_mnist", {symbolArg("split", {"train", "test"}), intArg("labelled", 0, 0)}},
      {"fashion_mnist_captions",
       {symbolArg("split", {"train", "test"}), intArg("seq_len", 16), intArg("vocab", 1024)}},
      {"kjv", {symbolArg("split", {"train", "test"}), intArg("seq_len", 128), intArg("vocab", 8192)}},
      {"random_tokens", {intArg("seq_len", 128), intArg("vocab", 8192)}},
      {"kjv_words",
       {symbolArg("split", {"train", "test"}), intArg("vocab", 8192), intArg("window", 5),
        intArg("negatives", 5), intArg("min_count", 5), floatArg("subsample", 0.001)}},
      {"kjv_cooccurrence",
       {symbolArg("split", {"train", "test"}), intArg("vocab", 8192), intArg("window", 10),
        intArg("min_count", 5)}},
  };
  return rules;
}

std::vector<Field> datasetFields(const std::string &name, const Attrs &args) {
  auto arg = [&](const std::string &key) {
    for (const auto &[k, v] : args)
      if (k == key)
        return v.i;
    return int64_t(0);
  };
  if (name == "fashion_mnist")
    return {{"image", "f32", {784}}, {"label", "i32", {}}};
  if (name == "fashion_mnist_captions")
    return {{"image", "f32", {784}}, {"caption", "i32", {arg("seq_len")}}, {"label", "i32", {}}};
  if (name == "kjv_cooccurrence")
    return {{"row", "i32", {}}, {"col", "i32", {}}, {"count", "f32", {}}};
  if (name == "kjv_words")
    return {{"center", "i32", {}}, {"context", "i32", {}}, {"negatives", "i32", {arg("negatives")}}};
  return {{"tokens", "i32", {arg("seq_len")}}}; // kjv, random_tokens
}

const std::vector<CallRule> &optimizerRules() {
  static const std::vector<CallRule> rules = {
      {"sgd", {floatArg("lr", -1, 0, true), floatArg("momentum", 0), boolArg("nesterov", false),
               floatArg("weight_decay", 0)}},
      {"adam", {floatArg("lr", -1, 0, true), floatArg("beta1", 0.9), floatArg("beta2", 0.999),
                floatArg("eps", 1e-8, 0, true), floatArg("weight_decay", 0)}},
      {"adamw", {floatArg("lr", -1, 0, true), floatArg("beta1", 0.9), floatArg("beta2", 0.999),
                 floatArg("eps", 1e-8, 0, true), floatArg("weight_decay", 0.01)}},
  };
  return rules;
}

/// `init pretrained(params: encoder, path: "...", frozen: true)`: the
/// parameters of block instance `params` start from a safetensors file.
const std::vector<CallRule> &initRules() {
  static const std::vector<CallRule> rules = {
      {"pretrained", {textArg("params"), textArg("path"), boolArg("frozen", false)}},
  };
  return rules;
}

const std::vector<CallRule> &scheduleRules() {
  static const std::vector<CallRule> rules = {
      {"constant", {}},
      {"cosine", {intArg("warmup", 0, 0), floatArg("min_lr", 0)}},
      {"linear", {floatArg("min_lr", 0)}},
  };
  return rules;
}

std::string names(const std::vector<CallRule> &rules) {
  std::string out;
  for (const auto &r : rules)
    out += (out.empty() ? "" : ", ") + r.name;
  return out;
}

/// Reads `name(key: value, ...)` (or a bare `name`) against `rules`.
std::pair<std::string, Attrs> readCall(const Expr &e, const std::vector<CallRule> &rules,
                                       const std::string &what) {
  if (e.kind != Expr::Kind::Call && e.kind != Expr::Kind::Name)
    fail(e.loc, what + " must be a call such as " + rules[0].name + "(...)");
  auto rule = std::find_if(rules.begin(), rules.end(),
                           [&](const CallRule &r) { return r.name == e.text; });
  if (rule == rules.end())
    fail(e.loc, "unknown " + what + " '" + e.text + "' (expected " + names(rules) + ")");
  if (!e.args.empty())
    fail(e.args[0]->loc, what + " '" + e.text + "' takes keyword arguments only");
  Attrs out;
  for (const ArgRule &arg : rule->args) {
    const Expr *given = nullptr;
    for (const auto &[key, value] : e.kwargs)
      if (key == arg.name)
        given = value.get();
    if (!given) {
      if (arg.text)
        fail(e.loc, what + " '" + e.text + "' needs '" + arg.name + "'");
      if (arg.defaultValue.kind != AttrValue::Kind::Symbol &&
          arg.defaultValue.kind != AttrValue::Kind::Bool && arg.defaultValue.f < 0)
        fail(e.loc, what + " '" + e.text + "' needs '" + arg.name + "'");
      out.push_back({arg.name, arg.defaultValue});
      continue;
    }
    std::string where = "'" + arg.name + "' of " + e.text;
    if (arg.text) {
      if ((given->kind != Expr::Kind::Name && given->kind != Expr::Kind::String) || given->text.empty())
        fail(given->loc, where + " must be a name or a string");
      out.push_back({arg.name, AttrValue::ofSymbol(given->text)});
    } else if (!arg.symbols.empty()) {
      if (given->kind != Expr::Kind::Name && given->kind != Expr::Kind::String)
        fail(given->loc, where + " must be a name");
      if (std::find(arg.symbols.begin(), arg.symbols.end(), given->text) == arg.symbols.end())
        fail(given->loc, "unknown value '" + given->text + "' for " + where);
      out.push_back({arg.name, AttrValue::ofSymbol(given->text)});
    } else if (arg.defaultValue.kind == AttrValue::Kind::Bool) {
      if (given->kind != Expr::Kind::Name || (given->text != "true" && given->text != "false"))
        fail(given->loc, where + " must be true or false");
      out.push_back({arg.name, AttrValue::ofBool(given->text == "true")});
    } else {
      if (given->kind != Expr::Kind::Number)
        fail(given->loc, where + " must be a number");
      if (arg.integer && !given->isInteger)
        fail(given->loc, where + " must be an integer");
      double v = given->number;
      if (v < arg.min || (arg.strictly && v == arg.min))
        fail(given->loc, "bad number for " + where + ": must be " +
                             (arg.strictly ? "> " : ">= ") + shortNumber(arg.min));
      out.push_back({arg.name, num(v, arg.integer)});
    }
  }
  for (size_t k = 0; k < e.kwargs.size(); ++k) {
    const std::string &key = e.kwargs[k].first;
    if (std::none_of(rule->args.begin(), rule->args.end(),
                     [&](const ArgRule &a) { return a.name == key; }))
      fail(e.kwargLocs[k], what + " '" + e.text + "' has no argument '" + key + "'");
  }
  return {e.text, out};
}

int64_t readPositiveInt(const TrainItem &item, int64_t min) {
  const Expr &e = *item.value;
  if (e.kind != Expr::Kind::Number || !e.isInteger)
    fail(e.loc, "'" + item.key + "' must be an integer");
  if (e.number < (double)min)
    fail(e.loc, "bad number for '" + item.key + "': must be >= " + std::to_string(min) +
                    ", got " + std::to_string((int64_t)e.number));
  return (int64_t)e.number;
}

void readInit(const Expr &e, Graph &graph) {
  Attrs args = readCall(e, initRules(), "init").second;
  TrainConfig &train = graph.train;
  for (const auto &[key, value] : args) {
    if (key == "params")
      train.initParams = value.s;
    else if (key == "path")
      train.initPath = value.s;
    else if (key == "frozen")
      train.initFrozen = value.b;
  }
  bool any = false;
  for (const Node &node : graph.nodes)
    if (node.op == "param") {
      const std::string &name = graph.values[node.results[0]].name;
      any = any || isParameterOf(name, train.initParams);
    }
  if (!any)
    fail(e.loc, "init: the model has no parameters of '" + train.initParams +
                    "' (a block instance, named with `as:`, or a parameter's name)");
}

void bindInputs(const Spec &spec, Graph &graph) {
  std::vector<Field> fields = datasetFields(graph.train.dataset, graph.train.datasetArgs);
  for (size_t k = 0; k < graph.inputs.size(); ++k) {
    GraphInput &input = graph.inputs[k];
    const InputDecl &decl = spec.model->inputs[k];
    const GraphValue &v = graph.values[input.value];
    auto field = std::find_if(fields.begin(), fields.end(),
                              [&](const Field &f) { return f.name == input.field; });
    if (field == fields.end()) {
      std::string available;
      for (const Field &f : fields)
        available += (available.empty() ? "" : ", ") + f.name;
      fail(decl.loc, "data set " + graph.train.dataset + " has no field '" + input.field +
                         "' for input '" + decl.name + "' (fields: " + available +
                         "; bind one with 'from')");
    }
    Shape expected{shapes::kBatch};
    expected.insert(expected.end(), field->shape.begin(), field->shape.end());
    if (v.dtype != field->dtype || v.shape != expected)
      fail(decl.loc, "input '" + decl.name + "' is " + v.dtype + shapes::str(v.shape) +
                         " but data set " + graph.train.dataset + " gives '" + field->name +
                         "' as " + field->dtype + shapes::str(expected));
  }
}

} // namespace

void readTrainSection(const Spec &spec, Graph &graph) {
  if (!spec.hasTrain)
    return;
  TrainConfig &train = graph.train;
  train.present = true;
  std::map<std::string, const TrainItem *> items;
  for (const TrainItem &item : spec.train) {
    static const std::vector<std::string> keys = {"data", "batch", "epochs", "steps", "seed",
                                                  "optimizer", "schedule", "clip_grad_norm", "init"};
    if (std::find(keys.begin(), keys.end(), item.key) == keys.end())
      fail(item.loc, "unknown train setting '" + item.key +
                         "' (expected data, batch, epochs, steps, seed, optimizer, schedule, "
                         "clip_grad_norm, init)");
    if (items.count(item.key))
      fail(item.loc, "duplicate train setting '" + item.key + "'");
    items[item.key] = &item;
  }
  for (const char *required : {"data", "batch", "optimizer"})
    if (!items.count(required))
      fail(spec.trainLoc, std::string("train section needs '") + required + "'");
  std::tie(train.dataset, train.datasetArgs) =
      readCall(*items["data"]->value, datasetRules(), "data set");
  train.batch = readPositiveInt(*items["batch"], 1);
  if (items.count("epochs") == items.count("steps"))
    fail(spec.trainLoc, "train section needs exactly one of 'epochs' and 'steps'");
  if (items.count("epochs"))
    train.epochs = readPositiveInt(*items["epochs"], 1);
  else
    train.steps = readPositiveInt(*items["steps"], 1);
  if (items.count("seed"))
    train.seed = readPositiveInt(*items["seed"], 0);
  std::tie(train.optimizer, train.optimizerArgs) =
      readCall(*items["optimizer"]->value, optimizerRules(), "optimizer");
  if (items.count("schedule"))
    std::tie(train.schedule, train.scheduleArgs) =
        readCall(*items["schedule"]->value, scheduleRules(), "schedule");
  if (items.count("clip_grad_norm")) {
    const Expr &e = *items["clip_grad_norm"]->value;
    if (e.kind != Expr::Kind::Number || !(e.number > 0))
      fail(e.loc, "bad number for 'clip_grad_norm': must be a positive number");
    train.clipGradNorm = e.number;
  }
  if (items.count("init"))
    readInit(*items["init"]->value, graph);
  bindInputs(spec, graph);
}

} // namespace strata::frontend
