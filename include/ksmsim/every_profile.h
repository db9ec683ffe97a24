// SPDX-License-Identifier: GPL-2.0-only
//
// `--kernel all` of `ksmsim run` and `ksmsim explore`: the scenario on
// every kernel profile, as a table (rows: profiles, columns: outcome), to
// see which fix cures what.
#pragma once

#include <string>
#include <vector>

#include "ksmsim/explore.h"
#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"

namespace ksmsim {

// The profiles, in this order: the scenario's own when it is none of the
// others (a profile without several fixes), v3.9, then "v3.9 without FIX"
// for each fix of known_fix_names(), in that order.
std::vector<std::string> every_profile(const scenario::Scenario &s);

// A text table: the header, then the rows, columns padded to their widest
// cell and separated by two spaces (no trailing blanks).
std::string text_table(const std::vector<std::string> &header,
                       const std::vector<std::vector<std::string>> &rows);

struct EveryProfileTable {
  std::string text;  // the table, with a line saying what it is
  int exit_code = 0; // the highest exit status of its rows
};

// `ksmsim run FILE --kernel all`: columns profile, exit, oops, warnings,
// detectors, invariants. A profile the file cannot run on (exit 2) shows
// its error in the oops column's place.
EveryProfileTable run_every_profile(const scenario::Scenario &s, const RunOptions &opt);

// `ksmsim explore FILE --kernel all`: columns profile, placements, found,
// clean, refused, and the first finding.
EveryProfileTable explore_every_profile(const scenario::Scenario &s, const std::string &text,
                                        const ExploreOptions &opt);

} // namespace ksmsim
