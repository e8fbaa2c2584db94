//===- Spec.h - the parsed spec: what the JSON and DSL forms both say -*- C++ -*-===//
//
// A spec is blocks, one model and a train section. The JSON reader and the DSL
// parser both produce this tree, the printers turn it back into either form, and
// the expander turns it into a Graph. Nothing here is evaluated yet: `linear(x,
// 512)` is a call, `D / heads` is a binary expression.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Diagnostics.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata::frontend {

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

struct Expr {
  enum class Kind {
    Number, // 512, 1e-3
    String, // "a photo of a {}"
    Name,   // x, he_normal, true
    List,   // [K, out]
    Call,   // relu(x), linear(x, 512, init: he_normal)
    Binary, // a + b, D / heads
    Repeat, // repeat 4 encoder_layer(x, heads: 4)
  };

  Kind kind = Kind::Number;
  SourceLoc loc;
  double number = 0;
  bool isInteger = false;
  std::string text;               // Name, String, callee of Call
  char op = 0;                    // Binary: + - * /
  int64_t count = 0;              // Repeat
  std::vector<ExprPtr> args;      // Call positional args, List items, Binary lhs/rhs, Repeat's call
  std::vector<std::pair<std::string, ExprPtr>> kwargs; // Call keyword args, in order
  std::vector<SourceLoc> kwargLocs;
};

/// `f32[B, 784]`; in block parameters, `f32[..., K]` matches any leading axes.
struct TypeSpec {
  struct Dim {
    int64_t size = 0;   // when symbol is empty
    std::string symbol; // B, K, ...
  };
  std::string dtype;
  std::vector<Dim> dims;
  bool leadingEllipsis = false;
  SourceLoc loc;
};

struct Stmt {
  enum class Kind { Let, Loss, Return };
  Kind kind = Kind::Let;
  std::vector<std::string> targets; // Let: one name, or several for multi-result ops
  ExprPtr value;
  bool represent = false;           // Let marked @represent
  bool metric = false;              // Let marked @metric
  SourceLoc loc;
};

struct BlockParam {
  std::string name;
  std::optional<TypeSpec> type; // a tensor parameter
  ExprPtr defaultValue;         // a scalar parameter with a default
  SourceLoc loc;
};

struct BlockDef {
  std::string name;
  std::vector<BlockParam> params;
  std::vector<Stmt> body; // the last statement is a Return
  SourceLoc loc;
};

struct InputDecl {
  std::string name;
  TypeSpec type;
  std::string from; // the data set field; empty means the field named like the input
  SourceLoc loc;
};

struct ModelDef {
  std::string name;
  std::vector<InputDecl> inputs;
  std::vector<Stmt> body;
  SourceLoc loc;
};

struct TrainItem {
  std::string key; // data, batch, epochs, steps, seed, optimizer, schedule, clip_grad_norm
  ExprPtr value;
  SourceLoc loc;
};

struct Spec {
  std::string file;
  std::vector<BlockDef> blocks;
  std::optional<ModelDef> model;
  std::vector<TrainItem> train;
  bool hasTrain = false;
  SourceLoc trainLoc;
};

/// Parses the `.strata` DSL; throws SpecError.
Spec parseDsl(const std::string &text, const std::string &file);
/// Reads the JSON form; throws SpecError.
Spec parseJsonSpec(const std::string &text, const std::string &file);
/// Picks the reader by extension (.json or .strata) after reading the file.
Spec loadSpec(const std::string &path);

std::string printDsl(const Spec &spec);
std::string printJson(const Spec &spec);

} // namespace strata::frontend
