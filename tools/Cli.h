//===- Cli.h - what every strata command shares ------------------*- C++ -*-===//
//
// The command table's types (every command, its flags with their kinds and
// defaults), parsing against it (`--name=value`, `--name value`, switches;
// an unknown flag gets "did you mean", a number flag's value is checked
// before the command runs), the usage and help text generated from it, the
// user-error type that becomes exit code 1, and number formatting helpers.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

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

/// What a flag's value must be.
enum class FlagKind {
  Switch, // no value
  Count,  // a non-negative integer
  Real,   // a number
  Choice, // one of `choices`
  Text,   // anything (a path, a name, a query)
};

struct FlagSpec {
  std::string name;  // "--steps"
  std::string value; // the value's name in help ("N"); empty for a switch
  FlagKind kind = FlagKind::Switch;
  std::string help;  // what it does, one sentence
  std::string defaultText; // shown as "(default: ...)"; empty: none
  std::vector<std::string> choices; // FlagKind::Choice
};

enum class SpecArg { Required, Optional, None };

struct CommandSpec {
  std::string name;
  std::vector<std::string> synopses; // each form, after "strata NAME "
  std::string summary;               // what it does, a sentence or two
  SpecArg spec = SpecArg::Required;
  std::vector<FlagSpec> flags;
  std::function<int(const Options &)> run;
};

/// Parses argv[2...] against `command`: an unknown flag (with the closest
/// known one), a missing or malformed value, a second positional argument
/// or a missing spec is a UsageError.
Options parseArgs(int argc, char **argv, const CommandSpec &command);

/// `strata --help`: every command with its synopses and summary.
std::string usageText(const std::vector<CommandSpec> &commands);
/// `strata help COMMAND`, `strata COMMAND --help`: its synopses, summary and
/// every flag with what it takes, does and defaults to.
std::string commandHelp(const CommandSpec &command);
/// The name in `candidates` closest to `word` by edit distance, if close
/// enough to be a slip (at most a third of its letters); empty otherwise.
std::string closestName(const std::string &word, const std::vector<std::string> &candidates);

/// Writes `text` to `path` through a temporary file, so a failure leaves nothing.
void writeAtomically(const std::string &path, const std::string &text);

/// 1.23 M, 45 K: for FLOPs and counts in human output.
std::string humanCount(double n);
/// 1,234,567
std::string withCommas(int64_t n);
/// "12.34 MB" (decimal megabytes), for memory in human output.
std::string megabytes(int64_t bytes);

} // namespace strata::tools
