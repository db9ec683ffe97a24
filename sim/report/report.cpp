// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/report.h"

#include <algorithm>

#include <fmt/format.h>

#include "model/mm/kernel.h"
#include "sim/report/json.h"
#include "sim/run/expect.h"

namespace ksmsim {

namespace {
const char *COUNTERS[] = {"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
                          "full_scans"};

} // namespace

void Report::expectation(const scenario::Step &step, std::vector<std::string> failures) {
  entries_.push_back(
      {step.index, step.loc.line, step.kind, Entry::What::Expect, std::move(failures)});
}

void Report::step_failed(const scenario::Step &step, std::string why) {
  entries_.push_back(
      {step.index, step.loc.line, step.kind, Entry::What::StepFailed, {std::move(why)}});
}

void Report::skipped(const scenario::Step &step) {
  entries_.push_back({step.index, step.loc.line, step.kind, Entry::What::Skipped, {}});
}

void Report::not_applicable(const scenario::Step &step, std::string why) {
  entries_.push_back(
      {step.index, step.loc.line, step.kind, Entry::What::NotApplicable, {std::move(why)}});
}

void Report::violation(int step, std::uint64_t time_us, const char *when,
                       const std::vector<std::string> &v) {
  if (!violations_.empty())
    return;
  violation_step_ = step;
  violation_time_ = time_us;
  for (const auto &line : v)
    violations_.push_back(fmt::format("{} (step {}, {})", line, step, when));
}

std::vector<std::string> Report::unexpected(const Kernel &k) const {
  std::vector<std::string> why;
  auto expected = [](const std::vector<std::string> &names, const OopsRecord &r,
                     bool (*named)(const OopsRecord &, const std::string &)) {
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string &n) { return named(r, n); });
  };
  bool oops = false, warning = false, detector = false;
  for (const OopsRecord &r : k.oopses()) {
    oops |= is_oops(r) && !oops_expected_;
    warning |= is_warning(r) && !expected(warnings_expected_, r, names_function);
    detector |= is_detector(r) && !expected(detectors_expected_, r, names_detector);
  }
  // v1: an unexpected oops fails the run; the rest only under --strict.
  if (oops)
    why.push_back("unexpected oops");
  if (strict_ && warning)
    why.push_back("unexpected warning (--strict)");
  if (strict_ && detector)
    why.push_back("unexpected detector report (--strict)");
  if (strict_ && !violations_.empty() && !violations_expected_)
    why.push_back("unexpected invariant violation (--strict)");
  return why;
}

int Report::exit_code(const Kernel &k) const {
  for (const Entry &e : entries_)
    if (e.what == Entry::What::StepFailed || (e.what == Entry::What::Expect && !e.failures.empty()))
      return 1;
  return unexpected(k).empty() ? 0 : 1;
}

std::string Report::summary(Kernel &k) const {
  std::string out =
      fmt::format("scenario {} (kernel {}): {} steps\n", s_.name, profile_, s_.steps.size());
  int held = 0, failed = 0;
  for (const Entry &e : entries_) {
    switch (e.what) {
    case Entry::What::Expect:
      out += fmt::format("  step {} (line {}) expect: {}\n", e.step, e.line,
                         e.failures.empty() ? "ok" : "FAILED");
      (e.failures.empty() ? held : failed)++;
      break;
    case Entry::What::StepFailed:
      out += fmt::format("  step {} (line {}) {}: FAILED\n", e.step, e.line, e.kind);
      failed++;
      break;
    case Entry::What::Skipped:
      out += fmt::format("  step {} (line {}) {}: skipped (the kernel stopped)\n", e.step, e.line,
                         e.kind);
      break;
    case Entry::What::NotApplicable:
      out += fmt::format("  step {} (line {}) expect: not for this kernel ({})\n", e.step, e.line,
                         e.failures.front());
      continue;
    }
    for (const auto &f : e.failures)
      out += fmt::format("      {}\n", f);
  }
  for (const OopsRecord &o : k.oopses()) {
    const char *label = is_oops(o) ? "oops" : is_warning(o) ? "warning" : "detected";
    out += fmt::format("  {}: {} (step {}, {}.{:06} s)\n", label, oops_headline(o), o.step,
                       o.time_us / 1000000, o.time_us % 1000000);
    out += fmt::format("      call path: {}\n", fmt::join(o.call_path, " > "));
  }
  for (const auto &v : violations_)
    out += fmt::format("  invariant violated: {}\n", v);
  std::vector<std::string> counters;
  for (const char *c : COUNTERS) {
    std::uint64_t v = 0;
    k.ksm.sysfs_show(c, &v);
    counters.push_back(fmt::format("{} {}", c, v));
  }
  out += fmt::format("final at {} ms: {}\n", k.now_us / 1000, fmt::join(counters, ", "));
  int code = exit_code(k);
  std::string why;
  for (const std::string &w : unexpected(k))
    why += ", " + w;
  out += fmt::format("result: {} ({} expectations held, {} failed{})\n",
                     code == 0 ? "PASS" : "FAIL", held, failed, why);
  return out;
}

