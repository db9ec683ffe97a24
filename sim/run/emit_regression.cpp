// SPDX-License-Identifier: GPL-2.0-only
#include "ksmsim/emit_regression.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/run/scenario_text_edit.h"

namespace ksmsim {

using namespace scenario;

std::string placement_file_name(const Scenario &s, const Placement &p) {
  std::string point = p.point;
  std::replace(point.begin(), point.end(), ':', '.');
  return fmt::format("{}.{}.{}.yaml", s.name, point, p.after);
}

namespace {

ProfileSpec explored_profile(const Scenario &s, const ExploreOptions &opt) {
  if (!opt.run.kernel)
    return ProfileSpec{s.kernel.version, s.kernel.without};
  try {
    return parse_profile_text(*opt.run.kernel);
  } catch (const std::invalid_argument &e) {
    throw ScenarioError(Location{"--kernel", 0, 0}, e.what());
  }
}

// `kernel:` as the scenario format writes it.
std::string kernel_entry(const ProfileSpec &spec) {
  ProfileSpec canonical = parse_profile_text(profile_text(spec)); // known_fix_names' order
  if (canonical.without.empty())
    return "kernel: " + canonical.version;
  return fmt::format("kernel: {{version: {}, without: [{}]}}", canonical.version,
                     fmt::join(canonical.without, ", "));
}

std::string fix_list(const std::vector<std::string> &fixes) {
  return fixes.size() == 1 ? fixes.front() : fmt::format("[{}]", fmt::join(fixes, ", "));
}

// The replay of `pinned` on `profile` finds nothing (and is not refused).
bool cured_on(const Scenario &pinned, const ExploreOptions &opt, const std::string &profile) {
  RunOptions ro = opt.run;
  ro.kernel = profile;
  ro.trace = false;
  ro.list_points = false;
  ro.progress = nullptr;
  try {
    RunResult r = run_scenario(pinned, ro);
    return r.records.empty() && r.violations.empty();
  } catch (const ScenarioError &) {
    return false; // refused, or the point is not reached that often there
  }
}

// The expectations of the failing side: what the placement recorded, one
// block per warning function and detector name beyond the first (a block
// names one of each). `condition` is "if_without: ..., " or "".
std::vector<std::string> failing_side(const Placement &p, const std::string &condition) {
  std::string oops = "none";
  std::vector<std::string> warnings, detectors;
  auto add = [](std::vector<std::string> &v, const std::string &name) {
    if (std::find(v.begin(), v.end(), name) == v.end())
      v.push_back(name);
  };
  for (const RunResult::KernelRecord &r : p.records) {
    if (r.kind == "BUG" && oops == "none")
      oops = r.function;
    else if (r.kind == "WARNING")
      add(warnings, r.function);
    else if (r.kind == "detector")
      add(detectors, r.name.empty() ? r.function : r.name);
  }
  std::vector<std::string> items;
  items.push_back(fmt::format("expect: {{{}oops: {}, warning: {}, detected: {}, invariants: {}}}",
                              condition, oops, warnings.empty() ? "none" : warnings.front(),
                              detectors.empty() ? "none" : detectors.front(),
                              p.violated ? "violated" : "ok"));
  for (std::size_t i = 1; i < warnings.size(); i++)
    items.push_back(fmt::format("expect: {{{}warning: {}}}", condition, warnings[i]));
  for (std::size_t i = 1; i < detectors.size(); i++)
    items.push_back(fmt::format("expect: {{{}detected: {}}}", condition, detectors[i]));
  return items;
}

// `ksmsim run FILE --strict [--kernel profile]`: "" when it passes.
std::string check_side(const std::string &text, const Scenario &s, const ExploreOptions &opt,
                       const std::string &profile) {
  RunOptions ro = opt.run;
  ro.kernel = profile;
  ro.strict = true;
  ro.trace = false;
  ro.list_points = false;
  ro.progress = nullptr;
  try {
    RunResult r = run_scenario(parse_text(text, s.file), ro);
    if (r.exit_code != 0)
      return fmt::format("on '{}' it exits {}", profile, r.exit_code);
  } catch (const ScenarioError &e) {
    return fmt::format("on '{}': {}", profile, e.what());
  }
  return "";
}

} // namespace

RegressionFile emit_regression(const Scenario &s, const Placement &p, const ExploreOptions &opt) {
  RegressionFile out;
  out.name = placement_file_name(s, p);
  ProfileSpec failing = explored_profile(s, opt);
  out.failing_profile = profile_text(failing);
  Scenario pinned = parse_text(p.scenario, s.file);
  for (const std::string &fix : known_fix_names()) {
    if (std::find(failing.without.begin(), failing.without.end(), fix) == failing.without.end())
      continue;
    ProfileSpec restored = failing;
    std::erase(restored.without, fix);
    if (cured_on(pinned, opt, profile_text(restored)))
      out.cured_by.push_back(fix);
  }
  std::vector<std::string> comments, items;
  if (out.cured_by.empty()) {
    comments.push_back(fmt::format("ksmsim explore --emit-regression: on '{}' this placement",
                                   out.failing_profile));
    comments.push_back(fmt::format("records {}.", p.detail));
    comments.push_back("No profile with one fix restored makes it disappear: only the failing");
    comments.push_back("side is asserted.");
    items = failing_side(p, "");
  } else {
    ProfileSpec fixed = failing;
    std::erase(fixed.without, out.cured_by.front());
    out.fixed_profile = profile_text(fixed);
    comments.push_back(fmt::format("ksmsim explore --emit-regression: without {} this placement",
                                   fmt::join(out.cured_by, " and ")));
    comments.push_back(fmt::format("records {};", p.detail));
    comments.push_back(fmt::format("with {} restored ('{}') nothing is recorded.",
                                   out.cured_by.front(), *out.fixed_profile));
    items = failing_side(p, fmt::format("if_without: {}, ", fix_list(out.cured_by)));
    items.push_back(fmt::format(
        "expect: {{if_with: {}, oops: none, warning: none, detected: none, invariants: ok}}",
        out.cured_by.front()));
  }
  out.text = p.scenario;
  Location where = s.steps.empty() ? Location{s.file, 1, 1} : s.steps.front().loc;
  if (!replace_kernel_entry(out.text, kernel_entry(failing)) ||
      !append_steps(out.text, comments, items))
    throw ScenarioError(where, "explore --emit-regression needs `steps:` as a block list "
                               "(one `- step` a line) to append the expectations to");
  std::string header =
      fmt::format("# Regression emitted by ksmsim explore --emit-regression from {}.\n"
                  "# Fails on '{}': ksmsim run {} --strict\n",
                  s.file, out.failing_profile, out.name);
  if (out.fixed_profile)
    header += fmt::format("# Fixed on '{}': ksmsim run {} --strict --kernel '{}'\n",
                          *out.fixed_profile, out.name, *out.fixed_profile);
  out.text = header + out.text;
  for (const std::optional<std::string> &side :
       {std::optional<std::string>(out.failing_profile), out.fixed_profile})
    if (side)
      if (std::string problem = check_side(out.text, s, opt, *side); !problem.empty())
        out.problems.push_back(problem);
  return out;
}

} // namespace ksmsim
