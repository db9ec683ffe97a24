// SPDX-License-Identifier: GPL-2.0-only
//
// The 2.6.32 seed's port (model/ksm/v2.6.32): what differs from v3.9.
// Every expected number is worked out from the seed's mm/ksm.c
// (/work/shared/seeds/002_ksm.c-code-only.txt), as the comments say.
#include "catch.h"

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "machine.h"
#include "model/check/invariants.h"
#include "model/ksm/v2.6.32/ksm.h"
#include "sim/inspect/dump_json.h"
#include "sim/inspect/dump_text.h"
#include "sim/inspect/snapshot.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "run_cli.h"

using namespace ksmsim;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;
const std::uint64_t A_WORD = 0x6161616161616161ULL;
const std::uint64_t B_WORD = 0x6262626262626262ULL;

KernelProfile seed_profile() {
  KernelProfile p;
  p.version = "v2.6.32";
  p.name = "v2.6.32";
  return p;
}

struct Seed : testing::MachineBase {
  explicit Seed(int nodes = 1) : MachineBase(nodes, seed_profile()) {}
  v2_6_32::Ksm &ksm() { return dynamic_cast<v2_6_32::Ksm &>(k.ksm); }
  std::pair<mm_struct *, std::uint64_t> process(const std::string &name, int pid,
                                                const std::vector<std::uint64_t> &words) {
    mm_struct *mm = k.mm_alloc(name, pid);
    std::uint64_t s = k.do_mmap_anon(mm, words.size(), -1);
    for (std::size_t i = 0; i < words.size(); i++)
      write(mm, s + i * P, words[i]);
    REQUIRE(k.sys_madvise(mm, s, words.size() * P, MADV_MERGEABLE) == 0);
    return {mm, s};
  }
  std::uint64_t show(const char *name) {
    std::uint64_t v = ~0ULL;
    REQUIRE(k.ksm.sysfs_show(name, &v));
    return v;
  }
  // The seed never drains the LRU-add pagevecs, whose reference fails
  // write_protect_page's count check: drain them as reclaim would have.
  void full_scan() {
    k.lru_add_drain();
    const std::uint64_t before = ksm().ksm_scan.seqnr;
    k.ksm.ksm_do_scan(100000);
    REQUIRE(ksm().ksm_scan.seqnr == before + 1);
    check_invariants();
  }
};

} // namespace

TEST_CASE("v2.6.32: only the seed's sysfs files, with its defaults", "[v2.6.32]") {
  Seed m;
  // ksm_attrs: sleep_millisecs, pages_to_scan, run, max_kernel_pages,
  // pages_shared, pages_sharing; none has an initialiser: all 0.
  CHECK(m.k.ksm.sysfs_files() == std::vector<std::string>{"sleep_millisecs", "pages_to_scan", "run",
                                                          "max_kernel_pages", "pages_shared",
                                                          "pages_sharing"});
  for (const char *f : {"sleep_millisecs", "pages_to_scan", "run", "max_kernel_pages"})
    CHECK(m.show(f) == 0);
  CHECK(m.k.ksm.sysfs_store("merge_across_nodes", "0\n") == -ENOENT);
  CHECK(m.k.ksm.sysfs_store("full_scans", "0\n") == -ENOENT);
  CHECK(m.k.ksm.sysfs_store("pages_shared", "0\n") == -EACCES);
  std::uint64_t v;
  CHECK_FALSE(m.k.ksm.sysfs_show("full_scans", &v));
  CHECK_FALSE(m.k.ksm.sysfs_show("pages_unshared", &v));
  // strict_strtoul: no '+', one trailing newline; run > 2 is EINVAL.
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "+5\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("pages_to_scan", "5\n") == 2);
  CHECK(m.k.ksm.sysfs_store("run", "3\n") == -EINVAL);
  CHECK(m.k.ksm.sysfs_store("max_kernel_pages", "7\n") == 2);
  CHECK(m.show("max_kernel_pages") == 7);
}

