//===- Npy.h - NumPy's .npy format ------------------------------*- C++ -*-===//
//
// Version 1.0 files, C order, little-endian: what numpy.load reads and what
// `strata embed` writes. Written through a temp file and a rename.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"
#include "Function.h"

#include <string>

namespace strata::runtime {

struct NpyError : Error {
  using Error::Error;
};

void writeNpy(const std::string &path, const Tensor &tensor);
Tensor readNpy(const std::string &path);

} // namespace strata::runtime