std::string Report::json(Kernel &k, const std::string &extra_members) const {
  std::vector<std::string> entries;
  for (const Entry &e : entries_) {
    const char *what = e.what == Entry::What::Expect          ? "expect"
                       : e.what == Entry::What::StepFailed    ? "step_failed"
                       : e.what == Entry::What::NotApplicable ? "not_applicable"
                                                              : "skipped";
    entries.push_back(
        fmt::format("{{\"step\": {}, \"line\": {}, \"kind\": {}, \"result\": \"{}\", \"ok\": {}, "
                    "\"failures\": {}}}",
                    e.step, e.line, json_string(e.kind), what,
                    e.what != Entry::What::StepFailed &&
                            (e.failures.empty() || e.what == Entry::What::NotApplicable)
                        ? "true"
                        : "false",
                    json_list(e.failures)));
  }
  std::vector<std::string> oopses, warnings, detectors;
  for (const OopsRecord &o : k.oopses()) {
    std::string extra = is_warning(o) && !o.site.empty() ? ", \"site\": " + json_string(o.site)
                        : is_detector(o)                 ? ", \"name\": " + json_string(o.name)
                                                         : "";
    (is_oops(o)      ? oopses
     : is_warning(o) ? warnings
                     : detectors)
        .push_back(fmt::format("{{\"kind\": {}, \"function\": {}, \"message\": {}{}, "
                               "\"step\": {}, \"time_us\": {}, \"call_path\": {}}}",
                               json_string(o.kind), json_string(o.function), json_string(o.message),
                               extra, o.step, o.time_us, json_list(o.call_path)));
  }
  std::vector<std::string> counters;
  for (const char *c : COUNTERS) {
    std::uint64_t v = 0;
    k.ksm.sysfs_show(c, &v);
    counters.push_back(fmt::format("\"{}\": {}", c, v));
  }
  int code = exit_code(k);
  return fmt::format(
      "{{\n  \"scenario\": {},\n  \"kernel\": {},\n  \"result\": \"{}\",\n  \"exit_code\": {},\n"
      "  \"steps\": [\n    {}\n  ],\n  \"oopses\": [{}],\n  \"warnings\": [{}],\n"
      "  \"detector_reports\": [{}],\n  \"invariant_violations\": {},\n"
      "  \"final\": {{\"time_us\": {}, {}, \"pages_scanned\": {}, \"frames_in_use\": {}}}{}\n}}\n",
      json_string(s_.name), json_string(profile_), code == 0 ? "pass" : "fail", code,
      fmt::join(entries, ",\n    "), fmt::join(oopses, ", "), fmt::join(warnings, ", "),
      fmt::join(detectors, ", "), json_list(violations_), k.now_us, fmt::join(counters, ", "),
      k.ksm.ksm_pages_scanned, k.frames_in_use(), extra_members);
}

} // namespace ksmsim
