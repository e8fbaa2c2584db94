//===- SpecPrinter.cpp - a Spec back into the DSL or the JSON form --------===//
//
// `strata fmt` prints a parsed spec in either form. Both printers write every
// field the Spec holds, so JSON -> DSL -> JSON and DSL -> JSON -> DSL give back
// the same Spec (comments and spacing are not kept). Binary expressions get the
// parentheses their tree needs and no more.
//
//===----------------------------------------------------------------------===//

#include "Spec.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>

namespace strata::frontend {
namespace {

using OrderedJson = nlohmann::ordered_json;

std::string formatNumber(const Expr &e) {
  if (e.isInteger)
    return std::to_string((int64_t)e.number);
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, e.number);
  std::string s(buffer, end);
  if (s.find_first_of(".eEn") == std::string::npos) // keep it a float: 1 -> 1.0
    s += ".0";
  return s;
}

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out + "\"";
}

int precedence(const Expr &e) {
  if (e.kind != Expr::Kind::Binary)
    return 3;
  return (e.op == '+' || e.op == '-') ? 1 : 2;
}

std::string printExpr(const Expr &e);

std::string printCall(const Expr &e) {
  std::string out = e.text + "(";
  bool first = true;
  for (const ExprPtr &a : e.args) {
    out += (first ? "" : ", ") + printExpr(*a);
    first = false;
  }
  for (const auto &[key, value] : e.kwargs) {
    out += (first ? "" : ", ") + key + ": " + printExpr(*value);
    first = false;
  }
  return out + ")";
}

std::string printExpr(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Number:
    return formatNumber(e);
  case Expr::Kind::String:
    return quote(e.text);
  case Expr::Kind::Name:
    return e.text;
  case Expr::Kind::List: {
    std::string out = "[";
    for (size_t i = 0; i < e.args.size(); ++i)
      out += (i ? ", " : "") + printExpr(*e.args[i]);
    return out + "]";
  }
  case Expr::Kind::Call:
    return printCall(e);
  case Expr::Kind::Repeat:
    return "repeat " + std::to_string(e.count) + " " + printCall(*e.args[0]);
  case Expr::Kind::Binary: {
    // Left-associative: the left side needs parentheses only when it binds
    // looser; the right side also when it binds equally, so a - (b - c) and
    // a - b - c stay different trees. A negative literal on the right is
    // parenthesized so `a - -1` reads clearly.
    const Expr &lhs = *e.args[0], &rhs = *e.args[1];
    std::string l = printExpr(lhs), r = printExpr(rhs);
    if (precedence(lhs) < precedence(e))
      l = "(" + l + ")";
    if (precedence(rhs) <= precedence(e) ||
        (rhs.kind == Expr::Kind::Number && rhs.number < 0))
      r = "(" + r + ")";
    return l + " " + e.op + " " + r;
  }
  }
  return "";
}

std::string printType(const TypeSpec &t) {
  std::string out = t.dtype + "[";
  bool first = true;
  if (t.leadingEllipsis) {
    out += "...";
    first = false;
  }
  for (const auto &d : t.dims) {
    out += (first ? "" : ", ") + (d.symbol.empty() ? std::to_string(d.size) : d.symbol);
    first = false;
  }
  return out + "]";
}

void printBody(std::string &out, const std::vector<Stmt> &body) {
  for (const Stmt &s : body) {
    out += "  ";
    switch (s.kind) {
    case Stmt::Kind::Loss:
      out += "loss " + printExpr(*s.value);
      break;
    case Stmt::Kind::Return:
      out += "return " + printExpr(*s.value);
      break;
    case Stmt::Kind::Let:
      for (size_t i = 0; i < s.targets.size(); ++i)
        out += (i ? ", " : "") + s.targets[i];
      out += " = " + printExpr(*s.value);
      if (s.represent)
        out += "  @represent";
      if (s.metric)
        out += "  @metric";
      break;
    }
    out += "\n";
  }
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

OrderedJson exprJson(const Expr &e);

OrderedJson callJson(const Expr &e) {
  OrderedJson j;
  j["call"] = e.text;
  if (!e.args.empty()) {
    j["args"] = OrderedJson::array();
    for (const ExprPtr &a : e.args)
      j["args"].push_back(exprJson(*a));
  }
  if (!e.kwargs.empty()) {
    j["kwargs"] = OrderedJson::object();
    for (const auto &[key, value] : e.kwargs)
      j["kwargs"][key] = exprJson(*value);
  }
  return j;
}

OrderedJson exprJson(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Number:
    if (e.isInteger)
      return (int64_t)e.number;
    return e.number;
  case Expr::Kind::String:
    return OrderedJson{{"string", e.text}};
  case Expr::Kind::Name:
    return e.text;
  case Expr::Kind::List: {
    OrderedJson j = OrderedJson::array();
    for (const ExprPtr &a : e.args)
      j.push_back(exprJson(*a));
    return j;
  }
  case Expr::Kind::Call:
    return callJson(e);
  case Expr::Kind::Repeat:
    return OrderedJson{{"repeat", e.count}, {"call", callJson(*e.args[0])}};
  case Expr::Kind::Binary:
    return OrderedJson{{"op", std::string(1, e.op)},
                       {"lhs", exprJson(*e.args[0])},
                       {"rhs", exprJson(*e.args[1])}};
  }
  return nullptr;
}

