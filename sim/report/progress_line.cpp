// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/progress_line.h"

#include <fmt/format.h>

namespace ksmsim {

std::string virtual_seconds(std::uint64_t time_us) {
  return fmt::format("{}.{:03} s", time_us / 1'000'000, time_us / 1000 % 1000);
}

std::string run_progress_line(const RunProgress &p) {
  std::string step = p.step > 0 ? fmt::format("step {}/{}", p.step, p.steps) : "starting";
  if (p.step > 0 && !p.kind.empty())
    step += fmt::format(" {}", p.kind);
  return fmt::format("run: {}, virtual time {}, {} full scan{}", step, virtual_seconds(p.time_us),
                     p.full_scans, p.full_scans == 1 ? "" : "s");
}

std::string run_step_line(const RunProgress &p) {
  return fmt::format("step {}/{} (line {}) {} at {}", p.step, p.steps, p.line, p.kind,
                     virtual_seconds(p.time_us));
}

std::string explore_progress_line(std::size_t done, std::size_t total) {
  return fmt::format("explore: {}/{} placements replayed", done, total);
}

} // namespace ksmsim
