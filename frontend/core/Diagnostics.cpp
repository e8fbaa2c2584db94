//===- Diagnostics.cpp ----------------------------------------------------===//

#include "Diagnostics.h"

namespace strata::frontend {

std::string SpecError::render() const {
  std::string out = loc.str() + ": error: " + what() + "\n";
  for (const Note &note : notes)
    out += note.loc.str() + ": note: " + note.message + "\n";
  return out;
}

} // namespace strata::frontend
