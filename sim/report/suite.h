// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run` over several scenarios: what each run gave, and the three
// ways of reporting them (docs/run-suite.md): the human summaries, TAP
// version 13 (the kselftest convention) and JUnit XML. Every report lists
// the runs in the order given, whatever order they finished in.
#pragma once

#include <string>
#include <vector>

#include "ksmsim/runner.h"

namespace ksmsim {

struct SuiteRun {
  std::string path;
  int exit_code = 0;   // 0, 1 or 2 (as `ksmsim run PATH` alone)
  std::string summary; // the human summary (exit 0 and 1)
  std::string error;   // exit 2: what was wrong (the message `run` prints)
  std::string result;  // the summary's verdict: "PASS (3 expectations held, 0 failed)"
  std::vector<std::string> failures;   // "step 8 (line 14) expect: ..." for each that failed
  std::vector<std::string> oopses;     // oopses, warnings and detector reports (exit 1 only)
  std::vector<std::string> violations; // invariant violations (exit 1 only)
  std::string skip;                    // non-empty: why the run tested nothing (TAP `# SKIP`)
};

// From a finished run: failures and skip from its JSON document. A run is
// skipped when it passed and every `expect:` it has was not for its kernel.
SuiteRun suite_run(const std::string &path, const RunResult &r);
// A run that ended with exit 2.
SuiteRun suite_error(const std::string &path, const std::string &message);

// The worst exit status of the runs: 2 > 1 > 0.
int worst_exit(const std::vector<SuiteRun> &runs);

// `== PATH` and its summary for each run (only the failed ones with quiet),
// then a tally line; exit-2 messages go to errors, in order.
void human_report(const std::vector<SuiteRun> &runs, bool quiet, std::string &out,
                  std::string &errors);
// TAP version 13: the plan, then `ok N PATH` / `not ok N PATH` with a YAML
// block (message, severity, exit_status, failures, oopses,
// invariant_violations) for a failed one.
std::string tap_report(const std::vector<SuiteRun> &runs);
// <testsuites><testsuite><testcase> with <failure> (exit 1), <error> (exit
// 2) or <skipped>, and each run's summary in <system-out>.
std::string junit_report(const std::vector<SuiteRun> &runs);

} // namespace ksmsim
