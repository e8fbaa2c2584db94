//===- Json.h - a JSON reader that keeps source positions ------*- C++ -*-===//
//
// nlohmann/json (used for writing) drops source positions, and every error in a
// JSON spec must point at its line and column, so specs are read by this small
// RFC 8259 parser whose values remember where they started.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Diagnostics.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace strata::frontend {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  SourceLoc loc;
  bool boolean = false;
  double number = 0;
  bool isInteger = false; // the literal had no fraction or exponent
  std::string string;
  std::vector<JsonValue> items;
  /// Object members in source order; keys are unique (the parser rejects repeats).
  std::vector<std::pair<std::string, JsonValue>> members;

  const JsonValue *find(const std::string &key) const;
  static const char *kindName(Kind kind);
};

/// Parses `text` (from `file`, for locations); throws SpecError on bad JSON.
JsonValue parseJson(const std::string &text, const std::string &file);

} // namespace strata::frontend
