// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run`'s options for seeing inside: --dump-at, --dump-each,
// --dump-format, --dump-dir, --timeline (CSV and .jsonl), --timeline-period,
// a `dump:` step's file, and their usage errors. Runs the built binary.

#include "catch.h"

#include "temp_dir.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using test_files::slurp;
using Dir = test_files::TempDir;

// Runs `ksmsim ARGS` in dir; returns the exit status, stdout in *out.
int ksmsim(const Dir &dir, const std::string &args, std::string *out = nullptr) {
  fs::path o = dir.path / "stdout", e = dir.path / "stderr";
  std::string cmd = "cd '" + dir.path.string() + "' && '" + KSMSIM_BINARY + "' " + args + " >'" +
                    o.string() + "' 2>'" + e.string() + "'";
  int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  if (out)
    *out = slurp(o);
  return WEXITSTATUS(status);
}

const std::string SMALL = std::string(KSMSIM_SOURCE_DIR) + "/tests/data/inspect/small-trees.yaml";

} // namespace

TEST_CASE("cli: --dump-at and --dump-each write step-NNN files to --dump-dir", "[cli][dump]") {
  Dir d;
  REQUIRE(ksmsim(d, "run '" + SMALL + "' --quiet --dump-at 3,11 --dump-dir dumps") == 0);
  CHECK(fs::exists(d.path / "dumps/step-003.txt"));
  CHECK(fs::exists(d.path / "dumps/step-011.txt"));
  CHECK(fs::exists(d.path / "dumps/step-012.txt")); // the scenario's own `dump: text`
  CHECK(slurp(d.path / "dumps/step-003.txt").rfind("ksm state at step 3,", 0) == 0);
  REQUIRE(ksmsim(d, "run '" + SMALL + "' --quiet --dump-each checkpoint --dump-format json " +
                        "--dump-dir each") == 0);
  CHECK(fs::exists(d.path / "each/step-012.txt"));  // dump: text
  CHECK(fs::exists(d.path / "each/step-012.json")); // and --dump-each's json
  CHECK(fs::exists(d.path / "each/step-013.json")); // expect
  CHECK(fs::exists(d.path / "each/step-014.json")); // sample
}

TEST_CASE("cli: dumps go to stdout without --dump-dir, before the summary", "[cli][dump]") {
  Dir d;
  std::string out;
  REQUIRE(ksmsim(d, "run '" + SMALL + "' --dump-at 11", &out) == 0);
  std::size_t first = out.find("ksm state at step 11,");
  std::size_t second = out.find("ksm state at step 12,");
  CHECK(first != std::string::npos);
  CHECK(second > first);
  CHECK(out.find("result: PASS") > second);
}

TEST_CASE("cli: --timeline writes CSV, or JSON Lines for .jsonl", "[cli][timeline]") {
  Dir d;
  REQUIRE(ksmsim(d, "run '" + SMALL + "' --quiet --timeline t.csv") == 0);
  std::string csv = slurp(d.path / "t.csv");
  CHECK(csv.rfind("time_us,step,kind,label,pages_shared,", 0) == 0);
  CHECK(csv.find("\n20000,11,batch,,1,1,5,0,2,1,0,7,7,2\n") != std::string::npos);
  CHECK(csv.find("sample,after two scans,") != std::string::npos);
  REQUIRE(ksmsim(d, "run '" + SMALL + "' --quiet --timeline t.jsonl --timeline-period 10ms") == 0);
  std::string jsonl = slurp(d.path / "t.jsonl");
  CHECK(jsonl.rfind("{\"time_us\": 0, \"step\": 11, \"kind\": \"batch\"", 0) == 0);
}

TEST_CASE("cli: svg dumps are the same bytes run after run", "[cli][svg]") {
  Dir d;
  int rc = ksmsim(d, "run '" + SMALL + "' --quiet --dump-at 12 --dump-format svg --dump-dir a");
  if (rc != 0) {
    WARN("no SVG (built without Graphviz?)");
    return;
  }
  REQUIRE(ksmsim(d, "run '" + SMALL + "' --quiet --dump-at 12 --dump-format svg --dump-dir b") ==
          0);
  std::string a = slurp(d.path / "a/step-012.svg");
  CHECK(a.find("<svg") != std::string::npos);
  CHECK(a == slurp(d.path / "b/step-012.svg"));
}

TEST_CASE("cli: bad inspect options are usage errors", "[cli]") {
  Dir d;
  CHECK(ksmsim(d, "run '" + SMALL + "' --dump-at x") == 2);
  CHECK(ksmsim(d, "run '" + SMALL + "' --dump-each always") == 2);
  CHECK(ksmsim(d, "run '" + SMALL + "' --dump-format png") == 2);
  CHECK(ksmsim(d, "run '" + SMALL + "' --timeline t.csv --timeline-period soon") == 2);
}
