// SPDX-License-Identifier: GPL-2.0-only
//
// The trace in the Chrome Trace Event Format (the JSON that Perfetto and
// chrome://tracing open): `ksmsim run FILE --trace OUT --trace-format
// chrome-json`. It is made from the same event stream as the ftrace text:
// each tracing_mark_write marker becomes what Perfetto draws from it (B|/E|
// a "B"/"E" slice, C| a "C" counter), every other event an "i" instant
// with its text in args; "M" events name each process and thread.
// Timestamps are µs of virtual time.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/lib/trace.h"

namespace ksmsim {

class ChromeTrace {
public:
  // One trace line as Trace::emit got it.
  void add(const Task &task, std::uint64_t time_us, std::string_view event, std::string_view text);
  // Names a process that only counters mention (ksmd's, before it runs).
  void name_process(int pid, const std::string &name);
  // The whole document: {"displayTimeUnit": ..., "traceEvents": [...]},
  // one event a line, keys sorted.
  std::string text() const;

private:
  struct Record {
    Task task;
    std::uint64_t time_us;
    std::string event, text;
  };
  std::vector<Record> records_;
  std::map<int, std::string> names_; // pid -> the comm it was first seen with
};

} // namespace ksmsim
