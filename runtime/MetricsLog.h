//===- MetricsLog.h - one JSON object per line, per step ---------*- C++ -*-===//
//
// `--log FILE.jsonl` records every step: {"step", "epoch", "loss",
// "grad_norm", "elapsed_s"}. A resumed run first drops the records of steps at
// or after its checkpoint (the killed run may have logged a few past it), so
// the file reads as one uninterrupted run.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Error.h"
#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace strata::runtime {

class MetricsLog {
public:
  /// Opens `path` for a run starting at `firstStep`; with `resume`, keeps the
  /// records of steps before `firstStep`, else starts an empty file.
  MetricsLog(const std::string &path, int64_t firstStep, bool resume);
  ~MetricsLog();
  MetricsLog(const MetricsLog &) = delete;
  MetricsLog &operator=(const MetricsLog &) = delete;

  void write(const nlohmann::ordered_json &record);

private:
  std::FILE *file_ = nullptr;
};

struct MetricsLogError : Error {
  using Error::Error;
};

} // namespace strata::runtime
