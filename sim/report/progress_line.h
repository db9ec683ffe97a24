// SPDX-License-Identifier: GPL-2.0-only
//
// The text of the progress shown while a long run or exploration goes
// (sim/io/progress_meter.h puts it on a terminal): virtual time and counts
// only, so the same state gives the same line.
#pragma once

#include <cstddef>
#include <string>

#include "ksmsim/runner.h"

namespace ksmsim {

// `ksmsim run`: "run: step 7/12 wait, virtual time 1.250 s, 3 full scans".
std::string run_progress_line(const RunProgress &p);
// `ksmsim run -v`, as each step begins: "step 7/12 (line 20) wait at 1.250 s".
std::string run_step_line(const RunProgress &p);
// `ksmsim explore`: "explore: 5/13 placements replayed".
std::string explore_progress_line(std::size_t done, std::size_t total);
// Virtual time as seconds with milliseconds: 1250000 us -> "1.250 s".
std::string virtual_seconds(std::uint64_t time_us);

} // namespace ksmsim
