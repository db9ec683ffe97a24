// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/report.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"
#include "sim/report/json.h"

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

int Report::exit_code(const Kernel &k) const {
  for (const Entry &e : entries_)
    if (e.what == Entry::What::StepFailed || (e.what == Entry::What::Expect && !e.failures.empty()))
      return 1;
  if (!k.oopses().empty() && !oops_expected_)
    return 1;
  if (!violations_.empty() && !violations_expected_)
    return 1;
  return 0;
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
    out += fmt::format("  oops: {} in {}: {} (step {}, {}.{:06} s)\n", o.kind, o.function,
                       o.message, o.step, o.time_us / 1000000, o.time_us % 1000000);
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
  out +=
      fmt::format("result: {} ({} expectations held, {} failed{})\n", code == 0 ? "PASS" : "FAIL",
                  held, failed, !k.oopses().empty() && !oops_expected_ ? ", unexpected oops" : "");
  return out;
}

std::string Report::json(Kernel &k) const {
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
  std::vector<std::string> oopses;
  for (const OopsRecord &o : k.oopses())
    oopses.push_back(fmt::format(
        "{{\"kind\": {}, \"function\": {}, \"message\": {}, \"step\": {}, \"time_us\": {}, "
        "\"call_path\": {}}}",
        json_string(o.kind), json_string(o.function), json_string(o.message), o.step, o.time_us,
        json_list(o.call_path)));
  std::vector<std::string> counters;
  for (const char *c : COUNTERS) {
    std::uint64_t v = 0;
    k.ksm.sysfs_show(c, &v);
    counters.push_back(fmt::format("\"{}\": {}", c, v));
  }
  int code = exit_code(k);
  return fmt::format(
      "{{\n  \"scenario\": {},\n  \"kernel\": {},\n  \"result\": \"{}\",\n  \"exit_code\": {},\n"
      "  \"steps\": [\n    {}\n  ],\n  \"oopses\": [{}],\n  \"invariant_violations\": {},\n"
      "  \"final\": {{\"time_us\": {}, {}, \"pages_scanned\": {}, \"frames_in_use\": {}}}\n}}\n",
      json_string(s_.name), json_string(profile_), code == 0 ? "pass" : "fail", code,
      fmt::join(entries, ",\n    "), fmt::join(oopses, ", "), json_list(violations_), k.now_us,
      fmt::join(counters, ", "), k.ksm.ksm_pages_scanned, k.frames_in_use());
}

} // namespace ksmsim
