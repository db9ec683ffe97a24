// SPDX-License-Identifier: GPL-2.0-only
#include "sim/io/progress_meter.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace ksmsim::io {

namespace {
void to_stderr(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}
double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace

ProgressMeter::ProgressMeter() : ProgressMeter(isatty(2) == 1, to_stderr, steady_seconds) {}

ProgressMeter::ProgressMeter(bool enabled, Sink sink, Clock clock)
    : enabled_(enabled), sink_(std::move(sink)), clock_(std::move(clock)) {}

ProgressMeter::~ProgressMeter() {
  finish();
}

void ProgressMeter::update(const std::function<std::string()> &make) {
  if (!enabled_)
    return;
  double now = clock_();
  if (shown_once_ && now - last_ < PERIOD_S)
    return;
  shown_once_ = true;
  last_ = now;
  std::string line = make();
  std::string text = "\r" + line;
  if (line.size() < shown_width_)
    text += std::string(shown_width_ - line.size(), ' ') + "\r" + line;
  sink_(text);
  shown_width_ = line.size();
}

void ProgressMeter::print(const std::string &line) {
  clear();
  sink_(line + "\n");
  shown_once_ = false; // redraw at the next update
}

void ProgressMeter::finish() {
  clear();
}

void ProgressMeter::clear() {
  if (shown_width_ == 0)
    return;
  sink_("\r" + std::string(shown_width_, ' ') + "\r");
  shown_width_ = 0;
}

} // namespace ksmsim::io
