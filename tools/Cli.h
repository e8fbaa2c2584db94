//===- Cli.h - what every strata command shares ------------------*- C++ -*-===//
//
// Options parsing (`--name=value`, `--name value`, switches), the user-error
// type that becomes exit code 1, and small number formatting helpers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace strata::tools {

/// A mistake of the user's (bad flag, missing file): exit code 1.
struct UsageError {
  std::string message;
};

/// A failure of ours (the compiler rejected what the frontend accepted): exit code 2.
struct InternalError {
  std::string message;
};

struct Options {
  std::string command;
  std::string spec;
  std::map<std::string, std::string> flags; // --name=value, or "" for a switch

  bool has(const std::string &name) const { return flags.count(name) != 0; }
  std::string get(const std::string &name, const std::string &fallback = "") const;
  /// A non-negative integer flag; throws UsageError on anything else.
  int64_t intFlag(const std::string &name, int64_t fallback) const;
};

/// `known` maps each option to whether it takes a value; a command whose
/// spec is optional says so with `needsSpec` false.
Options parseArgs(int argc, char **argv, const std::map<std::string, bool> &known,
                  bool needsSpec = true);

/// Writes `text` to `path` through a temporary file, so a failure leaves nothing.
void writeAtomically(const std::string &path, const std::string &text);

/// 1.23 M, 45 K: for FLOPs and counts in human output.
std::string humanCount(double n);
/// 1,234,567
std::string withCommas(int64_t n);

} // namespace strata::tools
