//===- DslParser.cpp - the .strata DSL into a Spec ------------------------===//
//
// Grammar (a `#` starts a comment to the end of the line):
//
//   spec    := (block | model | train)*
//   block   := 'block' NAME '(' [param (',' param)*] ')' '{' stmt* '}'
//   param   := NAME [':' type] ['=' expr]
//   model   := 'model' NAME '{' (input | stmt)* '}'
//   input   := 'input' NAME ':' type ['from' NAME]
//   type    := DTYPE '[' [dim (',' dim)*] ']'       dim := INT | NAME | '...'
//   stmt    := NAME (',' NAME)* '=' expr ['@represent' | '@metric'] | 'loss' expr | 'return' expr
//   train   := 'train' '{' (NAME expr)* '}'
//   expr    := term (('+' | '-') term)*
//   term    := unary (('*' | '/') unary)*
//   unary   := '-' unary | primary
//   primary := NUMBER | STRING | '[' [expr (',' expr)*] ']' | '(' expr ')'
//            | 'repeat' INT call | NAME [call]
//   call    := '(' [arg (',' arg)*] ')'            arg := [NAME ':'] expr
//
// `block`, `model`, `train`, `input`, `loss`, `return` and `repeat` are keywords
// only where the grammar expects them, so `split: train` stays a name.
//
//===----------------------------------------------------------------------===//

#include "Spec.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace strata::frontend {
namespace {

struct Token {
  enum class Kind { End, Name, Number, String, Punct };
  Kind kind = Kind::End;
  std::string text; // the name, string contents, number literal or punctuation
  double number = 0;
  bool isInteger = false;
  SourceLoc loc;
};

class Lexer {
public:
  Lexer(const std::string &text, const std::string &file) : text(text), file(file) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      skipSpaceAndComments();
      Token t;
      t.loc = {file, line, col};
      if (pos >= text.size()) {
        tokens.push_back(t);
        return tokens;
      }
      char c = text[pos];
      if (isalpha((unsigned char)c) || c == '_') {
        t.kind = Token::Kind::Name;
        // Dots join qualified names such as strata.layer_norm.
        while (pos < text.size() &&
               (isalnum((unsigned char)text[pos]) || text[pos] == '_' ||
                (text[pos] == '.' && pos + 1 < text.size() &&
                 (isalpha((unsigned char)text[pos + 1]) || text[pos + 1] == '_'))))
          t.text += take();
      } else if (isdigit((unsigned char)c) ||
                 (c == '.' && pos + 1 < text.size() && isdigit((unsigned char)text[pos + 1]))) {
        lexNumber(t);
      } else if (c == '"') {
        lexString(t);
      } else if (text.compare(pos, 3, "...") == 0) {
        t.kind = Token::Kind::Punct;
        t.text = "...";
        take(), take(), take();
      } else if (std::string("()[]{},:=+-*/@").find(c) != std::string::npos) {
        t.kind = Token::Kind::Punct;
        t.text = std::string(1, take());
      } else {
        std::string shown = (c >= 32 && c < 127) ? std::string("'") + c + "'"
                                                 : "byte " + std::to_string((unsigned char)c);
        throw SpecError(t.loc, "unexpected character " + shown);
      }
      tokens.push_back(t);
    }
  }

