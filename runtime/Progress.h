//===- Progress.h - what a training run shows while it runs ------*- C++ -*-===//
//
// On a terminal, one line redrawn in place: epoch, a bar, steps/s, loss, ETA.
// When stderr is not a terminal (CI, a pipe, a log file), a plain line every
// `plainEvery` steps and at the end, so logs stay readable.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace strata::runtime {

class Progress {
public:
  Progress(int64_t firstStep, int64_t totalSteps, int64_t stepsPerEpoch, std::FILE *out);
  /// After step `step` (0-based) finished with `loss`.
  void update(int64_t step, double loss);
  /// Ends the in-place line.
  void finish();
  /// Clears the bar's line (on a terminal), so a message can take it; the
  /// next update draws the bar again.
  void clearLine();
  bool isTerminal() const { return terminal_; }

private:
  void draw(int64_t done, double loss, bool final);
  int64_t firstStep_, totalSteps_, stepsPerEpoch_, plainEvery_;
  std::FILE *out_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, lastDraw_;
  int64_t lastDone_ = -1;
  double lastLoss_ = 0;
};

} // namespace strata::runtime
