//===- Progress.cpp - what a training run shows while it runs -------------===//

#include "Progress.h"

#include <unistd.h>

#include <algorithm>
#include <string>

using namespace strata::runtime;

namespace {
std::string clock(double seconds) {
  int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld:%02lld", (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(buffer, sizeof buffer, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buffer;
}
} // namespace

Progress::Progress(int64_t firstStep, int64_t totalSteps, int64_t stepsPerEpoch, std::FILE *out)
    : firstStep_(firstStep), totalSteps_(totalSteps), stepsPerEpoch_(std::max<int64_t>(stepsPerEpoch, 1)),
      out_(out), terminal_(::isatty(::fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()), lastDraw_(start_) {
  // Plain output: about ten lines per epoch.
  plainEvery_ = std::max<int64_t>(stepsPerEpoch_ / 10, 1);
}

void Progress::update(int64_t step, double loss) {
  int64_t done = step + 1;
  lastDone_ = done;
  lastLoss_ = loss;
  auto now = std::chrono::steady_clock::now();
  if (terminal_) {
    // Redraw at most ten times a second.
    if (done < totalSteps_ && now - lastDraw_ < std::chrono::milliseconds(100))
      return;
    lastDraw_ = now;
    draw(done, loss, false);
  } else if (done % plainEvery_ == 0 || done == totalSteps_) {
    draw(done, loss, false);
  }
}

void Progress::draw(int64_t done, double loss, bool final) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? (done - firstStep_) / elapsed : 0;
  double eta = rate > 0 ? (totalSteps_ - done) / rate : 0;
  int64_t epochs = (totalSteps_ + stepsPerEpoch_ - 1) / stepsPerEpoch_;
  int64_t epoch = std::min<int64_t>((done - 1) / stepsPerEpoch_ + 1, epochs);
  if (terminal_) {
    const int width = 24;
    int filled = static_cast<int>(width * done / std::max<int64_t>(totalSteps_, 1));
    std::string bar(filled, '=');
    if (filled < width)
      bar += '>' + std::string(width - filled - 1, ' ');
    std::fprintf(out_, "\r\033[Kepoch %lld/%lld [%s] %lld/%lld  %.1f steps/s  loss %.5g  %s %s",
                 (long long)epoch, (long long)epochs, bar.c_str(), (long long)done,
                 (long long)totalSteps_, rate, loss, final ? "took" : "ETA",
                 clock(final ? elapsed : eta).c_str());
  } else {
    std::fprintf(out_, "epoch %lld/%lld  step %lld/%lld  %.1f steps/s  loss %.5g  %s %s\n",
                 (long long)epoch, (long long)epochs, (long long)done, (long long)totalSteps_, rate,
                 loss, final ? "took" : "ETA", clock(final ? elapsed : eta).c_str());
  }
  std::fflush(out_);
}

void Progress::clearLine() {
  if (terminal_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
}

void Progress::finish() {
  if (terminal_ && lastDone_ >= 0) {
    draw(lastDone_, lastLoss_, true);
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

StatusLine::StatusLine(std::FILE *out)
    : out_(out), terminal_(::isatty(::fileno(out)) != 0), start_(std::chrono::steady_clock::now()),
      lastDraw_(start_ - std::chrono::seconds(1)) {}

StatusLine::~StatusLine() { clear(); }

void StatusLine::show(const std::string &text, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!terminal_ || (!force && now - lastDraw_ < std::chrono::milliseconds(100)))
    return;
  lastDraw_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  std::fprintf(out_, "\r\033[K%s  %.0f s", text.c_str(), seconds);
  std::fflush(out_);
  drawn_ = true;
}

void StatusLine::clear() {
  if (!drawn_)
    return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}
