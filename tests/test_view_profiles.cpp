// SPDX-License-Identifier: GPL-2.0-only
//
// The see-inside outputs on every profile (issue 12): a v6.15 dump of a
// chain with its dups checked by hand against 6.15 mm/ksm.c; the counters
// of the timeline, the run JSON's final and Simulation::counters() list
// only the profile's own files (absent on v2.6.32, never 0) and v6.15's
// 6.x files; `step`'s show commands on v6.15; the narration note.

#include "catch.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

#include "inspect_helpers.h"
#include "ksmsim/simulation.h"

using namespace ksmsim;
using inspect_test::run_file;
using inspect_test::source;

namespace {

const std::string CHAIN = source("scenarios/basics/chain-max-page-sharing.yaml");
const std::string MERGE_TWO = source("scenarios/basics/merge-two-processes.yaml");

std::string cli(const std::string &args, int *status) {
  std::string cmd = std::string("'") + KSMSIM_BINARY + "' " + args;
  FILE *p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
    out.append(buf, n);
  *status = pclose(p);
  return out;
}

bool has_line_starting(const std::string &text, const std::string &prefix) {
  return text.starts_with(prefix) || text.find("\n" + prefix) != std::string::npos;
}

} // namespace

// chain-max-page-sharing (max_page_sharing 2, five pages of 'c' in A), after
// scan 2, by 6.15 mm/ksm.c:
// - p1 meets p0 in the unstable tree: try_to_merge_two_pages, then
//   stable_tree_insert makes dup stable#1 (kpfn p0's frame, pfn 2) and
//   stable_tree_append adds tree_rmap_item p0, then rmap_item p1, each by
//   hlist_add_head: the hlist reads p1, p0; rmap_hlist_len 2.
// - p2 finds stable#1 full (__is_page_sharing_candidate: 2 < 2 fails) and
//   goes unstable; p3 merges with it (pfn 4): stable_tree_insert finds
//   stable#1 equal, need_chain: alloc_stable_node_chain(stable#1) puts chain
//   stable#3 in its place (rmap_hlist_len STABLE_NODE_CHAIN = -1024, nid
//   NUMA_NO_NODE = -1, chain_prune_time = jiffies: 20 ms at HZ 250 = 5) with
//   stable#1 on its hlist, then stable_node_chain_add_dup(stable#2) adds the
//   new dup at the head: the chain's hlist reads stable#2, stable#1;
//   stable#2's hlist p3, p2.
// - p4 finds both dups full: unstable, inserted in scan seqnr 1, so age
//   (u8)(2 - 1) = 1 once ksm_scan.seqnr is 2.
// - Counters: pages_shared 2 (two dups), pages_sharing 2, pages_unshared 1
//   (p4), stable_node_chains 1, stable_node_dups 2, pages_scanned 10 (two
//   scans of 5), general_profit (2 + 0) * 4096 - 5 * 64 = 7872;
//   stable_nodes (ksmsim's: nodes in a tree) 1, the chain.
// - ksm_stat of A (fs/proc/base.c): ksm_rmap_items 5, ksm_zero_pages 0,
//   ksm_merging_pages 4, ksm_process_profit 4 * 4096 - 5 * 64 = 16064,
//   ksm_merge_any 0 (madvise, not prctl), ksm_mergeable 1.
// - The scan cursor: after the last mm, ksm_scan.mm_slot is &ksm_mm_head.
// The handles are the trace's (model/lib/trace.h: kind base + id * 0x40).
TEST_CASE("dump: v6.15 chain and dups, by hand from 6.15 mm/ksm.c") {
  RunOptions o;
  o.dump_at = {7};
  o.dump_format = "text";
  RunResult r = run_file(CHAIN, o);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.dumps.size() == 1);
  const std::string expected =
      "ksm state at step 7, 20.000 ms\n"
      "counters: pages_shared 2, pages_sharing 2, pages_unshared 1, pages_volatile 0, "
      "full_scans 2, stable_nodes 1, migrate_nodes 0, rmap_items 5, pages_scanned 10, "
      "pages_skipped 0, ksm_zero_pages 0, stable_node_chains 1, stable_node_dups 2, "
      "general_profit 7872\n"
      "stable tree root_stable_tree[0]: 1 node(s)\n"
      "  black chain stable#3 (chain, 2 dups, node -1) [ffff8883000000c0] rmap_hlist_len "
      "STABLE_NODE_CHAIN (-1024), chain_prune_time 5 -- 2 dup(s) on its hlist\n"
      "      dup stable#2 (pfn 4, node 0) [ffff888300000080] fill 'c' rmap_hlist_len 2 -- 2 "
      "rmap_item(s): A:heap[3], A:heap[2]\n"
      "      dup stable#1 (pfn 2, node 0) [ffff888300000040] fill 'c' rmap_hlist_len 2 -- 2 "
      "rmap_item(s): A:heap[1], A:heap[0]\n"
      "migrate_nodes: 0 node(s)\n"
      "unstable tree root_unstable_tree[0]: 1 node(s)\n"
      "  black A:heap[4] [ffff888200000140] fill 'c' (seqnr 1, age 1)\n"
      "mm_slots (scan order): 1\n"
      "  scan cursor: ksm_mm_head (a full scan starts next), address 0x7ffff7fff000, seqnr 2, "
      "next none\n"
      "  mm_slot A [ffff888500000040]: 5 rmap_item(s)\n"
      "    ksm_stat: ksm_rmap_items 5, ksm_zero_pages 0, ksm_merging_pages 4, "
      "ksm_process_profit 16064, ksm_merge_any 0, ksm_mergeable 1\n"
      "    A:heap[0] [ffff888200000040] STABLE stable#1 oldchecksum 0x9acc032e fill 'c'\n"
      "    A:heap[1] [ffff888200000080] STABLE stable#1 oldchecksum 0x9acc032e fill 'c'\n"
      "    A:heap[2] [ffff8882000000c0] STABLE stable#2 oldchecksum 0x9acc032e fill 'c'\n"
      "    A:heap[3] [ffff888200000100] STABLE stable#2 oldchecksum 0x9acc032e fill 'c'\n"
      "    A:heap[4] [ffff888200000140] UNSTABLE age 1 oldchecksum 0x9acc032e fill 'c'\n";
  CHECK(r.dumps[0].text == expected);

  // The same in JSON: the chain's dups, each dup's chain, rmap_hlist_len.
  o.dump_format = "json";
  nlohmann::json j = nlohmann::json::parse(run_file(CHAIN, o).dumps.at(0).text);
  REQUIRE(j["stable_nodes"].size() == 3);
  const nlohmann::json &chain = j["stable_nodes"][2];
  CHECK(chain["id"] == 3);
  CHECK(chain["chain"] == true);
  CHECK(chain["rmap_hlist_len"] == -1024);
  CHECK(chain["dups"] == nlohmann::json::array({2, 1}));
  CHECK(chain["rmap_items"].empty());
  CHECK(chain["stale"].empty());
  for (int i : {0, 1}) {
    CHECK(j["stable_nodes"][i]["dup_of"] == 3);
    CHECK(j["stable_nodes"][i]["rmap_hlist_len"] == 2);
    CHECK(j["stable_nodes"][i]["where"] == "dup of stable#3 in root_stable_tree[0]");
  }
  CHECK(j["counters"]["general_profit"] == 7872);
  CHECK(j["mm_slots"][0]["ksm_stat"]["ksm_process_profit"] == 16064);

  // And in dot: the dups hang off the chain by its hlist.
  o.dump_format = "dot";
  std::string dot = run_file(CHAIN, o).dumps.at(0).text;
  CHECK(dot.find("chain stable#3") != std::string::npos);
  CHECK(dot.find("s0_0 -> s0_0_dup0 [style=dashed, label=\"hlist\"") != std::string::npos);
  CHECK(dot.find("s0_0_dup0 -> s0_0_dup1") != std::string::npos);
}

