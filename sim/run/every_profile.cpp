// SPDX-License-Identifier: GPL-2.0-only
#include "ksmsim/every_profile.h"

#include <fmt/format.h>

#include <algorithm>

namespace ksmsim {

using namespace scenario;

std::vector<std::string> every_profile(const Scenario &s) {
  std::vector<std::string> out = {"v3.9"};
  for (const std::string &fix : known_fix_names())
    out.push_back(profile_text(ProfileSpec{"v3.9", {fix}}));
  std::string own = profile_text(ProfileSpec{s.kernel.version, s.kernel.without});
  if (std::find(out.begin(), out.end(), own) == out.end())
    out.insert(out.begin(), own);
  return out;
}

std::string text_table(const std::vector<std::string> &header,
                       const std::vector<std::vector<std::string>> &rows) {
  std::vector<std::size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string> &row) {
    for (std::size_t i = 0; i < row.size() && i < width.size(); i++)
      width[i] = std::max(width[i], row[i].size());
  };
  measure(header);
  for (const auto &row : rows)
    measure(row);
  auto line = [&](const std::vector<std::string> &row) {
    std::string out;
    for (std::size_t i = 0; i < row.size() && i < width.size(); i++)
      out += i + 1 < row.size() ? fmt::format("{:<{}}  ", row[i], width[i]) : row[i];
    out.erase(out.find_last_not_of(' ') + 1);
    return out + "\n";
  };
  std::string out = line(header);
  for (const auto &row : rows)
    out += line(row);
  return out;
}

namespace {

// The distinct names of one kind of record, in order, or "none".
std::string names_of(const std::vector<RunResult::KernelRecord> &records, const std::string &kind) {
  std::vector<std::string> names;
  for (const RunResult::KernelRecord &r : records) {
    if (r.kind != kind)
      continue;
    std::string name = kind == "detector" && !r.name.empty() ? r.name : r.function;
    if (std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  }
  return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

} // namespace

EveryProfileTable run_every_profile(const Scenario &s, const RunOptions &opt) {
  std::vector<std::vector<std::string>> rows;
  EveryProfileTable table;
  for (const std::string &profile : every_profile(s)) {
    RunOptions ro = opt;
    ro.kernel = profile;
    try {
      RunResult r = run_scenario(s, ro);
      rows.push_back({profile, std::to_string(r.exit_code), names_of(r.records, "BUG"),
                      names_of(r.records, "WARNING"), names_of(r.records, "detector"),
                      r.violations.empty() ? "ok" : "violated"});
      table.exit_code = std::max(table.exit_code, r.exit_code);
    } catch (const ScenarioError &e) {
      rows.push_back({profile, "2", e.what()});
      table.exit_code = 2;
    }
  }
  table.text = fmt::format("{} on every kernel profile:\n", s.name) +
               text_table({"profile", "exit", "oops", "warnings", "detectors", "invariants"}, rows);
  return table;
}

EveryProfileTable explore_every_profile(const Scenario &s, const std::string &text,
                                        const ExploreOptions &opt) {
  std::vector<std::vector<std::string>> rows;
  EveryProfileTable table;
  for (const std::string &profile : every_profile(s)) {
    ExploreOptions eo = opt;
    eo.run.kernel = profile;
    try {
      ExploreResult r = explore(s, text, eo);
      std::size_t refused = std::count_if(r.runs.begin(), r.runs.end(), [](const Placement &p) {
        return p.outcome == Placement::Outcome::Refused;
      });
      std::string first = "-";
      for (const Placement &p : r.runs)
        if (p.outcome == Placement::Outcome::Oops || p.outcome == Placement::Outcome::Violation) {
          first = fmt::format("at {} (time {}): {}", p.point, p.after, p.detail);
          break;
        }
      rows.push_back({profile, std::to_string(r.runs.size()), std::to_string(r.findings()),
                      std::to_string(r.runs.size() - r.findings() - refused),
                      std::to_string(refused), first});
      table.exit_code = std::max(table.exit_code, r.findings() ? 1 : 0);
    } catch (const ScenarioError &e) {
      rows.push_back({profile, "error", e.what()});
      table.exit_code = 2;
    }
  }
  table.text =
      fmt::format("explore {} on every kernel profile:\n", s.name) +
      text_table({"profile", "replays", "found", "clean", "refused", "first finding"}, rows);
  return table;
}

} // namespace ksmsim
