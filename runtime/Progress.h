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
#include <string>

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

/// What a slow step that is not training shows: one line on a terminal,
/// redrawn in place at most ten times a second ("embedding 60,000 rows",
/// "t-SNE iteration 250/1000") and cleared when the step ends, so the
/// command's own output is unchanged. Off a terminal it shows nothing.
class StatusLine {
public:
  explicit StatusLine(std::FILE *out = stderr);
  ~StatusLine();
  StatusLine(const StatusLine &) = delete;
  StatusLine &operator=(const StatusLine &) = delete;
  /// Shows `text` (with the seconds since the line was made), unless it
  /// was redrawn less than 0.1 s ago; `force` draws it anyway.
  void show(const std::string &text, bool force = false);
  void clear();

private:
  std::FILE *out_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, lastDraw_;
};

} // namespace strata::runtime
