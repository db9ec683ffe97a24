// SPDX-License-Identifier: GPL-2.0-only
//
// atrace-style markers in the ftrace text trace, the lines a write to
// /sys/kernel/tracing/trace_marker (as Android's atrace does) leaves:
//   TASK-PID [CPU] FLAGS TIMESTAMP: tracing_mark_write: B|TGID|NAME
// Perfetto's ftrace text importer draws them (google/perfetto,
// src/trace_processor/importers/systrace/systrace_parser.h,
// ParseSystraceTracePoint): "B|TGID|NAME" opens a slice on the line's
// thread, "E|TGID" closes that thread's innermost one, "C|TGID|NAME|VALUE"
// sets the process TGID's counter NAME to the integer VALUE. ksmsim marks
// its scenario steps and ksmd's batches as slices and the sysfs counters as
// counters; `ksmsim diff` leaves the marks out unless asked (--marks).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/lib/trace.h"

namespace ksmsim {

inline constexpr std::string_view MARK_EVENT = "tracing_mark_write";

class TraceMarks {
public:
  explicit TraceMarks(Trace &trace) : trace_(trace) {}
  // A slice on task's thread; each task is its own process (tgid = pid).
  void begin(const Task &task, std::uint64_t time_us, std::string_view name);
  void end(const Task &task, std::uint64_t time_us);
  // One C line per counter whose value is not the one last marked (every
  // counter, the first time), in the order given, on process tgid's track.
  using Counters = std::vector<std::pair<std::string, std::uint64_t>>;
  void counters(const Task &task, std::uint64_t time_us, int tgid, const Counters &values);

private:
  Trace &trace_;
  std::map<std::string, std::uint64_t> last_;
};

// Ends a slice begun by its constructor, also when an oops unwinds.
class MarkedSlice {
public:
  MarkedSlice(TraceMarks &marks, const Task &task, const std::uint64_t &now_us,
              std::string_view name)
      : marks_(marks), task_(task), now_us_(now_us) {
    marks_.begin(task_, now_us_, name);
  }
  ~MarkedSlice() { marks_.end(task_, now_us_); }
  MarkedSlice(const MarkedSlice &) = delete;
  MarkedSlice &operator=(const MarkedSlice &) = delete;

private:
  TraceMarks &marks_;
  Task task_;
  const std::uint64_t &now_us_; // the clock, read again at the end
};

} // namespace ksmsim
