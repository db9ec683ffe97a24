// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim explore --emit-regression DIR`: a finding of explore as a
// two-sided regression scenario, in the form of scenarios/regressions/:
// the interleaving pinned to the placement, the kernel set to the profile
// where it fails, and `expect:` blocks for that profile (`if_without:` the
// fixes that cure it) and for the profile with the first curing fix
// restored (`if_with:`), so that `ksmsim run FILE --strict` and
// `ksmsim run FILE --strict --kernel FIXED` both pass as written.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ksmsim/explore.h"
#include "ksmsim/scenario.h"

namespace ksmsim {

struct RegressionFile {
  std::string name; // SCENARIO.POINT.N.yaml (the point's ':' as '.')
  std::string text;
  std::string failing_profile;              // profile_text of the profile explored
  std::vector<std::string> cured_by;        // fixes whose restoring alone cures it
  std::optional<std::string> fixed_profile; // failing_profile with cured_by[0] restored
  // Why the file does not pass as written on a side ("" on both: it does).
  std::vector<std::string> problems;
};

// The file name explore gives a placement's scenario: SCENARIO.POINT.N.yaml.
std::string placement_file_name(const scenario::Scenario &s, const Placement &p);

// A finding (Oops or Violation) of explore(s, text, opt) as a regression
// file. Replays the placement on each profile with one fix restored, and
// the file itself on both sides to check it. Throws scenario::ScenarioError
// when the file's `steps:` is not a block list (nothing to append to).
RegressionFile emit_regression(const scenario::Scenario &s, const Placement &p,
                               const ExploreOptions &opt);

} // namespace ksmsim