TEST_CASE("v2.6.32: the stable tree's node is an rmap_item, the KSM page a new frame",
          "[v2.6.32]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  const std::uint64_t a_pfn = m.k.page_to_pfn(m.mapped(a, sa));
  const std::uint64_t b_pfn = m.k.page_to_pfn(m.mapped(b, sb));
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan(); // scan 1: checksums recorded (oldchecksum was 0)
  CHECK(m.show("pages_shared") == 0);
  m.full_scan(); // scan 2: A0 into the unstable tree, B0 meets it
  // try_to_merge_two_pages: kpage from alloc_page, both mapped on it
  // (sharing += 2); stable_tree_insert makes A's rmap_item the node
  // (shared 1), B's is appended: pages_sharing shows 2 - 1.
  CHECK(m.show("pages_shared") == 1);
  CHECK(m.show("pages_sharing") == 1);
  page *kp = m.mapped(a, sa);
  REQUIRE(kp == m.mapped(b, sb));
  CHECK(Kernel::PageKsm(kp));
  CHECK(m.k.page_to_pfn(kp) != a_pfn);
  CHECK(m.k.page_to_pfn(kp) != b_pfn);
  CHECK(Kernel::page_mapcount(kp) == 2);
  CHECK_FALSE(Kernel::PageLRU(kp));           // never put on an LRU list
  CHECK(m.k.page_stable_node(kp) == nullptr); // no stable_node in the mapping
  rb_node *root = m.ksm().root_stable_tree.rb_node;
  REQUIRE(root);
  CHECK(root->rb_left == nullptr);
  CHECK(root->rb_right == nullptr);
  v2_6_32::rmap_item *node = v2_6_32::rmap_of_node(root);
  CHECK(node->mm == a);
  CHECK((node->address & v2_6_32::NODE_FLAG));
  CHECK((node->address & v2_6_32::STABLE_FLAG));
  REQUIRE(node->next);
  CHECK(node->next->mm == b);
  CHECK(node->next->prev == node);
  CHECK(node->next->next == nullptr);
  CHECK_FALSE((node->next->address & v2_6_32::NODE_FLAG));
}

TEST_CASE("v2.6.32: max_kernel_pages stops new KSM pages", "[v2.6.32]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("max_kernel_pages", "1\n") == 2);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // Scan 2: A0, A1 into the unstable tree; B0 meets A0: one KSM page
  // (shared 1); B1 meets A1, but try_to_merge_two_pages refuses: 1 <= 1.
  CHECK(m.show("pages_shared") == 1);
  CHECK(m.show("pages_sharing") == 1);
  CHECK(m.mapped(a, sa) == m.mapped(b, sb));
  CHECK(m.mapped(a, sa + P) != m.mapped(b, sb + P));
  REQUIRE(m.k.ksm.sysfs_store("max_kernel_pages", "0\n") == 2); // 0: unlimited
  m.full_scan(); // scan 3: B1 meets A1 again (unstable tree rebuilt): merged
  CHECK(m.show("pages_shared") == 2);
  CHECK(m.mapped(a, sa + P) == m.mapped(b, sb + P));
}

TEST_CASE("v2.6.32: run=2 unmerges everything and keeps the mm_slots", "[v2.6.32]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  REQUIRE(m.show("pages_shared") == 1);
  // unmerge_and_remove_all_rmap_items: break_ksm on every page of every
  // mergeable vma, then every rmap_item freed; the cursor is already at
  // ksm_mm_head (a full scan just ended), so seqnr stays 2.
  REQUIRE(m.k.ksm.sysfs_store("run", "2\n") == 2);
  CHECK(m.show("run") == 2);
  CHECK(m.show("pages_shared") == 0);
  CHECK(m.show("pages_sharing") == 0);
  CHECK(m.k.ksm.rmap_items() == 0);
  CHECK(m.k.ksm.slot_figures().size() == 2);
  CHECK(m.ksm().ksm_scan.seqnr == 2);
  CHECK_FALSE(Kernel::PageKsm(m.mapped(a, sa)));
  CHECK_FALSE(Kernel::PageKsm(m.mapped(b, sb)));
  CHECK(m.mapped(a, sa) != m.mapped(b, sb));
  CHECK_FALSE(m.k.ksm.ksmd_should_run());
  m.check_invariants();
}

TEST_CASE("v2.6.32: a KSM page is neither swapped out nor migrated", "[v2.6.32]") {
  Seed m(2);
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  page *kp = m.mapped(a, sa);
  REQUIRE(Kernel::PageKsm(kp));
  // Reclaim and migration isolate from the LRU first; kpage never was on it.
  CHECK_FALSE(m.k.shrink_page(kp, false));
  CHECK(m.mapped(a, sa) == kp);
  CHECK(m.k.migrate_page_to_node(kp, 1) == -EBUSY);
  CHECK(m.mapped(b, sb) == kp);
  CHECK(m.k.page_to_nid(kp) == 0);
  m.check_invariants();
}

