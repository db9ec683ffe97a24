// SPDX-License-Identifier: GPL-2.0-only
#include "model/lib/trace.h"

#include <fmt/format.h>

namespace ksmsim {

std::uint64_t handle(HandleKind kind, std::uint32_t id) {
  // Looks like a direct-map kernel address; the kind and id are readable in it.
  return 0xffff888000000000ULL | (static_cast<std::uint64_t>(kind) << 32) |
         (std::uint64_t(id) << 6);
}

void Trace::emit(const Task &task, std::uint64_t time_us, std::string_view event,
                 std::string_view text) {
  if (!enabled_)
    return;
  if (observer_)
    observer_(task, time_us, event, text);
  // trace_output.c: "%16s-%-7d [%03d] %5s %5lu.%06lu: %s: %s"
  fmt::format_to(std::back_inserter(lines_), "{:>16}-{:<7} [{:03}] ..... {:5}.{:06}: {}: {}\n",
                 task.comm.substr(0, 16), task.pid, task.cpu, time_us / 1000000, time_us % 1000000,
                 event, text);
  entries_++;
  if (spill_ && lines_.size() >= (1u << 20))
    flush();
}

void Trace::flush() {
  if (spill_ && !lines_.empty()) {
    spill_(lines_);
    lines_.clear();
  }
}

std::string Trace::file_text(int nr_cpus) const {
  return header(entries_, nr_cpus) + lines_;
}

std::string Trace::header(std::size_t entries, int nr_cpus) {
  return fmt::format("# tracer: nop\n"
                     "#\n"
                     "# entries-in-buffer/entries-written: {}/{}   #P:{}\n"
                     "#\n"
                     "#                                _-----=> irqs-off/BH-disabled\n"
                     "#                               / _----=> need-resched\n"
                     "#                              | / _---=> hardirq/softirq\n"
                     "#                              || / _--=> preempt-depth\n"
                     "#                              ||| / _-=> migrate-disable\n"
                     "#                              |||| /     delay\n"
                     "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
                     "#              | |         |   |||||     |         |\n",
                     entries, entries, nr_cpus);
}

} // namespace ksmsim
