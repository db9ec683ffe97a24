// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_limits.h"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>

namespace ksmsim::live {

using namespace scenario;

std::uint64_t scenario_live_ms(const Scenario &s) {
  std::uint64_t us = 0;
  for (const Step &st : s.steps) {
    if (st.at)
      us = std::max<std::uint64_t>(us, *st.at);
    if (const auto *sl = std::get_if<Sleep>(&st.body))
      us += sl->duration;
  }
  return us / 1000;
}

std::uint64_t scenario_memory_bytes(const Scenario &s) {
  std::map<std::string, std::uint64_t> mapped; // mm -> bytes it may touch
  std::uint64_t total = 0;
  for (const Step &st : s.steps) {
    if (const auto *m = std::get_if<Mmap>(&st.body)) {
      if (m->node && *m->node > 0)
        continue; // skipped live
      std::uint64_t bytes = std::uint64_t(m->pages) * 4096;
      mapped[m->mm] += bytes;
      total += bytes;
    } else if (const auto *f = std::get_if<Fork>(&st.body)) {
      mapped[f->child] = mapped[f->parent];
      total += mapped[f->parent];
    }
  }
  return total;
}

std::optional<std::uint64_t> mem_available_bytes(const std::string &meminfo) {
  std::ifstream f(meminfo);
  for (std::string line; std::getline(f, line);) {
    std::istringstream in(line);
    std::string key;
    std::uint64_t kb = 0;
    if (in >> key >> kb && key == "MemAvailable:")
      return kb * 1024;
  }
  return std::nullopt;
}

std::string check_limits(const Scenario &s, std::uint64_t max_live_ms, const std::string &meminfo) {
  if (std::uint64_t ms = scenario_live_ms(s); ms > max_live_ms)
    return fmt::format("the scenario's sleep and at: take {:.1f} s of real time live, more than "
                       "the bound of {:.1f} s (raise it with --max-live-time SECONDS)",
                       ms / 1000.0, max_live_ms / 1000.0);
  std::uint64_t need = scenario_memory_bytes(s);
  std::optional<std::uint64_t> avail = mem_available_bytes(meminfo);
  if (!avail)
    return fmt::format("cannot read MemAvailable from {}", meminfo);
  if (need > *avail)
    return fmt::format("the scenario's processes may touch {} MiB ({} bytes), more than "
                       "MemAvailable in {}: {} MiB ({} bytes)",
                       need >> 20, need, meminfo, *avail >> 20, *avail);
  return "";
}

} // namespace ksmsim::live