TEST_CASE("profiles: kernels:, if_kernel, and a counter the profile lacks", "[v2.6.32][parser]") {
  using namespace ksmsim::scenario;
  const std::string text = "scenario: t\n"
                           "kernels: [v3.9, v2.6.32]\n"
                           "steps:\n"
                           "  - expect: {if_kernel: v3.9, full_scans: 0}\n"
                           "  - expect: {if_not_kernel: v3.9, max_kernel_pages: 0}\n";
  Scenario s = parse_text(text, "t.yaml");
  CHECK(s.kernels == std::vector<std::string>{"v3.9", "v2.6.32"});
  CHECK(s.kernel.version == "v3.9"); // no kernel: line: the first listed
  for (const char *version : {"v3.9", "v2.6.32"}) {
    RunOptions o;
    o.kernel = version;
    CHECK(run_scenario(s, o).exit_code == 0); // each block only where its counter exists
  }
  // Without the guard, v2.6.32 has no full_scans file: a defect of the file.
  Scenario bad =
      parse_text("scenario: t\nkernel: v2.6.32\nsteps:\n  - expect: {full_scans: 0}\n", "bad.yaml");
  try {
    run_scenario(bad, RunOptions{});
    FAIL("no ScenarioError");
  } catch (const ScenarioError &e) {
    CHECK(std::string(e.what()).find("bad.yaml:4:") != std::string::npos);
  }
  CHECK_THROWS_AS(parse_text("scenario: t\nkernel: {version: v2.6.32, without: [uptodate-copy]}\n"
                             "steps:\n  - sleep: 1ms\n",
                             "w.yaml"),
                  ScenarioError);
  CHECK_THROWS_AS(
      parse_text("scenario: t\nkernel: v2.6.32\nkernels: [v3.9]\nsteps:\n  - sleep: 1ms\n",
                 "k.yaml"),
      ScenarioError);
}

TEST_CASE("v2.6.32: a forked KSM page outside the stable tree is legal", "[v2.6.32][invariants]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  page *kp = m.mapped(a, sa);
  REQUIRE(Kernel::PageKsm(kp));
  // dup_mmap: C's pte maps the KSM page; C has no rmap_item yet. Then A and
  // B exit: __ksm_exit frees their rmap_items at once (the node and its
  // list: shared 0, sharing 0) while C still maps the KSM page.
  mm_struct *c = m.k.do_fork(a, "C", 1002);
  m.k.mmput(a);
  m.k.mmput(b);
  CHECK(m.show("pages_shared") == 0);
  CHECK(m.show("pages_sharing") == 0);
  CHECK(m.ksm().root_stable_tree.rb_node == nullptr);
  REQUIRE(m.mapped(c, sa) == kp);
  CHECK(Kernel::PageKsm(kp));
  m.check_invariants(); // legal in the seed: nothing to flag
  // Scan: cmp_and_merge_page finds no node, sees PageKsm -> break_cow.
  m.full_scan();
  CHECK(m.mapped(c, sa) != kp);
  CHECK_FALSE(Kernel::PageKsm(m.mapped(c, sa)));
}

