// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/suite.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/report/json_text.h"

namespace ksmsim {

namespace {

// The summary's last `result: ...` line, without "result: ".
std::string verdict(const std::string &summary) {
  const std::string key = "result: ";
  std::size_t at = summary.rfind("\n" + key);
  if (at == std::string::npos)
    return summary.rfind(key, 0) == 0 ? summary.substr(key.size(), summary.find('\n') - key.size())
                                      : "";
  at += 1 + key.size();
  return summary.substr(at, summary.find('\n', at) - at);
}

} // namespace

SuiteRun suite_run(const std::string &path, const RunResult &r) {
  SuiteRun s;
  s.path = path;
  s.exit_code = r.exit_code;
  s.summary = r.summary;
  s.result = verdict(r.summary);
  const ojson doc = ojson::parse(r.json);
  int held = 0, not_applicable = 0;
  std::string why_not;
  for (const ojson &step : doc.at("steps")) {
    const std::string result = step.at("result").get<std::string>();
    if (result == "not_applicable" && !step.at("failures").empty()) {
      not_applicable++;
      if (why_not.empty())
        why_not = step.at("failures")[0].get<std::string>();
    }
    if (result == "expect")
      held++;
    if (step.at("ok").get<bool>())
      continue;
    for (const ojson &f : step.at("failures"))
      s.failures.push_back(fmt::format("step {} (line {}) {}: {}", step.at("step").get<int>(),
                                       step.at("line").get<int>(),
                                       step.at("kind").get<std::string>(), f.get<std::string>()));
    if (step.at("failures").empty())
      s.failures.push_back(fmt::format("step {} (line {}) {}: {}", step.at("step").get<int>(),
                                       step.at("line").get<int>(),
                                       step.at("kind").get<std::string>(), result));
  }
  if (r.exit_code == 0 && held == 0 && not_applicable > 0)
    s.skip = fmt::format("no expectation is for kernel {} ({})",
                         doc.at("kernel").get<std::string>(), why_not);
  if (r.exit_code != 0) {
    s.oopses = r.oopses;
    s.violations = r.violations;
  }
  return s;
}

SuiteRun suite_error(const std::string &path, const std::string &message) {
  SuiteRun s;
  s.path = path;
  s.exit_code = 2;
  s.error = message;
  s.result = "ERROR";
  return s;
}

int worst_exit(const std::vector<SuiteRun> &runs) {
  int worst = 0;
  for (const SuiteRun &r : runs)
    worst = std::max(worst, r.exit_code);
  return worst;
}

void human_report(const std::vector<SuiteRun> &runs, bool quiet, std::string &out,
                  std::string &errors) {
  int passed = 0, failed = 0, broken = 0, skipped = 0;
  for (const SuiteRun &r : runs) {
    (r.exit_code == 0 ? passed : r.exit_code == 1 ? failed : broken)++;
    skipped += !r.skip.empty();
    if (r.exit_code == 2) {
      errors += r.error + "\n";
      continue;
    }
    if (!quiet || r.exit_code != 0)
      out += fmt::format("== {}\n{}", r.path, r.summary);
  }
  if (!quiet || passed != static_cast<int>(runs.size()))
    out += fmt::format("ran {} scenarios: {} passed ({} skipped), {} failed, {} could not run\n",
                       runs.size(), passed, skipped, failed, broken);
}

} // namespace ksmsim
