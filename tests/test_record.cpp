// SPDX-License-Identifier: GPL-2.0-only
//
// ksmsim record: its refusals, and (only where asked, as root on a kernel
// with KSM) a live replay. CI never depends on a live KSM.
#include "catch.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ksmsim/record.h"
#include "ksmsim/scenario.h"

using namespace ksmsim;

namespace {
std::string run_cli(const std::string &args, int *status) {
  std::string cmd = std::string(KSMSIM_BINARY) + " " + args + " 2>&1";
  FILE *p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  *status = WEXITSTATUS(pclose(p));
  return out;
}
} // namespace

TEST_CASE("record refuses to run without being told it changes KSM", "[record]") {
  int status = 0;
  std::string out = run_cli(std::string("record ") + KSMSIM_SOURCE_DIR +
                                "/scenarios/basics/merge-two-processes.yaml",
                            &status);
  CHECK(status == 2);
  CHECK(out.find("--i-understand-this-changes-ksm") != std::string::npos);
}

TEST_CASE("record's preflight names what is missing", "[record]") {
  RecordOptions opt;
  opt.ksm_dir = "/nonexistent/ksm";
  std::string why = record_preflight(opt);
  CHECK(!why.empty());
  CHECK(
      (why.find("root") != std::string::npos || why.find("/nonexistent/ksm") != std::string::npos));
}

TEST_CASE("a live replay matches the kernel's counters (KSMSIM_LIVE_TESTS=1 only)",
          "[record][live]") {
  RecordOptions opt;
  if (!std::getenv("KSMSIM_LIVE_TESTS") || !record_preflight(opt).empty()) {
    WARN("skipped: set KSMSIM_LIVE_TESTS=1 and run as root on a kernel with KSM and tracefs");
    return;
  }
  scenario::Scenario s = scenario::parse_file(std::string(KSMSIM_SOURCE_DIR) +
                                              "/scenarios/basics/merge-two-processes.yaml");
  RecordResult r = record_live(s, opt);
  CHECK(r.exit_code == 0);
  CHECK(r.trace.find("ksm_merge_with_ksm_page") != std::string::npos);
  REQUIRE(!r.steps.empty());
  CHECK(r.steps.back().counters.at("pages_sharing") == 127);
}
