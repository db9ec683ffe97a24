// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of `ksmsim step` (sim/step/, include/ksmsim/stepper.h): the
// narration of ksmd's pages from the port's branches, breakpoints, until,
// bad commands, completion; and `ksmsim run --trace-level explain` beside
// the default trace, which must stay byte-identical to before.
#include "catch.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "ksmsim/scenario.h"
#include "ksmsim/stepper.h"
#include "sim/step/completion.h"
#include "sim/step/session.h"

using namespace ksmsim;

namespace {

const std::string FORK_TWO = std::string(KSMSIM_SOURCE_DIR) + "/tests/data/step/fork-two.yaml";

// The session's output for a script, run in this process.
std::string session(const std::string &script, const std::string &file = FORK_TWO) {
  Stepper st(scenario::parse_file(file), RunOptions{});
  std::istringstream in(script);
  std::ostringstream out;
  StepSession s(
      st, out,
      [&](const std::string &) -> std::optional<std::string> {
        std::string line;
        if (!std::getline(in, line))
          return std::nullopt;
        return line;
      },
      true);
  REQUIRE(s.run() == 0);
  return out.str();
}

std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Runs the built binary; returns its stdout and sets *status.
std::string ksmsim_cli(const std::string &args, int *status) {
  std::string cmd = std::string("'") + KSMSIM_BINARY + "' " + args + " 2>&1";
  FILE *p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
    out.append(buf, n);
  *status = pclose(p);
  return out;
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

std::string tmp_path(const std::string &name) {
  return (std::filesystem::temp_directory_path() / ("ksmsim-step-" + name)).string();
}

} // namespace

// Checked by hand against ksm.cpp once: scan 1 only takes each page's
// checksum (oldchecksum was 0: volatile); scan 2 inserts A:heap[0] in the
// unstable tree, A:heap[1] hits it and both become the new KSM page,
// B:heap[0] (A's page P0 shared by fork, now replaced) hits the stable tree,
// and B:heap[1] maps the KSM page already (P1 was A:heap[1]'s page, which
// try_to_merge_one_page made the KSM page in place): "ksm page forked".
// Then B's write breaks the COW of the KSM page in do_wp_page.
TEST_CASE("step: the narration of each page, from the port's branches") {
  std::string out = session("next 6\nscan 9\nnext\nshow page B heap 1\nshow page A heap 1\n");
  const char *expected =
      "(ksmsim) scan 9\n"
      "A:heap[0]: not in the stable tree, checksum 0adefe69 taken for the first time: volatile, "
      "skipped\n"
      "A:heap[1]: not in the stable tree, checksum 0adefe69 taken for the first time: volatile, "
      "skipped\n"
      "B:heap[0]: not in the stable tree, checksum 0adefe69 taken for the first time: volatile, "
      "skipped\n"
      "B:heap[1]: not in the stable tree, checksum 0adefe69 taken for the first time: volatile, "
      "skipped\n"
      "-- full scan done: full_scans 1\n"
      "A:heap[0]: not in the stable tree, checksum unchanged, inserted into the unstable tree of "
      "node 0\n"
      "A:heap[1]: not in the stable tree, checksum unchanged, unstable tree hit A:heap[0], "
      "A:heap[0] taken out of this scan's unstable tree, merged into new KSM page stable#1 (pfn "
      "2, node 0)\n"
      "B:heap[0]: stable tree hit stable#1 (pfn 2, node 0), merged\n"
      "B:heap[1]: already a KSM page, of stable#1 (pfn 2, node 0) (ksm page forked), merged\n"
      "-- full scan done: full_scans 2\n"
      "A:heap[0]: already merged into stable#1 (pfn 2, node 0): nothing to do\n"
      "(ksmsim) next\n"
      "step 7 (line 13): write\n"
      "B:heap[1]: write to KSM page pfn 2 of stable#1 (pfn 2, node 0): COW broken, now pfn 1\n"
      "(ksmsim) show page B heap 1\n"
      "B:heap[1] at 0x7ffff7ffe000: pte pfn 1 (writable, dirty), not PageKsm, mapcount 1, "
      "count 2\n" // the LRU-add pagevec's reference
      "(ksmsim) show page A heap 1\n"
      "A:heap[1] at 0x7ffff7ffe000: pte pfn 2 (read-only, clean), PageKsm, mapcount 3, count 3, "
      "stable#1 (pfn 2, node 0)\n";
  CHECK(out.substr(out.find("(ksmsim) scan 9")) == expected);
}

TEST_CASE("step: show counters, stable, unstable, rmap, slots") {
  std::string out = session("next 6\nscan 6\nshow counters\nshow unstable\nshow stable\n"
                            "show rmap A\nshow slots\n");
  CHECK(out.find("pages_shared 1\npages_sharing 1\npages_unshared 0\npages_volatile 2\n"
                 "full_scans 1\n") != std::string::npos);
  // The dump module's sections (sim/inspect/dump_text.cpp): A:heap[1] met
  // A:heap[0] in the unstable tree, which it left for the new stable node.
  CHECK(out.find("unstable tree root_unstable_tree[0]: 0 node(s)\n(ksmsim)") != std::string::npos);
  CHECK(out.find("stable tree root_stable_tree[0]: 1 node(s)\n  black stable#1 (pfn 2, node 0) "
                 "[ffff888300000040] fill 'a' -- 2 rmap_item(s): A:heap[1], A:heap[0]\n"
                 "migrate_nodes: 0 node(s)\n") != std::string::npos);
  CHECK(out.find("  A:heap[1]: stable, on stable#1 (pfn 2, node 0), checksum 0adefe69\n") !=
        std::string::npos);
  // The cursor is still on A, past its last page.
  CHECK(
      out.find("> A: 2 rmap_items, next address A:0x7ffff7fff000\n  B: 2 rmap_items\nseqnr 1\n") !=
      std::string::npos);
}

TEST_CASE("step: break stops at the point, continue resumes") {
  std::string out = session("break stable_tree_search:cond_resched\nnext 7\nscan 7\nscan 1\n"
                            "show counters\ncontinue\nshow counters\n");
  // A:heap[1] made the first stable node: B:heap[0]'s search is the first
  // to walk a tree level.
  const std::string stop = "A:heap[1]: not in the stable tree, checksum unchanged, unstable tree "
                           "hit A:heap[0]";
  const std::string at = "break at stable_tree_search:cond_resched: ksmd (pid 42) in step 7, at 0 "
                         "ms\n  call path: ksm_scan_thread > ksm_do_scan > cmp_and_merge_page > "
                         "stable_tree_search\n";
  REQUIRE(out.find(stop) != std::string::npos);
  REQUIRE(out.find(at) != std::string::npos);
  CHECK(out.find(stop) < out.find(at));
  CHECK(out.find("(ksmsim paused) scan 1\nerror: paused at stable_tree_search:cond_resched: "
                 "continue first") != std::string::npos);
  // Paused inside B:heap[0]'s page: not merged yet; after continue it is.
  CHECK(out.find("(ksmsim paused) show counters\nrun 1\npages_to_scan 100\nsleep_millisecs 20\n"
                 "merge_across_nodes 1\npages_shared 1\npages_sharing 1\n") != std::string::npos);
  CHECK(out.find("(ksmsim paused) continue\nB:heap[0]: stable tree hit stable#1 (pfn 2, node 0), "
                 "merged\n(ksmsim) show counters\nrun 1\npages_to_scan 100\nsleep_millisecs 20\n"
                 "merge_across_nodes 1\npages_shared 1\npages_sharing 2\n") != std::string::npos);
}

TEST_CASE("step: a breakpoint in a step, and quit or EOF while paused") {
  std::string out = session("break __ksm_enter:unlock\nnext 5\nshow slots\nquit\nnext\n");
  CHECK(
      out.find("step 4 (line 10): madvise\nbreak at __ksm_enter:unlock: A (pid 1000) in step 4") !=
      std::string::npos);
  CHECK(out.find("(ksmsim paused) quit\n") != std::string::npos);
  CHECK(out.find("step 5") == std::string::npos);
  out = session("break __ksm_enter:unlock\nnext 4\n");
  CHECK(out.find("break at __ksm_enter:unlock") != std::string::npos);
}

TEST_CASE("step: until full_scans N") {
  std::string out = session("next 6\nuntil full_scans 3\nshow counters\nuntil full_scans 2\n");
  CHECK(out.find("(ksmsim) until full_scans 3\nfull_scans 3 after 12 pages\n") !=
        std::string::npos);
  CHECK(out.find("pages_shared 1\npages_sharing 3\npages_unshared 0\npages_volatile 0\n"
                 "full_scans 3\n") != std::string::npos);
  CHECK(out.find("(ksmsim) until full_scans 2\nfull_scans 3 after 0 pages\n") != std::string::npos);
  // run is still 0 before step 6: ksmd does not run.
  out = session("next 5\nuntil full_scans 1\nscan 3\n");
  CHECK(out.find("stopped at full_scans 0 after 0 pages: ksmd does not run\n") !=
        std::string::npos);
  CHECK(out.find("ksmd does not run: run is not 1, or no mm has madvised MADV_MERGEABLE\n") !=
        std::string::npos);
}

TEST_CASE("step: bad commands give an error line and the session goes on") {
  std::string out = session("frobnicate\nnext x\nnext 0\nscan 1 2\nshow\nshow nothing\n"
                            "show rmap Z\nshow page A heap 9\nshow page A heap -1\nuntil 3\n"
                            "break nowhere\ndelete ksm_do_scan:cond_resched\ncontinue\n"
                            "svg /nonexistent/dir/x.svg\n\n# a comment\nnext 1\nquit\nnext 1\n");
  for (const char *e :
       {"error: unknown command 'frobnicate' (try help)\n",
        "error: 'x' is not a count (a number from 1 to 1073741824)\n", "error: '0' is not a count",
        "error: usage: scan [N]\n",
        "error: usage: show counters|stable|unstable|slots|rmap MM|page MM VMA N\n",
        "error: unknown mm 'Z'\n", "error: no vma 'heap' in mm 'A'\n",
        "error: '-1' is not a page index\n", "error: usage: until full_scans N\n",
        "error: unknown preemption point 'nowhere'",
        "error: no breakpoint at ksm_do_scan:cond_resched\n", "error: not paused at a breakpoint\n",
        "error: cannot write /nonexistent/dir/x.svg\n", "step 1 (line 7): spawn\n"})
    CHECK(out.find(e) != std::string::npos);
  CHECK(out.find("step 2") == std::string::npos); // quit ended it
}

TEST_CASE("step: next runs to the end and prints the summary") {
  std::string out = session("next 20\nnext\nshow counters\n");
  CHECK(out.find("step 8 (line 14): wait\n  ksmd scanned 8 pages, 2 full scans; now at 20 ms\n") !=
        std::string::npos);
  CHECK(
      out.find("no steps left\nall steps run:\nscenario step-fork-two (kernel v3.9): 9 steps\n") !=
      std::string::npos);
  CHECK(out.find("result: PASS (1 expectations held, 0 failed)\n") != std::string::npos);
  CHECK(out.find("step 9 (line 15): expect\n  step 9 (line 15) expect: ok\n") != std::string::npos);
  CHECK(out.find("(ksmsim) next\nno steps left\n(ksmsim) show counters") != std::string::npos);
}

TEST_CASE("step: svg writes a picture of the trees") {
  std::string path = tmp_path("trees.svg");
  std::string out = session("next 6\nscan 6\nsvg " + path + "\n");
  CHECK(out.find("wrote " + path) != std::string::npos);
  std::string svg = slurp(path);
  CHECK(svg.rfind("<?xml", 0) == 0); // Graphviz's SVG (sim/inspect/svg.cpp)
  CHECK(svg.find("<svg ") != std::string::npos);
  CHECK(svg.find("stable#1") != std::string::npos);
  CHECK(svg.find("A:heap[1]") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("step: completion candidates") {
  CompletionNames n;
  n.mms = {"A", "B"};
  n.vmas = {{"A", {"heap", "stack"}}, {"B", {"heap"}}};
  n.points = {"ksm_do_scan:cond_resched", "stable_tree_search:cond_resched",
              "stable_tree_insert:cond_resched"};
  using V = std::vector<std::string>;
  CHECK(complete_word("", "s", n) == V{"scan", "show", "svg"});
  CHECK(complete_word("", "", n).size() == step_commands().size());
  CHECK(complete_word("show ", "", n) ==
        V{"counters", "page", "rmap", "slots", "stable", "unstable"});
  CHECK(complete_word("show ", "st", n) == V{"stable"});
  CHECK(complete_word("show rmap ", "", n) == V{"A", "B"});
  CHECK(complete_word("show page A ", "", n) == V{"heap", "stack"});
  CHECK(complete_word("show page  B ", "h", n) == V{"heap"});
  CHECK(complete_word("show page Z ", "", n).empty());
  CHECK(complete_word("show page A heap ", "", n).empty());
  CHECK(complete_word("break ", "stable_tree_", n) ==
        V{"stable_tree_insert:cond_resched", "stable_tree_search:cond_resched"});
  CHECK(complete_word("delete ", "ksm", n) == V{"ksm_do_scan:cond_resched"});
  CHECK(complete_word("until ", "", n) == V{"full_scans"});
  CHECK(complete_word("next ", "", n).empty());
}

TEST_CASE("step: the session's names for completion come from the scenario") {
  Stepper st(scenario::parse_file(FORK_TWO), RunOptions{});
  std::ostringstream out;
  StepSession s(
      st, out, [](const std::string &) { return std::optional<std::string>(); }, false);
  for (int i = 0; i < 5; i++)
    st.run_next_step();
  CompletionNames n = s.completion_names();
  CHECK(n.mms == std::vector<std::string>{"A", "B"});
  CHECK(n.vmas["B"] == std::vector<std::string>{"heap"});
  CHECK(std::find(n.points.begin(), n.points.end(), "break_ksm:cond_resched") != n.points.end());
}

TEST_CASE("step: ksmsim step --script, and --trace-level explain beside the default trace") {
  int status = 0;
  std::string script = tmp_path("cmds");
  {
    std::ofstream f(script);
    f << "next 7\nscan 8\nbogus\n";
  }
  std::string out = ksmsim_cli("step '" + FORK_TWO + "' --script '" + script + "'", &status);
  CHECK(status == 0);
  CHECK(out.find("error: unknown command 'bogus'") != std::string::npos);

  // The same pages in `run --trace-level explain`: the same lines.
  std::string trace = tmp_path("explain.trace"), plain = tmp_path("plain.trace");
  ksmsim_cli("run '" + FORK_TWO + "' --quiet --trace '" + trace + "' --trace-level explain",
             &status);
  CHECK(status == 0);
  std::vector<std::string> explained, narrated, rest;
  for (const std::string &l : lines_of(slurp(trace))) {
    std::size_t at = l.find("ksmsim_explain: ");
    if (at != std::string::npos)
      explained.push_back(l.substr(at + 16));
    else if (l[0] != '#')
      rest.push_back(l);
  }
  for (const std::string &l : lines_of(out))
    if (l.find("]: ") != std::string::npos)
      narrated.push_back(l);
  CHECK(explained.size() == 8);
  CHECK(explained == narrated);

  // Without it: byte-identical to the trace of the code before the hooks
  // (tests/data/step/fork-two.trace, written before the hooks and again, the
  // Perfetto markers and `# ksmsim name` lines being the only changes, when
  // those came), and to the explain
  // trace without its lines.
  ksmsim_cli("run '" + FORK_TWO + "' --quiet --trace '" + plain + "'", &status);
  CHECK(status == 0);
  std::string before = slurp(std::string(KSMSIM_SOURCE_DIR) + "/tests/data/step/fork-two.trace");
  CHECK(slurp(plain) == before);
  std::vector<std::string> plain_lines;
  for (const std::string &l : lines_of(before))
    if (l[0] != '#')
      plain_lines.push_back(l);
  CHECK(rest == plain_lines);

  ksmsim_cli("run '" + FORK_TWO + "' --trace '" + plain + "' --trace-level loud", &status);
  CHECK(WEXITSTATUS(status) == 2);
  out = ksmsim_cli("step '" + FORK_TWO + "' --script /nonexistent/cmds", &status);
  CHECK(WEXITSTATUS(status) == 2);
  for (const std::string &f : {script, trace, plain})
    std::filesystem::remove(f);
}

TEST_CASE("step: a Stepper run to the end gives run_scenario's result, byte for byte") {
  for (const char *name : {"basics/fork-cow.yaml", "basics/merge-across-nodes.yaml",
                           "coverage/stable-insert-stale-node.yaml"}) {
    INFO(name);
    scenario::Scenario s =
        scenario::parse_file(std::string(KSMSIM_SOURCE_DIR) + "/scenarios/" + name);
    RunOptions opt;
    opt.trace = true;
    RunResult whole = run_scenario(s, opt);
    Stepper st(s, opt);
    while (!st.done())
      st.run_next_step();
    RunResult stepped = st.finish();
    CHECK(stepped.trace == whole.trace);
    CHECK(stepped.summary == whole.summary);
    CHECK(stepped.json == whole.json);
    CHECK(stepped.exit_code == whole.exit_code);
  }
}

TEST_CASE("step: explain lines for COW breaks, stale nodes and another CPU's steps") {
  RunOptions opt;
  opt.trace = opt.explain = true;
  RunResult r =
      run_scenario(scenario::parse_file(std::string(KSMSIM_SOURCE_DIR) +
                                        "/scenarios/coverage/stable-insert-stale-node.yaml"),
                   opt);
  std::vector<std::string> explained;
  for (const std::string &l : lines_of(r.trace))
    if (std::size_t at = l.find("ksmsim_explain: "); at != std::string::npos)
      explained.push_back(l.substr(at + 16));
  auto has = [&](const std::string &line) {
    return std::find(explained.begin(), explained.end(), line) != explained.end();
  };
  // C's writes run on the other CPU at a point inside A:heap[1]'s scan:
  // their own lines, not phrases of A:heap[1]'s.
  CHECK(has("C:heap[0]: write to KSM page pfn 2 of stable#1 (pfn 2, node 0): COW broken, now pfn "
            "1"));
  // stable_tree_insert meets the stale node and gives up: break_cow on both
  // (each a COW break of the KSM page that has no stable node).
  CHECK(has("A:heap[1]: not in the stable tree, checksum unchanged, unstable tree hit A:heap[0], "
            "A:heap[0] taken out of this scan's unstable tree, stable#1 (pfn 2, node 0) is stale "
            "(its page is gone): removed from the stable tree, break_cow A:heap[0], write to KSM "
            "page pfn 4: COW broken, now pfn 3, break_cow A:heap[1], write to KSM page pfn 4: COW "
            "broken, now pfn 2"));
}
