//===- JsonSpecReader.cpp - the JSON form of a spec into a Spec -----------===//
//
// The JSON form says exactly what the DSL says (docs: README, "The JSON form"):
//
//   {"blocks": [{"name": N, "params": [{"name": N, "type": T, "default": E}],
//                "body": [S...]}],
//    "model":  {"name": N, "inputs": [{"name": N, "type": T, "from": F}],
//               "body": [S...]},
//    "train":  {"data": E, "batch": 256, ...}}
//   T := {"dtype": "f32", "shape": ["...", "B", 784]}
//   S := {"let": N | [N...], "value": E, "represent": true, "metric": true} | {"loss": E}
//        | {"return": E}
//   E := number | "name" | {"string": "text"} | [E...]
//      | {"call": N, "args": [E...], "kwargs": {N: E}}
//      | {"op": "+", "lhs": E, "rhs": E} | {"repeat": 4, "call": {...}}
//
//===----------------------------------------------------------------------===//

#include "Json.h"
#include "Spec.h"

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

namespace strata::frontend {
namespace {

using Kind = JsonValue::Kind;

[[noreturn]] void fail(const SourceLoc &loc, const std::string &message) {
  throw SpecError(loc, message);
}

void expectKind(const JsonValue &v, Kind kind, const std::string &what) {
  if (v.kind != kind)
    fail(v.loc, "expected " + std::string(JsonValue::kindName(kind)) + " for " + what +
                    ", got " + JsonValue::kindName(v.kind));
}

/// Rejects keys outside `allowed`, so a typo is an error rather than ignored.
void checkKeys(const JsonValue &object, const std::vector<std::string> &allowed,
               const std::string &what) {
  for (const auto &[key, value] : object.members) {
    bool known = false;
    for (const auto &a : allowed)
      known |= a == key;
    if (!known) {
      std::string list;
      for (const auto &a : allowed)
        list += (list.empty() ? "" : ", ") + a;
      fail(value.loc, "unknown key \"" + key + "\" in " + what + " (expected " + list + ")");
    }
  }
}

const JsonValue &require(const JsonValue &object, const std::string &key,
                         const std::string &what) {
  const JsonValue *v = object.find(key);
  if (!v)
    fail(object.loc, what + " needs a \"" + key + "\" key");
  return *v;
}

/// Names in the JSON form are the DSL's identifiers (dots join qualified names).
void checkIdentifier(const std::string &name, const SourceLoc &loc) {
  bool ok = !name.empty() && (isalpha((unsigned char)name[0]) || name[0] == '_');
  for (char c : name)
    ok = ok && (isalnum((unsigned char)c) || c == '_' || c == '.');
  if (!ok && !name.empty() && (isdigit((unsigned char)name[0]) || name[0] == '-'))
    fail(loc, "expected a number or a name, got the string \"" + name + "\" (write numbers without quotes)");
  if (!ok)
    fail(loc, "'" + name + "' is not a valid name (letters, digits, '_' and '.', not starting with a digit)");
}

std::string requireString(const JsonValue &object, const std::string &key,
                          const std::string &what) {
  const JsonValue &v = require(object, key, what);
  expectKind(v, Kind::String, "\"" + key + "\" of " + what);
  checkIdentifier(v.string, v.loc);
  return v.string;
}

ExprPtr readExpr(const JsonValue &v, int depth);

ExprPtr readCall(const JsonValue &v, int depth) {
  checkKeys(v, {"call", "args", "kwargs"}, "a call");
  auto e = std::make_shared<Expr>();
  e->kind = Expr::Kind::Call;
  e->loc = v.loc;
  e->text = requireString(v, "call", "a call");
  if (const JsonValue *args = v.find("args")) {
    expectKind(*args, Kind::Array, "\"args\" of call '" + e->text + "'");
    for (const JsonValue &a : args->items)
      e->args.push_back(readExpr(a, depth + 1));
  }
  if (const JsonValue *kwargs = v.find("kwargs")) {
    expectKind(*kwargs, Kind::Object, "\"kwargs\" of call '" + e->text + "'");
    for (const auto &[key, value] : kwargs->members) {
      checkIdentifier(key, value.loc);
      e->kwargs.emplace_back(key, readExpr(value, depth + 1));
      e->kwargLocs.push_back(value.loc);
    }
  }
  return e;
}

ExprPtr readExpr(const JsonValue &v, int depth) {
  if (depth > 200)
    fail(v.loc, "expression is nested deeper than 200");
  auto e = std::make_shared<Expr>();
  e->loc = v.loc;
  switch (v.kind) {
  case Kind::Number:
    e->kind = Expr::Kind::Number;
    e->number = v.number;
    e->isInteger = v.isInteger;
    return e;
  case Kind::String:
    checkIdentifier(v.string, v.loc);
    e->kind = Expr::Kind::Name;
    e->text = v.string;
    return e;
  case Kind::Array:
    e->kind = Expr::Kind::List;
    for (const JsonValue &item : v.items)
      e->args.push_back(readExpr(item, depth + 1));
    return e;
  case Kind::Object:
    if (v.find("op")) {
      checkKeys(v, {"op", "lhs", "rhs"}, "a binary expression");
      const JsonValue &opValue = require(v, "op", "a binary expression");
      expectKind(opValue, Kind::String, "\"op\"");
      std::string op = opValue.string;
      if (op.size() != 1 || std::string("+-*/").find(op[0]) == std::string::npos)
        fail(require(v, "op", "").loc, "unknown operator \"" + op + "\" (expected +, -, *, /)");
      e->kind = Expr::Kind::Binary;
      e->op = op[0];
      e->args = {readExpr(require(v, "lhs", "a binary expression"), depth + 1),
                 readExpr(require(v, "rhs", "a binary expression"), depth + 1)};
      return e;
    }
    if (v.find("repeat")) {
      checkKeys(v, {"repeat", "call"}, "a repeat");
      const JsonValue &count = require(v, "repeat", "a repeat");
      if (count.kind != Kind::Number || !count.isInteger || count.number < 1)
        fail(count.loc, "\"repeat\" must be a positive integer");
      const JsonValue &call = require(v, "call", "a repeat");
      expectKind(call, Kind::Object, "\"call\" of a repeat");
      e->kind = Expr::Kind::Repeat;
      e->count = (int64_t)count.number;
      e->args.push_back(readCall(call, depth + 1));
      return e;
    }
    if (v.find("call"))
      return readCall(v, depth);
    if (v.find("string")) {
      checkKeys(v, {"string"}, "a string literal");
      const JsonValue &s = require(v, "string", "a string literal");
      expectKind(s, Kind::String, "\"string\"");
      e->kind = Expr::Kind::String;
      e->text = s.string;
      return e;
    }
    fail(v.loc, "an expression object needs one of \"call\", \"op\", \"repeat\", \"string\"");
  case Kind::Bool:
  case Kind::Null:
    break;
  }
  fail(v.loc, std::string("expected an expression (number, name, list or object), got ") +
                  JsonValue::kindName(v.kind));
}

TypeSpec readType(const JsonValue &v) {
  expectKind(v, Kind::Object, "a type");
  checkKeys(v, {"dtype", "shape"}, "a type");
  TypeSpec type;
  type.loc = v.loc;
  type.dtype = requireString(v, "dtype", "a type");
  const JsonValue &shape = require(v, "shape", "a type");
  expectKind(shape, Kind::Array, "\"shape\"");
  for (const JsonValue &d : shape.items) {
    if (d.kind == Kind::String && d.string == "...") {
      if (!type.dims.empty() || type.leadingEllipsis)
        fail(d.loc, "'...' may only stand first in a shape");
      type.leadingEllipsis = true;
      continue;
    }
    TypeSpec::Dim dim;
    if (d.kind == Kind::Number && d.isInteger) {
      if (d.number <= 0)
        fail(d.loc, "dimension must be positive, got " + std::to_string((int64_t)d.number));
      dim.size = (int64_t)d.number;
    } else if (d.kind == Kind::String && !d.string.empty()) {
      dim.symbol = d.string;
    } else {
      fail(d.loc, std::string("expected a dimension (an integer or a name), got ") +
                      JsonValue::kindName(d.kind));
    }
    type.dims.push_back(dim);
  }
  return type;
}

Stmt readStmt(const JsonValue &v, bool inBlock) {
  expectKind(v, Kind::Object, "a statement");
  Stmt stmt;
  stmt.loc = v.loc;
  if (const JsonValue *loss = v.find("loss")) {
    checkKeys(v, {"loss"}, "a loss statement");
    if (inBlock)
      fail(v.loc, "a loss is declared in the model, not in a block");
    stmt.kind = Stmt::Kind::Loss;
    stmt.value = readExpr(*loss, 0);
    return stmt;
  }
  if (const JsonValue *ret = v.find("return")) {
    checkKeys(v, {"return"}, "a return statement");
    if (!inBlock)
      fail(v.loc, "'return' belongs in a block; a model declares a loss");
    stmt.kind = Stmt::Kind::Return;
    stmt.value = readExpr(*ret, 0);
    return stmt;
  }
  checkKeys(v, {"let", "value", "represent", "metric"}, "a statement");
  const JsonValue &let = require(v, "let", "a statement");
  if (let.kind == Kind::String) {
    stmt.targets.push_back(let.string);
  } else if (let.kind == Kind::Array && !let.items.empty()) {
    for (const JsonValue &t : let.items) {
      expectKind(t, Kind::String, "a name in \"let\"");
      stmt.targets.push_back(t.string);
    }
  } else {
    fail(let.loc, "\"let\" must be a name or a non-empty array of names");
  }
  for (const auto &t : stmt.targets)
    checkIdentifier(t, let.loc);
  stmt.value = readExpr(require(v, "value", "a statement"), 0);
  if (const JsonValue *rep = v.find("represent")) {
    expectKind(*rep, Kind::Bool, "\"represent\"");
    if (inBlock && rep->boolean)
      fail(rep->loc, "@represent marks a value of the model, not of a block");
    stmt.represent = rep->boolean;
  }
  if (const JsonValue *metric = v.find("metric")) {
    expectKind(*metric, Kind::Bool, "\"metric\"");
    if (inBlock && metric->boolean)
      fail(metric->loc, "@metric marks a value of the model, not of a block");
    stmt.metric = metric->boolean;
  }
  return stmt;
}

std::vector<Stmt> readBody(const JsonValue &owner, const std::string &what, bool inBlock) {
  const JsonValue &body = require(owner, "body", what);
  expectKind(body, Kind::Array, "\"body\" of " + what);
  std::vector<Stmt> stmts;
  for (const JsonValue &s : body.items)
    stmts.push_back(readStmt(s, inBlock));
  return stmts;
}

BlockDef readBlock(const JsonValue &v) {
  expectKind(v, Kind::Object, "a block");
  checkKeys(v, {"name", "params", "body"}, "a block");
  BlockDef block;
  block.loc = v.loc;
  block.name = requireString(v, "name", "a block");
  if (const JsonValue *params = v.find("params")) {
    expectKind(*params, Kind::Array, "\"params\" of block '" + block.name + "'");
    for (const JsonValue &p : params->items) {
      expectKind(p, Kind::Object, "a block parameter");
      checkKeys(p, {"name", "type", "default"}, "a block parameter");
      BlockParam param;
      param.loc = p.loc;
      param.name = requireString(p, "name", "a block parameter");
      if (const JsonValue *t = p.find("type"))
        param.type = readType(*t);
      if (const JsonValue *d = p.find("default"))
        param.defaultValue = readExpr(*d, 0);
      block.params.push_back(std::move(param));
    }
  }
  block.body = readBody(v, "block '" + block.name + "'", /*inBlock=*/true);
  for (size_t i = 0; i < block.body.size(); ++i)
    if (block.body[i].kind == Stmt::Kind::Return && i + 1 != block.body.size())
      fail(block.body[i].loc, "'return' must be the last statement of a block");
  if (block.body.empty() || block.body.back().kind != Stmt::Kind::Return)
    fail(block.loc, "block '" + block.name + "' must end with a return statement");
  return block;
}

ModelDef readModel(const JsonValue &v) {
  expectKind(v, Kind::Object, "\"model\"");
  checkKeys(v, {"name", "inputs", "body"}, "the model");
  ModelDef model;
  model.loc = v.loc;
  model.name = requireString(v, "name", "the model");
  if (const JsonValue *inputs = v.find("inputs")) {
    expectKind(*inputs, Kind::Array, "\"inputs\"");
    for (const JsonValue &i : inputs->items) {
      expectKind(i, Kind::Object, "an input");
      checkKeys(i, {"name", "type", "from"}, "an input");
      InputDecl input;
      input.loc = i.loc;
      input.name = requireString(i, "name", "an input");
      input.type = readType(require(i, "type", "input '" + input.name + "'"));
      if (i.find("from"))
        input.from = requireString(i, "from", "input '" + input.name + "'");
      model.inputs.push_back(std::move(input));
    }
  }
  model.body = readBody(v, "the model", /*inBlock=*/false);
  return model;
}

} // namespace

Spec parseJsonSpec(const std::string &text, const std::string &file) {
  JsonValue root = parseJson(text, file);
  expectKind(root, Kind::Object, "the spec");
  checkKeys(root, {"blocks", "model", "train"}, "the spec");
  Spec spec;
  spec.file = file;
  if (const JsonValue *blocks = root.find("blocks")) {
    expectKind(*blocks, Kind::Array, "\"blocks\"");
    for (const JsonValue &b : blocks->items)
      spec.blocks.push_back(readBlock(b));
  }
  if (const JsonValue *model = root.find("model"))
    spec.model = readModel(*model);
  if (const JsonValue *train = root.find("train")) {
    expectKind(*train, Kind::Object, "\"train\"");
    spec.hasTrain = true;
    spec.trainLoc = train->loc;
    for (const auto &[key, value] : train->members) {
      checkIdentifier(key, value.loc);
      spec.train.push_back({key, readExpr(value, 0), value.loc});
    }
  }
  return spec;
}

Spec loadSpec(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw SpecError({path, 1, 1}, "cannot open spec file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  auto endsWith = [&](const std::string &suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (endsWith(".json"))
    return parseJsonSpec(text, path);
  if (endsWith(".strata"))
    return parseDsl(text, path);
  throw SpecError({path, 1, 1}, "unknown spec format: expected a .strata or .json file");
}

} // namespace strata::frontend