private:
  const std::string &text;
  std::string file;
  size_t pos = 0;
  int line = 1, col = 1;

  char take() {
    char c = text[pos++];
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    return c;
  }

  void skipSpaceAndComments() {
    while (pos < text.size()) {
      char c = text[pos];
      if (c == '#') {
        while (pos < text.size() && text[pos] != '\n')
          take();
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        take();
      } else {
        return;
      }
    }
  }

  void lexNumber(Token &t) {
    t.kind = Token::Kind::Number;
    t.isInteger = true;
    std::string literal;
    while (pos < text.size() && isdigit((unsigned char)text[pos]))
      literal += take();
    if (pos < text.size() && text[pos] == '.') {
      t.isInteger = false;
      literal += take();
      while (pos < text.size() && isdigit((unsigned char)text[pos]))
        literal += take();
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      t.isInteger = false;
      literal += take();
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        literal += take();
      if (pos >= text.size() || !isdigit((unsigned char)text[pos]))
        throw SpecError(t.loc, "malformed number '" + literal + "': exponent has no digits");
      while (pos < text.size() && isdigit((unsigned char)text[pos]))
        literal += take();
    }
    if (pos < text.size() && (isalpha((unsigned char)text[pos]) || text[pos] == '_'))
      throw SpecError(t.loc, "malformed number '" + literal + text[pos] + "...'");
    errno = 0;
    t.number = std::strtod(literal.c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(t.number))
      throw SpecError(t.loc, "number " + literal + " is out of range");
    if (t.isInteger && t.number > 9007199254740992.0)
      throw SpecError(t.loc, "integer " + literal + " is too large");
    t.text = literal;
  }

  void lexString(Token &t) {
    t.kind = Token::Kind::String;
    take(); // "
    while (true) {
      if (pos >= text.size() || text[pos] == '\n')
        throw SpecError(t.loc, "unterminated string");
      char c = take();
      if (c == '"')
        return;
      if (c == '\\') {
        if (pos >= text.size())
          throw SpecError(t.loc, "unterminated string");
        char e = take();
        if (e == 'n') t.text += '\n';
        else if (e == 't') t.text += '\t';
        else if (e == '"' || e == '\\') t.text += e;
        else throw SpecError(t.loc, std::string("invalid escape '\\") + e + "' in string");
      } else {
        t.text += c;
      }
    }
  }
};

class Parser {
public:
  Parser(std::vector<Token> tokens, const std::string &file)
      : tokens(std::move(tokens)) {
    spec.file = file;
  }

  Spec parseSpec() {
    while (!at(Token::Kind::End)) {
      const Token &t = peek();
      if (isName("block")) {
        spec.blocks.push_back(parseBlock());
      } else if (isName("model")) {
        if (spec.model)
          fail(t.loc, "a spec holds one model; '" + spec.model->name +
                          "' is already defined at " + spec.model->loc.str());
        spec.model = parseModel();
      } else if (isName("train")) {
        if (spec.hasTrain)
          fail(t.loc, "duplicate train section; the first is at " + spec.trainLoc.str());
        parseTrain();
      } else {
        fail(t.loc, "expected 'block', 'model' or 'train'" + found());
      }
    }
    return std::move(spec);
  }

private:
  std::vector<Token> tokens;
  size_t index = 0;
  Spec spec;
  int depth = 0;

  static constexpr int kMaxDepth = 200;

  const Token &peek(size_t ahead = 0) const {
    return tokens[std::min(index + ahead, tokens.size() - 1)];
  }
  bool at(Token::Kind kind) const { return peek().kind == kind; }
  bool isPunct(const char *p, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Punct && peek(ahead).text == p;
  }
  bool isName(const char *n, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Name && peek(ahead).text == n;
  }
  Token next() { return tokens[std::min(index++, tokens.size() - 1)]; }
  [[noreturn]] static void fail(const SourceLoc &loc, const std::string &message) {
    throw SpecError(loc, message);
  }
  std::string found() const {
    const Token &t = peek();
    switch (t.kind) {
    case Token::Kind::End: return ", found end of file";
    case Token::Kind::String: return ", found string \"" + t.text + "\"";
    default: return ", found '" + t.text + "'";
    }
  }
  void expectPunct(const char *p, const char *context) {
    if (!isPunct(p))
      fail(peek().loc, std::string("expected '") + p + "' " + context + found());
    next();
  }
  Token expectName(const char *what) {
    if (!at(Token::Kind::Name))
      fail(peek().loc, std::string("expected ") + what + found());
    return next();
  }

  BlockDef parseBlock() {
    BlockDef block;
    block.loc = next().loc; // block
    block.name = expectName("a block name").text;
    expectPunct("(", "after the block name");
    if (!isPunct(")")) {
      do {
        BlockParam param;
        Token name = expectName("a parameter name");
        param.name = name.text;
        param.loc = name.loc;
        if (isPunct(":")) {
          next();
          param.type = parseType();
        }
        if (isPunct("=")) {
          next();
          param.defaultValue = parseExpr();
        }
        block.params.push_back(std::move(param));
      } while (isPunct(",") && (next(), true));
    }
    expectPunct(")", "to close the parameter list");
    expectPunct("{", "to open the block body");
    while (!isPunct("}")) {
      if (at(Token::Kind::End))
        fail(peek().loc, "block '" + block.name + "' is not closed with '}'");
      block.body.push_back(parseStmt(/*inBlock=*/true));
    }
    next();
    if (block.body.empty() || block.body.back().kind != Stmt::Kind::Return)
      fail(block.loc, "block '" + block.name + "' must end with a return statement");
    return block;
  }

