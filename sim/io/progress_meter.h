// SPDX-License-Identifier: GPL-2.0-only
//
// A progress line on a terminal: redrawn in place with '\r', at most every
// 0.2 s of wall time (the only wall clock of ksmsim: it reaches neither
// stdout nor any file), and nothing at all when disabled (stderr is not a
// terminal). The sink and the clock are parameters, for tests.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace ksmsim::io {

class ProgressMeter {
public:
  using Sink = std::function<void(std::string_view)>;
  using Clock = std::function<double()>; // seconds, monotonic

  static constexpr double PERIOD_S = 0.2;

  // On stderr, enabled when it is a terminal (isatty(2)).
  ProgressMeter();
  ProgressMeter(bool enabled, Sink sink, Clock clock);
  ~ProgressMeter(); // finish()
  ProgressMeter(const ProgressMeter &) = delete;
  ProgressMeter &operator=(const ProgressMeter &) = delete;

  bool enabled() const { return enabled_; }
  // Shows `line` if PERIOD_S has passed since the last one shown (the first
  // is shown at once). `make` is only called then.
  void update(const std::function<std::string()> &make);
  // A line of its own (the -v detail), whether enabled or not: the progress
  // line is cleared first and redrawn at the next update.
  void print(const std::string &line);
  // Clears the progress line, if one is shown.
  void finish();

private:
  void clear();
  bool enabled_;
  Sink sink_;
  Clock clock_;
  double last_ = 0;
  bool shown_once_ = false;
  std::size_t shown_width_ = 0; // the line on the terminal now (0: none)
};

} // namespace ksmsim::io