OrderedJson typeJson(const TypeSpec &t) {
  OrderedJson shape = OrderedJson::array();
  if (t.leadingEllipsis)
    shape.push_back("...");
  for (const auto &d : t.dims) {
    if (d.symbol.empty())
      shape.push_back(d.size);
    else
      shape.push_back(d.symbol);
  }
  return OrderedJson{{"dtype", t.dtype}, {"shape", shape}};
}

OrderedJson stmtJson(const Stmt &s) {
  switch (s.kind) {
  case Stmt::Kind::Loss:
    return OrderedJson{{"loss", exprJson(*s.value)}};
  case Stmt::Kind::Return:
    return OrderedJson{{"return", exprJson(*s.value)}};
  case Stmt::Kind::Let:
    break;
  }
  OrderedJson j;
  if (s.targets.size() == 1)
    j["let"] = s.targets[0];
  else
    j["let"] = s.targets;
  j["value"] = exprJson(*s.value);
  if (s.represent)
    j["represent"] = true;
  if (s.metric)
    j["metric"] = true;
  return j;
}

/// Compact JSON; string literals from a DSL file may hold invalid UTF-8, which
/// is written as U+FFFD rather than failing.
std::string dumpLine(const OrderedJson &j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

/// One item per line inside an array, each item on one line: readable diffs.
std::string arrayLines(const std::vector<OrderedJson> &items, const std::string &indent) {
  if (items.empty())
    return "[]";
  std::string out = "[\n";
  for (size_t i = 0; i < items.size(); ++i)
    out += indent + "  " + dumpLine(items[i]) + (i + 1 < items.size() ? ",\n" : "\n");
  return out + indent + "]";
}

std::string bodyJson(const std::vector<Stmt> &body, const std::string &indent) {
  std::vector<OrderedJson> items;
  for (const Stmt &s : body)
    items.push_back(stmtJson(s));
  return arrayLines(items, indent);
}

} // namespace

std::string printDsl(const Spec &spec) {
  std::string out;
  for (const BlockDef &b : spec.blocks) {
    out += "block " + b.name + "(";
    for (size_t i = 0; i < b.params.size(); ++i) {
      const BlockParam &p = b.params[i];
      out += (i ? ", " : "") + p.name;
      if (p.type)
        out += ": " + printType(*p.type);
      if (p.defaultValue)
        out += " = " + printExpr(*p.defaultValue);
    }
    out += ") {\n";
    printBody(out, b.body);
    out += "}\n\n";
  }
  if (spec.model) {
    out += "model " + spec.model->name + " {\n";
    for (const InputDecl &in : spec.model->inputs) {
      out += "  input " + in.name + ": " + printType(in.type);
      if (!in.from.empty())
        out += " from " + in.from;
      out += "\n";
    }
    printBody(out, spec.model->body);
    out += "}\n";
  }
  if (spec.hasTrain) {
    out += "\ntrain {\n";
    for (const TrainItem &item : spec.train)
      out += "  " + item.key + " " + printExpr(*item.value) + "\n";
    out += "}\n";
  }
  return out;
}

std::string printJson(const Spec &spec) {
  std::vector<std::string> sections;
  if (!spec.blocks.empty()) {
    std::string s = "  \"blocks\": [\n";
    for (size_t i = 0; i < spec.blocks.size(); ++i) {
      const BlockDef &b = spec.blocks[i];
      std::vector<OrderedJson> params;
      for (const BlockParam &p : b.params) {
        OrderedJson j{{"name", p.name}};
        if (p.type)
          j["type"] = typeJson(*p.type);
        if (p.defaultValue)
          j["default"] = exprJson(*p.defaultValue);
        params.push_back(j);
      }
      s += "    {\n      \"name\": " + dumpLine(OrderedJson(b.name)) + ",\n";
      s += "      \"params\": " + arrayLines(params, "      ") + ",\n";
      s += "      \"body\": " + bodyJson(b.body, "      ") + "\n    }";
      s += i + 1 < spec.blocks.size() ? ",\n" : "\n";
    }
    sections.push_back(s + "  ]");
  }
  if (spec.model) {
    std::vector<OrderedJson> inputs;
    for (const InputDecl &in : spec.model->inputs) {
      OrderedJson j{{"name", in.name}, {"type", typeJson(in.type)}};
      if (!in.from.empty())
        j["from"] = in.from;
      inputs.push_back(j);
    }
    std::string s = "  \"model\": {\n    \"name\": " + dumpLine(OrderedJson(spec.model->name)) + ",\n";
    s += "    \"inputs\": " + arrayLines(inputs, "    ") + ",\n";
    s += "    \"body\": " + bodyJson(spec.model->body, "    ") + "\n  }";
    sections.push_back(s);
  }
  if (spec.hasTrain) {
    std::string s = "  \"train\": {";
    for (size_t i = 0; i < spec.train.size(); ++i)
      s += std::string(i ? "," : "") + "\n    " + dumpLine(OrderedJson(spec.train[i].key)) +
           ": " + dumpLine(exprJson(*spec.train[i].value));
    sections.push_back(s + (spec.train.empty() ? "}" : "\n  }"));
  }
  std::string out = "{\n";
  for (size_t i = 0; i < sections.size(); ++i)
    out += sections[i] + (i + 1 < sections.size() ? ",\n" : "\n");
  return out + "}\n";
}

} // namespace strata::frontend
