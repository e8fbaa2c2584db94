//===- Json.cpp - located JSON reader -------------------------------------===//

#include "Json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace strata::frontend {

const JsonValue *JsonValue::find(const std::string &key) const {
  for (const auto &[k, v] : members)
    if (k == key)
      return &v;
  return nullptr;
}

const char *JsonValue::kindName(Kind kind) {
  switch (kind) {
  case Kind::Null: return "null";
  case Kind::Bool: return "a boolean";
  case Kind::Number: return "a number";
  case Kind::String: return "a string";
  case Kind::Array: return "an array";
  case Kind::Object: return "an object";
  }
  return "?";
}

namespace {

class JsonParser {
public:
  JsonParser(const std::string &text, const std::string &file)
      : text(text), file(file) {}

  JsonValue parseDocument() {
    skipSpace();
    JsonValue v = parseValue(0);
    skipSpace();
    if (pos < text.size())
      fail("unexpected trailing content after the JSON document");
    return v;
  }

private:
  static constexpr int kMaxDepth = 256;
  const std::string &text;
  std::string file;
  size_t pos = 0;
  int line = 1, col = 1;

  SourceLoc here() const { return {file, line, col}; }
  [[noreturn]] void fail(const std::string &message) {
    throw SpecError(here(), message);
  }
  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }
  void advance() {
    if (text[pos] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    ++pos;
  }
  void skipSpace() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' ||
                        peek() == '\r'))
      advance();
  }
  void expect(char c, const char *context) {
    if (peek() != c)
      fail(std::string("expected '") + c + "' " + context + describeHere());
    advance();
  }
  std::string describeHere() const {
    if (atEnd())
      return ", found end of file";
    char c = peek();
    if (c >= 32 && c < 127)
      return std::string(", found '") + c + "'";
    return ", found byte " + std::to_string((unsigned char)c);
  }

  JsonValue parseValue(int depth) {
    if (depth > kMaxDepth)
      fail("JSON nesting is deeper than " + std::to_string(kMaxDepth));
    JsonValue v;
    v.loc = here();
    char c = peek();
    if (c == '{') {
      v.kind = JsonValue::Kind::Object;
      parseObject(v, depth);
    } else if (c == '[') {
      v.kind = JsonValue::Kind::Array;
      parseArray(v, depth);
    } else if (c == '"') {
      v.kind = JsonValue::Kind::String;
      v.string = parseString();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = JsonValue::Kind::Number;
      parseNumber(v);
    } else if (matchWord("true")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = true;
    } else if (matchWord("false")) {
      v.kind = JsonValue::Kind::Bool;
    } else if (matchWord("null")) {
      v.kind = JsonValue::Kind::Null;
    } else {
      fail("expected a JSON value" + describeHere());
    }
    return v;
  }

  bool matchWord(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (text.compare(pos, n, word) != 0)
      return false;
    for (size_t i = 0; i < n; ++i)
      advance();
    return true;
  }

  void parseObject(JsonValue &v, int depth) {
    advance(); // {
    skipSpace();
    if (peek() == '}') {
      advance();
      return;
    }
    while (true) {
      skipSpace();
      SourceLoc keyLoc = here();
      if (peek() != '"')
        fail("expected a string key in object" + describeHere());
      std::string key = parseString();
      if (v.find(key))
        throw SpecError(keyLoc, "duplicate key \"" + key + "\" in object");
      skipSpace();
      expect(':', "after object key");
      skipSpace();
      v.members.emplace_back(key, parseValue(depth + 1));
      skipSpace();
      if (peek() == ',') {
        advance();
        continue;
      }
      expect('}', "or ',' in object");
      return;
    }
  }

  void parseArray(JsonValue &v, int depth) {
    advance(); // [
    skipSpace();
    if (peek() == ']') {
      advance();
      return;
    }
    while (true) {
      skipSpace();
      v.items.push_back(parseValue(depth + 1));
      skipSpace();
      if (peek() == ',') {
        advance();
        continue;
      }
      expect(']', "or ',' in array");
      return;
    }
  }

  unsigned parseHex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = peek();
      unsigned digit;
      if (c >= '0' && c <= '9') digit = c - '0';
      else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      else fail("expected 4 hex digits in \\u escape");
      code = code * 16 + digit;
      advance();
    }
    return code;
  }

  static void appendUtf8(std::string &out, unsigned code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }

  std::string parseString() {
    advance(); // opening quote
    std::string out;
    while (true) {
      if (atEnd())
        fail("unterminated string");
      char c = peek();
      if (c == '"') {
        advance();
        return out;
      }
      if ((unsigned char)c < 0x20)
        fail("control character in string (escape it)");
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      char e = peek();
      if (atEnd())
        fail("unterminated string");
      advance();
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned code = parseHex4();
        if (code >= 0xD800 && code < 0xDC00) {
          if (!matchWord("\\u"))
            fail("unpaired surrogate in \\u escape");
          unsigned low = parseHex4();
          if (low < 0xDC00 || low >= 0xE000)
            fail("invalid low surrogate in \\u escape");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code < 0xE000) {
          fail("unpaired surrogate in \\u escape");
        }
        appendUtf8(out, code);
        break;
      }
      default:
        fail(std::string("invalid escape '\\") + e + "' in string");
      }
    }
  }

  void parseNumber(JsonValue &v) {
    size_t start = pos;
    bool integer = true;
    if (peek() == '-')
      advance();
    if (peek() == '0') {
      advance();
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9')
        advance();
    } else {
      fail("invalid number" + describeHere());
    }
    if (peek() == '.') {
      integer = false;
      advance();
      if (!(peek() >= '0' && peek() <= '9'))
        fail("expected digits after '.' in number");
      while (peek() >= '0' && peek() <= '9')
        advance();
    }
    if (peek() == 'e' || peek() == 'E') {
      integer = false;
      advance();
      if (peek() == '+' || peek() == '-')
        advance();
      if (!(peek() >= '0' && peek() <= '9'))
        fail("expected digits in number exponent");
      while (peek() >= '0' && peek() <= '9')
        advance();
    }
    std::string literal = text.substr(start, pos - start);
    errno = 0;
    v.number = std::strtod(literal.c_str(), nullptr);
    if (errno == ERANGE || !std::isfinite(v.number))
      throw SpecError(v.loc, "number " + literal + " is out of range");
    v.isInteger = integer;
    if (integer && std::fabs(v.number) > 9007199254740992.0)
      throw SpecError(v.loc, "integer " + literal + " is too large");
  }
};

} // namespace

JsonValue parseJson(const std::string &text, const std::string &file) {
  return JsonParser(text, file).parseDocument();
}

} // namespace strata::frontend
