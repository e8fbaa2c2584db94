//===- Safetensors.h - reading and writing .safetensors files ----*- C++ -*-===//
//
// The format PyTorch, JAX and Hugging Face read: an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte
// range, string metadata under "__metadata__", then the raw data. Files are
// written to DIR/.NAME.tmp, flushed and fsync'd, then renamed over NAME, so a
// crash at any moment leaves either the old file or the new one, never half.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"
#include "Function.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace strata::runtime {

struct SafetensorsError : Error {
  using Error::Error;
};

struct Safetensors {
  std::vector<std::pair<std::string, Tensor>> tensors; // in file order
  std::map<std::string, std::string> metadata;
  const Tensor *find(const std::string &name) const;
};

/// Writes `tensors` (name, tensor) and `metadata` to `path` atomically.
void writeSafetensors(const std::string &path,
                      const std::vector<std::pair<std::string, const Tensor *>> &tensors,
                      const std::map<std::string, std::string> &metadata);

/// Reads a whole file; throws SafetensorsError naming what is wrong.
Safetensors readSafetensors(const std::string &path);
/// Only the string metadata of a file (its header alone is read).
std::map<std::string, std::string> readSafetensorsMetadata(const std::string &path);

} // namespace strata::runtime