  ModelDef parseModel() {
    ModelDef model;
    model.loc = next().loc; // model
    model.name = expectName("a model name").text;
    expectPunct("{", "to open the model body");
    while (!isPunct("}")) {
      if (at(Token::Kind::End))
        fail(peek().loc, "model '" + model.name + "' is not closed with '}'");
      if (isName("input") && peek(1).kind == Token::Kind::Name && isPunct(":", 2)) {
        InputDecl input;
        input.loc = next().loc;
        input.name = next().text;
        next(); // :
        input.type = parseType();
        if (isName("from")) {
          next();
          input.from = expectName("a data field name after 'from'").text;
        }
        model.inputs.push_back(std::move(input));
      } else {
        model.body.push_back(parseStmt(/*inBlock=*/false));
      }
    }
    next();
    return model;
  }

  void parseTrain() {
    spec.hasTrain = true;
    spec.trainLoc = next().loc; // train
    expectPunct("{", "to open the train section");
    while (!isPunct("}")) {
      if (at(Token::Kind::End))
        fail(peek().loc, "train section is not closed with '}'");
      TrainItem item;
      Token key = expectName("a train setting (data, batch, epochs, steps, seed, optimizer, schedule, clip_grad_norm)");
      item.key = key.text;
      item.loc = key.loc;
      item.value = parseExpr();
      spec.train.push_back(std::move(item));
    }
    next();
  }

  TypeSpec parseType() {
    TypeSpec type;
    Token dtype = expectName("a dtype such as f32 or i32");
    type.dtype = dtype.text;
    type.loc = dtype.loc;
    expectPunct("[", "after the dtype");
    if (!isPunct("]")) {
      do {
        const Token &t = peek();
        if (isPunct("...")) {
          if (!type.dims.empty() || type.leadingEllipsis)
            fail(t.loc, "'...' may only stand first in a shape");
          type.leadingEllipsis = true;
          next();
          continue;
        }
        TypeSpec::Dim dim;
        if (t.kind == Token::Kind::Number && t.isInteger) {
          dim.size = (int64_t)t.number;
          if (dim.size <= 0)
            fail(t.loc, "dimension must be positive, got " + t.text);
        } else if (t.kind == Token::Kind::Name) {
          dim.symbol = t.text;
        } else {
          fail(t.loc, "expected a dimension (an integer or a name)" + found());
        }
        next();
        type.dims.push_back(dim);
      } while (isPunct(",") && (next(), true));
    }
    expectPunct("]", "to close the shape");
    return type;
  }

  Stmt parseStmt(bool inBlock) {
    Stmt stmt;
    stmt.loc = peek().loc;
    if (isName("loss") && !isPunct("=", 1) && !isPunct(",", 1)) {
      if (inBlock)
        fail(stmt.loc, "a loss is declared in the model, not in a block");
      next();
      stmt.kind = Stmt::Kind::Loss;
      stmt.value = parseExpr();
      return stmt;
    }
    if (isName("return") && !isPunct("=", 1) && !isPunct(",", 1)) {
      if (!inBlock)
        fail(stmt.loc, "'return' belongs in a block; a model declares a loss");
      next();
      stmt.kind = Stmt::Kind::Return;
      stmt.value = parseExpr();
      if (!isPunct("}"))
        fail(peek().loc, "'return' must be the last statement of a block" + found());
      return stmt;
    }
    stmt.kind = Stmt::Kind::Let;
    stmt.targets.push_back(expectName("a statement (name = expression, loss, return)").text);
    while (isPunct(",")) {
      next();
      stmt.targets.push_back(expectName("a name after ','").text);
    }
    expectPunct("=", "after the assigned name");
    stmt.value = parseExpr();
    if (isPunct("@")) {
      Token at = next();
      Token attr = expectName("'represent' or 'metric' after '@'");
      if (attr.text != "represent" && attr.text != "metric")
        fail(attr.loc, "unknown annotation '@" + attr.text +
                           "' (expected '@represent' or '@metric')");
      if (inBlock)
        fail(at.loc, "@" + attr.text + " marks a value of the model, not of a block");
      (attr.text == "represent" ? stmt.represent : stmt.metric) = true;
    }
    return stmt;
  }

