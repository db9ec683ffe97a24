// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/report.h"

#include <algorithm>

#include <fmt/format.h>

#include "model/mm/kernel.h"
#include "sim/run/expect.h"

namespace ksmsim {

namespace {
const char *COUNTERS[] = {"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
                          "full_scans"};
// 6.x's files, in the JSON's final after frames_in_use (additive): only a
// profile that has them (v6.15). general_profit and ksm_zero_pages are
// longs, shown as two's complement: signed again here.
const char *COUNTERS_6X[] = {"pages_skipped", "ksm_zero_pages", "stable_node_chains",
                             "stable_node_dups", "general_profit"};

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
    if (k.ksm.sysfs_show(c, &v)) // a profile without the file: not shown
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

ojson Report::json(Kernel &k) const {
  ojson steps = ojson::array();
  for (const Entry &e : entries_) {
    const char *what = e.what == Entry::What::Expect          ? "expect"
                       : e.what == Entry::What::StepFailed    ? "step_failed"
                       : e.what == Entry::What::NotApplicable ? "not_applicable"
                                                              : "skipped";
    const bool ok = e.what != Entry::What::StepFailed &&
                    (e.failures.empty() || e.what == Entry::What::NotApplicable);
    steps.push_back({{"step", e.step},
                     {"line", e.line},
                     {"kind", e.kind},
                     {"result", what},
                     {"ok", ok},
                     {"failures", e.failures}});
  }
  ojson oopses = ojson::array(), warnings = ojson::array(), detectors = ojson::array();
  for (const OopsRecord &o : k.oopses()) {
    ojson item = {{"kind", o.kind}, {"function", o.function}, {"message", o.message}};
    if (is_warning(o) && !o.site.empty())
      item["site"] = o.site;
    else if (is_detector(o))
      item["name"] = o.name;
    item["step"] = o.step;
    item["time_us"] = o.time_us;
    item["call_path"] = o.call_path;
    (is_oops(o) ? oopses : is_warning(o) ? warnings : detectors).push_back(std::move(item));
  }
  ojson final_state = {{"time_us", k.now_us}};
  for (const char *c : COUNTERS) {
    std::uint64_t v = 0;
    if (k.ksm.sysfs_show(c, &v)) // a file the profile lacks (v2.6.32's): absent, not 0
      final_state[c] = v;
  }
  final_state["pages_scanned"] = k.ksm.pages_scanned();
  final_state["frames_in_use"] = k.frames_in_use();
  for (const char *c : COUNTERS_6X) {
    std::uint64_t v = 0;
    if (k.ksm.sysfs_show(c, &v))
      final_state[c] = static_cast<std::int64_t>(v);
  }
  const int code = exit_code(k);
  return {{"format_version", RUN_JSON_FORMAT_VERSION},
          {"scenario", s_.name},
          {"kernel", profile_},
          {"result", code == 0 ? "pass" : "fail"},
          {"exit_code", code},
          {"steps", std::move(steps)},
          {"oopses", std::move(oopses)},
          {"warnings", std::move(warnings)},
          {"detector_reports", std::move(detectors)},
          {"invariant_violations", violations_},
          {"final", std::move(final_state)}};
}

} // namespace ksmsim