TEST_CASE("v2.6.32: the checker knows the seed's unstable tree", "[v2.6.32][invariants]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  // Scan 2 (seqnr 1): A0 and A1 into the unstable tree (NODE_FLAG | 1); its
  // end makes seqnr 2 and leaves the cursor at ksm_mm_head: that tree is
  // dead until scan 3 resets it, so nothing in it is checked.
  m.full_scan();
  REQUIRE(m.ksm().root_unstable_tree.rb_node);
  m.ksm().ksm_scan.seqnr += 5; // (a dead tree's ages are never read)
  m.check_invariants();
  m.ksm().ksm_scan.seqnr -= 5;
  // Scan 3's first page: root_unstable_tree = RB_ROOT, then A0 (checksum
  // unchanged) is inserted with NODE_FLAG | 2, age 0; the cursor is at A.
  m.k.ksm.ksm_do_scan(1);
  m.check_invariants();
  rb_node *root = m.ksm().root_unstable_tree.rb_node;
  REQUIRE(root);
  CHECK(root->rb_left == nullptr);
  CHECK(root->rb_right == nullptr);
  v2_6_32::rmap_item *item = v2_6_32::rmap_of_node(root);
  CHECK(item->mm == a);
  CHECK((item->address & ~PAGE_MASK) == (v2_6_32::NODE_FLAG | 2));
  auto first_violation = [&]() {
    std::vector<std::string> v = InvariantChecker::check(m.k);
    return v.empty() ? std::string() : v.front();
  };
  SECTION("a stable flag on an unstable node") {
    item->address |= v2_6_32::STABLE_FLAG;
    CHECK(first_violation().find("not NODE_FLAG alone") != std::string::npos);
    item->address &= ~v2_6_32::STABLE_FLAG;
  }
  SECTION("a node this scan did not insert") {
    item->address = (item->address & ~v2_6_32::SEQNR_MASK) | 1;
    CHECK(first_violation().find("was not inserted by this scan") != std::string::npos);
    item->address = (item->address & ~v2_6_32::SEQNR_MASK) | 2;
  }
  SECTION("an item of this scan left out of the tree") {
    // remove_rmap_item_from_tree would rb_erase a node the tree lacks.
    rb_erase(root, &m.ksm().root_unstable_tree);
    CHECK(first_violation().find("is not in root_unstable_tree") != std::string::npos);
    item->address &= PAGE_MASK; // in no tree now: legal again
  }
  m.check_invariants();
}

TEST_CASE("v2.6.32: a dump shows the seed's stable tree of rmap_items", "[v2.6.32][dump]") {
  Seed m;
  auto [a, sa] = m.process("A", 1000, {A_WORD, B_WORD});
  auto [b, sb] = m.process("B", 1001, {A_WORD});
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.full_scan();
  m.full_scan();
  // Scan 2: A0 ('a') and A1 ('b') into the unstable tree; B0 meets A0: a new
  // kpage, A0's rmap_item the stable node, B0 on its list; A0 rb_erased from
  // the unstable tree, which keeps A1.
  ScenarioNames names;
  names.vmas["A"] = {{"heap", sa, 2}};
  names.vmas["B"] = {{"heap", sb, 1}};
  KsmSnapshot s = take_snapshot(m.k, names);
  CHECK(s.kernel == "v2.6.32");
  std::vector<std::string> counters;
  for (const auto &[name, value] : s.counters)
    counters.push_back(name);
  CHECK(counters ==
        std::vector<std::string>{"pages_shared", "pages_sharing", "stable_nodes", "rmap_items"});
  REQUIRE(s.stable_trees.size() == 1);
  REQUIRE(s.stable_trees[0].nodes.size() == 1);
  CHECK(s.stable_trees[0].of_rmap_items);
  const TreeNodeView &node = s.stable_trees[0].nodes[0];
  CHECK(s.rmaps.at(node.id).name == "A:heap[0]");
  REQUIRE(node.list.size() == 1);
  CHECK(s.rmaps.at(node.list[0]).name == "B:heap[0]");
  CHECK(s.rmaps.at(node.list[0]).list_node == node.id);
  const std::uint64_t kpfn = m.k.page_to_pfn(m.mapped(a, sa));
  CHECK(s.rmaps.at(node.id).kpage == fmt::format("pfn {}, PageKsm, node 0", kpfn));
  REQUIRE(s.unstable_trees.size() == 1);
  REQUIRE(s.unstable_trees[0].nodes.size() == 1);
  CHECK(s.rmaps.at(s.unstable_trees[0].nodes[0].id).name == "A:heap[1]");
  CHECK(s.migrate_nodes.empty());
  CHECK(s.stables.empty());
  REQUIRE(s.slots.size() == 2);
  CHECK(s.cursor.slot_id == 0); // between full scans: ksm_mm_head
  CHECK(s.cursor.seqnr == 2);

  const std::string text = dump_text(s);
  CHECK(text.find("(v2.6.32: no stable_node, no NUMA)") != std::string::npos);
  CHECK(text.find("counters: pages_shared 1, pages_sharing 1, stable_nodes 1, rmap_items 3\n") !=
        std::string::npos);
  CHECK(text.find(fmt::format("black node A:heap[0] [{}] fill 'a' (pfn {}, PageKsm, node 0) -- 1 "
                              "more rmap_item(s) on its list: B:heap[0]",
                              handle_text(HandleKind::rmap_item, node.id), kpfn)) !=
        std::string::npos);
  CHECK(text.find("migrate_nodes") == std::string::npos);
  CHECK(text.find("stable#") == std::string::npos);
  CHECK(text.find("B:heap[0] [" + handle_text(HandleKind::rmap_item, node.list[0]) +
                  "] STABLE on A:heap[0]") != std::string::npos);
  CHECK(text.find("A:heap[1]") != std::string::npos);
  CHECK(text.find("UNSTABLE age 1") != std::string::npos); // inserted at seqnr 1, now 2

  nlohmann::json j = nlohmann::json::parse(dump_json(s));
  CHECK(j["kernel"] == "v2.6.32");
  CHECK_FALSE(j["counters"].contains("full_scans"));
  CHECK(j["stable_trees"][0]["nodes"][0]["rmap_item"] == node.id);
  CHECK(j["stable_trees"][0]["nodes"][0]["stable_list"] ==
        std::vector<std::uint32_t>{node.list[0]});
  CHECK(j["stable_nodes"].empty());
}