  ExprPtr parseExpr() {
    if (++depth > kMaxDepth)
      fail(peek().loc, "expression is nested deeper than " + std::to_string(kMaxDepth));
    ExprPtr lhs = parseTerm();
    while (isPunct("+") || isPunct("-")) {
      Token op = next();
      lhs = binary(op, lhs, parseTerm());
    }
    --depth;
    return lhs;
  }

  ExprPtr parseTerm() {
    ExprPtr lhs = parseUnary();
    while (isPunct("*") || isPunct("/")) {
      Token op = next();
      lhs = binary(op, lhs, parseUnary());
    }
    return lhs;
  }

  static ExprPtr binary(const Token &op, ExprPtr lhs, ExprPtr rhs) {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::Binary;
    e->op = op.text[0];
    e->loc = op.loc;
    e->args = {std::move(lhs), std::move(rhs)};
    return e;
  }

  ExprPtr parseUnary() {
    if (!isPunct("-"))
      return parsePrimary();
    Token minus = next();
    if (++depth > kMaxDepth)
      fail(minus.loc, "expression is nested deeper than " + std::to_string(kMaxDepth));
    ExprPtr operand = parseUnary();
    --depth;
    if (operand->kind == Expr::Kind::Number) { // a negative literal
      operand->number = -operand->number;
      operand->loc = minus.loc;
      return operand;
    }
    auto call = std::make_shared<Expr>();
    call->kind = Expr::Kind::Call;
    call->text = "neg";
    call->loc = minus.loc;
    call->args.push_back(operand);
    return call;
  }

  ExprPtr parsePrimary() {
    const Token &t = peek();
    auto e = std::make_shared<Expr>();
    e->loc = t.loc;
    switch (t.kind) {
    case Token::Kind::Number:
      e->kind = Expr::Kind::Number;
      e->number = t.number;
      e->isInteger = t.isInteger;
      next();
      return e;
    case Token::Kind::String:
      e->kind = Expr::Kind::String;
      e->text = t.text;
      next();
      return e;
    case Token::Kind::Name:
      if (t.text == "repeat" && peek(1).kind == Token::Kind::Number) {
        next();
        Token count = next();
        if (!count.isInteger || count.number < 1)
          fail(count.loc, "repeat count must be a positive integer, got " + count.text);
        e->kind = Expr::Kind::Repeat;
        e->count = (int64_t)count.number;
        Token callee = expectName("a block to repeat");
        if (!isPunct("("))
          fail(peek().loc, "expected '(' after the repeated block's name" + found());
        e->args.push_back(parseCall(callee));
        return e;
      }
      next();
      if (isPunct("("))
        return parseCall(t);
      e->kind = Expr::Kind::Name;
      e->text = t.text;
      return e;
    case Token::Kind::Punct:
      if (t.text == "(") {
        next();
        ExprPtr inner = parseExpr();
        expectPunct(")", "to close the parenthesis");
        return inner;
      }
      if (t.text == "[") {
        next();
        e->kind = Expr::Kind::List;
        if (!isPunct("]")) {
          do {
            e->args.push_back(parseExpr());
          } while (isPunct(",") && (next(), true));
        }
        expectPunct("]", "to close the list");
        return e;
      }
      break;
    case Token::Kind::End:
      break;
    }
    fail(t.loc, "expected an expression" + found());
  }

  ExprPtr parseCall(const Token &callee) {
    auto call = std::make_shared<Expr>();
    call->kind = Expr::Kind::Call;
    call->text = callee.text;
    call->loc = callee.loc;
    next(); // (
    if (!isPunct(")")) {
      do {
        if (peek().kind == Token::Kind::Name && isPunct(":", 1)) {
          Token key = next();
          next(); // :
          for (auto &[k, v] : call->kwargs)
            if (k == key.text)
              fail(key.loc, "duplicate keyword argument '" + key.text + "' in call to '" +
                                call->text + "'");
          call->kwargs.emplace_back(key.text, parseExpr());
          call->kwargLocs.push_back(key.loc);
        } else {
          if (!call->kwargs.empty())
            fail(peek().loc, "positional argument after keyword arguments in call to '" +
                                 call->text + "'");
          call->args.push_back(parseExpr());
        }
      } while (isPunct(",") && (next(), true));
    }
    expectPunct(")", ("to close the call to '" + call->text + "'").c_str());
    return call;
  }
};

} // namespace

Spec parseDsl(const std::string &text, const std::string &file) {
  return Parser(Lexer(text, file).run(), file).parseSpec();
}

} // namespace strata::frontend
