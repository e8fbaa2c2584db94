//===- Error.h - what the runtime throws at a user ---------------*- C++ -*-===//
//
// A runtime failure the user can act on (a missing data file, a checkpoint of
// another model, an unwritable output): the driver prints its message and
// exits with 1. Each kind derives from Error so callers catch the ones they
// can handle and the driver catches the rest at once.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

namespace strata::runtime {

struct Error {
  std::string message;
  explicit Error(std::string message) : message(std::move(message)) {}
};

} // namespace strata::runtime
