//===- Diagnostics.h - located errors for specs ---------------*- C++ -*-===//
//
// Every user mistake in a spec becomes a SpecError carrying `file:line:col`, the
// message, and notes (for example the block call a shape error happened under).
// The driver prints it as `file:line:col: error: message` and exits with 1.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace strata::frontend {

struct SourceLoc {
  std::string file;
  int line = 0;
  int col = 0;

  std::string str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
  bool valid() const { return line > 0; }
};

struct Note {
  SourceLoc loc;
  std::string message;
};

class SpecError : public std::runtime_error {
public:
  SpecError(SourceLoc loc, const std::string &message)
      : std::runtime_error(message), loc(std::move(loc)) {}

  /// `file:line:col: error: message` followed by one `note:` line per note.
  std::string render() const;

  SourceLoc loc;
  std::vector<Note> notes;
};

} // namespace strata::frontend
