// SPDX-License-Identifier: GPL-2.0-only
#include "model/lib/trace_marks.h"

#include <fmt/format.h>

namespace ksmsim {

void TraceMarks::begin(const Task &task, std::uint64_t time_us, std::string_view name) {
  if (trace_.enabled())
    trace_.emit(task, time_us, MARK_EVENT, fmt::format("B|{}|{}", task.pid, name));
}

void TraceMarks::end(const Task &task, std::uint64_t time_us) {
  if (trace_.enabled())
    trace_.emit(task, time_us, MARK_EVENT, fmt::format("E|{}", task.pid));
}

void TraceMarks::counters(const Task &task, std::uint64_t time_us, int tgid,
                          const Counters &values) {
  if (!trace_.enabled())
    return;
  for (const auto &[name, value] : values) {
    auto [it, fresh] = last_.try_emplace(name, value);
    if (!fresh && it->second == value)
      continue;
    it->second = value;
    trace_.emit(task, time_us, MARK_EVENT, fmt::format("C|{}|{}|{}", tgid, name, value));
  }
}

} // namespace ksmsim