TEST_CASE("counters: v2.6.32 lists only its own files, v3.9 none of 6.x's") {
  RunOptions o;
  o.timeline = true;
  o.kernel = "v2.6.32";
  RunResult seed = run_file(MERGE_TWO, o);
  REQUIRE(seed.exit_code == 0);
  std::string header = seed.timeline_csv.substr(0, seed.timeline_csv.find('\n'));
  CHECK(header.rfind("time_us,step,kind,label,pages_shared,pages_sharing,stable_nodes,"
                     "rmap_items",
                     0) == 0);
  for (const char *absent : {"pages_unshared", "pages_volatile", "full_scans", "migrate_nodes"}) {
    CHECK(header.find(absent) == std::string::npos);
    CHECK(seed.timeline_jsonl.find(absent) == std::string::npos);
    CHECK_FALSE(nlohmann::json::parse(seed.json)["final"].contains(absent));
  }
  o.kernel = "v3.9";
  RunResult v39 = run_file(MERGE_TWO, o);
  header = v39.timeline_csv.substr(0, v39.timeline_csv.find('\n'));
  CHECK(header.rfind("time_us,step,kind,label,pages_shared,pages_sharing,pages_unshared,"
                     "pages_volatile,full_scans,stable_nodes,migrate_nodes,rmap_items",
                     0) == 0);
  nlohmann::json fin = nlohmann::json::parse(v39.json)["final"];
  CHECK(fin.contains("full_scans"));
  CHECK_FALSE(fin.contains("general_profit"));
  CHECK_FALSE(fin.contains("stable_node_chains"));
}

