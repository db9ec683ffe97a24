// SPDX-License-Identifier: GPL-2.0-only
//
// What a scenario asks of the live machine, checked before anything is
// changed: real time (`sleep`, `at:`; `wait` is bounded as it runs) and
// memory (every vma mapped, and a fork's copy of its parent's, against
// MemAvailable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ksmsim/scenario.h"

namespace ksmsim::live {

// The real time the scenario's `sleep`s and `at:`s take, in ms.
std::uint64_t scenario_live_ms(const scenario::Scenario &s);
// The memory its processes may touch, in bytes (an upper bound: munmap is
// not subtracted, a fork may copy all its parent has).
std::uint64_t scenario_memory_bytes(const scenario::Scenario &s);
// MemAvailable of /proc/meminfo, in bytes.
std::optional<std::uint64_t> mem_available_bytes(const std::string &meminfo = "/proc/meminfo");

// "" or why the scenario is refused, with the figures.
std::string check_limits(const scenario::Scenario &s, std::uint64_t max_live_ms,
                         const std::string &meminfo = "/proc/meminfo");

} // namespace ksmsim::live