// ---- the CLI on v2.6.32: --list-kernels, the man pages, dumps, step, trace

namespace {
std::string source_file(const std::string &rel) {
  std::ifstream f(std::string(KSMSIM_SOURCE_DIR) + "/" + rel);
  REQUIRE(f);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
const std::string EXIT_YAML = std::string(KSMSIM_SOURCE_DIR) + "/scenarios/basics/exit.yaml";
} // namespace

TEST_CASE("v2.6.32: --list-kernels and the man pages say what the seed is", "[v2.6.32][cli]") {
  const test::CliOutput list = test::run_cli("--list-kernels");
  REQUIRE(list.code == 0);
  std::istringstream rows(list.text);
  std::string seed_row;
  for (std::string row; std::getline(rows, row);)
    if (row.rfind("v2.6.32  ", 0) == 0)
      seed_row = row;
  INFO(list.text);
  CHECK(seed_row.find("as first merged (2.6.32 development") != std::string::npos);
  CHECK(seed_row.find("not the 2.6.32 release") != std::string::npos);
  // Every man page whose --kernel lists profiles names the seed.
  for (const char *page :
       {"docs/man/ksmsim.1", "docs/man/ksmsim-run.1", "docs/man/ksmsim-explore.1",
        "docs/man/ksmsim-step.1", "docs/man/ksmsim-report.1"}) {
    INFO(page);
    CHECK(source_file(page).find("v2.6.32") != std::string::npos);
  }
}

TEST_CASE("v2.6.32: ksmsim run --dump-at shows the seed's own objects", "[v2.6.32][cli][dump]") {
  // exit.yaml's step 11 is the wait for 2 full scans. Scan 2 on the seed:
  // A1 met A0 in the unstable tree, so A0's rmap_item (tree_rmap_item) is
  // what stable_tree_insert makes the node; A1..A5 and B0..B5 are on its
  // list (11 more: ksm_pages_sharing 12, shown 12 - 1); B6, B7 unmerged
  // (the LRU-add pagevec holds them); A6, A7 in the unstable tree.
  const test::CliOutput text =
      test::run_cli(fmt::format("run '{}' --kernel v2.6.32 --quiet --dump-at 11", EXIT_YAML));
  INFO(text.text);
  REQUIRE(text.code == 0);
  CHECK(text.text.find("ksm state at step 11, ") != std::string::npos);
  CHECK(text.text.find(" ms (v2.6.32: no stable_node, no NUMA)\n") != std::string::npos);
  CHECK(text.text.find("counters: pages_shared 1, pages_sharing 11, stable_nodes 1, "
                       "rmap_items 16") != std::string::npos);
  CHECK(text.text.find("stable tree root_stable_tree: 1 node(s)") != std::string::npos);
  CHECK(text.text.find("black node A:heap[0] ") != std::string::npos);
  CHECK(text.text.find("-- 11 more rmap_item(s) on its list: ") != std::string::npos);
  CHECK(text.text.find("unstable tree root_unstable_tree: 2 node(s)") != std::string::npos);
  CHECK(text.text.find("STABLE on A:heap[0]") != std::string::npos);
  CHECK(text.text.find("migrate_nodes") == std::string::npos);
  CHECK(text.text.find("pages_unshared") == std::string::npos);
  for (const char *format : {"json", "dot"}) {
    INFO(format);
    const test::CliOutput o = test::run_cli(fmt::format(
        "run '{}' --kernel v2.6.32 --quiet --dump-at 11 --dump-format {}", EXIT_YAML, format));
    REQUIRE(o.code == 0);
    CHECK(o.text.find("A:heap[0]") != std::string::npos);
    CHECK(o.text.find("stable#") == std::string::npos);
  }
}

TEST_CASE("v2.6.32: ksmsim step reads the seed's objects and says it has no narration",
          "[v2.6.32][cli][step]") {
  // next 11: up to the wait for 2 full scans; then the seed's slots, rmap
  // list, a page and one page of a new scan (scan 3 begins at A's slot:
  // A0 is PageKsm with STABLE_FLAG, ksm_do_scan skips it).
  const test::CliOutput o = test::run_shell(fmt::format(
      "printf 'next 11\\nshow slots\\nshow rmap B\\nshow page B heap 0\\nshow stable\\nscan 1\\n' "
      "| '{}' step '{}' --kernel v2.6.32 --script - 2>&1",
      KSMSIM_BINARY, EXIT_YAML));
  INFO(o.text);
  REQUIRE(o.code == 0);
  CHECK(o.text.find("kernel v2.6.32: its port has no narration hooks") != std::string::npos);
  CHECK(o.text.find("  A: 8 rmap_items\n") != std::string::npos);
  CHECK(o.text.find("> (the list head: the next page starts a full scan)\nseqnr 2\n") !=
        std::string::npos);
  CHECK(o.text.find("  B:heap[0]: stable, on the list of A:heap[0]\n") != std::string::npos);
  CHECK(o.text.find("  B:heap[7]: in no tree, checksum ") != std::string::npos);
  CHECK(o.text.find("PageKsm, mapcount 12, count 12, no stable_node (v2.6.32") !=
        std::string::npos);
  CHECK(o.text.find("black node A:heap[0]") != std::string::npos);
  CHECK(o.text.find("ksmd scanned A:heap[0]: stable, a stable tree node\n") != std::string::npos);
  CHECK(o.text.find("not shown on") == std::string::npos);
}

TEST_CASE("v2.6.32: --trace writes the simulator's events (the seed has no tracepoints)",
          "[v2.6.32][cli][trace]") {
  test::ScratchDir dir("seed-trace");
  const test::CliOutput o = test::run_cli(
      fmt::format("run '{}' --kernel v2.6.32 --quiet --trace {} --trace-format ftrace", EXIT_YAML,
                  dir.file("t.trace")));
  INFO(o.text);
  REQUIRE(o.code == 0);
  const std::string t = dir.slurp("t.trace");
  CHECK(t.rfind("# tracer: nop\n", 0) == 0);
  CHECK(t.find("ksmsim_step: 15 exit line ") != std::string::npos);
  CHECK(t.find("ksmsim_exit: mm A") != std::string::npos);
  CHECK(t.find("ksmsim_sysfs_write: run 1") != std::string::npos);
  // The ksm_* tracepoints came with later kernels: none here.
  CHECK(t.find(" ksm_") == std::string::npos);
  // And the same bytes on a second run.
  REQUIRE(test::run_cli(fmt::format("run '{}' --kernel v2.6.32 --quiet --trace {}", EXIT_YAML,
                                    dir.file("u.trace")))
              .code == 0);
  CHECK(dir.slurp("u.trace") == t);
}

TEST_CASE("v2.6.32: --json names the seed's mm_slots and rmap_items", "[v2.6.32][cli][dump]") {
  // The handles a dump prints resolve through the report's names map.
  const test::CliOutput o =
      test::run_cli(fmt::format("run '{}' --kernel v2.6.32 --quiet --json -", EXIT_YAML));
  REQUIRE(o.code == 0);
  const nlohmann::json names = nlohmann::json::parse(o.text).at("names");
  std::vector<std::string> values;
  for (const auto &[handle, name] : names.items())
    values.push_back(name.get<std::string>());
  auto has = [&](const std::string &n) {
    return std::find(values.begin(), values.end(), n) != values.end();
  };
  CHECK(has("mm_slot A"));
  CHECK(has("mm_slot B"));
  CHECK(has("A:heap[0]"));
  CHECK(has("B:heap[7]"));
}