TEST_CASE("counters: v6.15 adds its 6.x files to the timeline and the final") {
  RunOptions o;
  o.timeline = true;
  RunResult r = run_file(CHAIN, o);
  REQUIRE(r.exit_code == 0);
  std::string header = r.timeline_csv.substr(0, r.timeline_csv.find('\n'));
  CHECK(header.find(",rmap_items,pages_scanned,pages_skipped,ksm_zero_pages,stable_node_chains,"
                    "stable_node_dups,general_profit") != std::string::npos);
  nlohmann::json fin = nlohmann::json::parse(r.json)["final"];
  // The last checkpoint's figures (the scenario's comments derive them).
  CHECK(fin["stable_node_chains"] == 1);
  CHECK(fin["stable_node_dups"] == 2);
  CHECK(fin["general_profit"] == 7872);
  CHECK(fin["pages_skipped"] == 0);
  CHECK(fin["ksm_zero_pages"] == 0);
  CHECK(fin["full_scans"] == 3);
}

TEST_CASE("counters: Simulation::counters() leaves a file the profile lacks empty") {
  Simulation v615 = Simulation::from_file(CHAIN);
  v615.run_to_end();
  KsmCounters c = v615.counters();
  CHECK(c.stable_node_chains == std::optional<std::uint64_t>(1));
  CHECK(c.stable_node_dups == std::optional<std::uint64_t>(2));
  CHECK(c.general_profit == std::optional<std::int64_t>(7872));
  CHECK(c.full_scans == std::optional<std::uint64_t>(3));

  SimulationOptions o;
  o.kernel = "v2.6.32";
  Simulation seed = Simulation::from_file(MERGE_TWO, o);
  seed.run_to_end();
  KsmCounters s = seed.counters();
  CHECK_FALSE(s.pages_unshared.has_value());
  CHECK_FALSE(s.pages_volatile.has_value());
  CHECK_FALSE(s.full_scans.has_value());
  CHECK_FALSE(s.migrate_nodes.has_value());
  CHECK_FALSE(s.general_profit.has_value());
  CHECK(s.pages_sharing > 0);
}

TEST_CASE("step: show reads v6.15's chains and dups, explain notes no narration") {
  int status = 0;
  const std::string script = inspect_test::source("tests/data/step/v6.15-chain.cmds");
  std::string out = cli("step '" + CHAIN + "' --script '" + script + "' 2>&1", &status);
  CHECK(status == 0);
  CHECK(out.find("kernel v6.15: its port has no narration hooks") != std::string::npos);
  // p3 merged with p2 into dup stable#2, which stable_tree_insert chained.
  CHECK(out.find("ksmd scanned A:heap[3]: stable, on stable#2 (pfn 4, node 0), a dup of chain "
                 "stable#3") != std::string::npos);
  CHECK(has_line_starting(out, "      dup stable#1 (pfn 2, node 0)"));
  CHECK(out.find("A:heap[4]: unstable (scan 1)") != std::string::npos);
  CHECK(out.find("PageKsm, mapcount 2, count 2, stable#2 (pfn 4, node 0), a dup of chain "
                 "stable#3, rmap_hlist_len 2") != std::string::npos);
  CHECK(has_line_starting(out, "stable_node_dups 2"));

  // run --trace-level explain: the note once on stderr, stdout as without it.
  std::string with =
      cli("run '" + CHAIN + "' --trace /dev/null --trace-level explain 2>/dev/null", &status);
  std::string without = cli("run '" + CHAIN + "' --trace /dev/null 2>/dev/null", &status);
  CHECK(with == without);
  std::string err =
      cli("run '" + CHAIN + "' --trace /dev/null --trace-level explain 2>&1 >/dev/null", &status);
  CHECK(err == "ksmsim: run: note: kernel v6.15 has no narration (its port has no "
               "model/lib/narrate.h hooks): --trace-level explain adds no ksmsim_explain lines\n");
  // v3.9 narrates: no note.
  err = cli("run '" + MERGE_TWO +
                "' --kernel v3.9 --trace /dev/null --trace-level explain 2>&1 "
                ">/dev/null",
            &status);
  CHECK(err.empty());
}
