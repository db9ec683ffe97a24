// SPDX-License-Identifier: GPL-2.0-only
//
// Dumps of trees corrupted by hand (a cycle, a wrong parent link, a freed
// stable_node's page taken away): every format shows them and ends.

#include "catch.h"

#include <nlohmann/json.hpp>

#include "machine.h"
#include "sim/inspect/dump.h"
#include "sim/inspect/dump_text.h"
#include "sim/inspect/snapshot.h"

using namespace ksmsim;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;

// One mm with distinct pages: after two full scans they are all in the
// unstable tree.
struct Corruptible : testing::MachineBase {
  ScenarioNames names;
  Corruptible() : MachineBase(1, KernelProfile{}) {
    mm_struct *mm = k.mm_alloc("A", 1000);
    std::uint64_t s = k.do_mmap_anon(mm, 6, -1);
    for (std::uint64_t i = 0; i < 6; i++)
      write(mm, s + i * P, fill_word(static_cast<std::uint8_t>('a' + i)));
    REQUIRE(k.sys_madvise(mm, s, 6 * P, MADV_MERGEABLE) == 0);
    REQUIRE(v39().run_store("1\n") > 0);
    for (int scan = 0; scan < 2; scan++)
      k.ksm.ksm_do_scan(100);
    v39().settle_unstable_tree(); // the tests rewrite its links
    names.vmas["A"].push_back({"heap", s, 6});
  }
  // The unstable tree links rmap_item ids (rb_node_id).
  std::uint32_t root() { return v39().root_unstable_tree[0].rb_node; }
  rb_node_id &node(std::uint32_t id) { return v39().rmap_at(id)->node; }
  void dump_all() {
    for (DumpFormat f : {DumpFormat::text, DumpFormat::json, DumpFormat::dot})
      CHECK(dump_state(k, names, f));
  }
};

// The unstable tree's leftmost leaf.
rb_node_id &leftmost(Corruptible &m, std::uint32_t n) {
  while (m.node(n).rb_left)
    n = m.node(n).rb_left;
  return m.node(n);
}

} // namespace

TEST_CASE("dump: a cycle in a tree is shown once and the walk ends", "[dump]") {
  Corruptible m;
  REQUIRE(m.root());
  KsmSnapshot before = take_snapshot(m.k, m.names);
  REQUIRE(before.unstable_trees[0].nodes.size() == 6);
  rb_node_id &leaf = leftmost(m, m.root());
  std::uint32_t saved = leaf.rb_left;
  leaf.rb_left = m.root(); // the leaf's left child is the root: a cycle
  KsmSnapshot s = take_snapshot(m.k, m.names);
  const TreeView &t = s.unstable_trees[0];
  REQUIRE(t.nodes.size() == 7); // the root once more, as a repeat
  std::size_t repeats = 0;
  for (const TreeNodeView &n : t.nodes)
    if (n.repeat) {
      repeats++;
      CHECK(n.id == t.nodes[0].id); // the root, reached from the leaf
      CHECK(!n.parent_ok);
    }
  CHECK(repeats == 1);
  std::string text = dump_text(s);
  CHECK(text.find("reached again: a cycle") != std::string::npos);
  m.dump_all();
  leaf.rb_left = saved;
}

TEST_CASE("dump: a wrong parent link, a stale stable node", "[dump]") {
  Corruptible m;
  rb_node_id &leaf = leftmost(m, m.root());
  std::uint32_t saved = leaf.__rb_parent_color;
  leaf.__rb_parent_color = (saved & 1) | rmap_rb_access::pc_of(m.node(m.root()).rb_right);
  std::string text = dump_text(take_snapshot(m.k, m.names));
  CHECK(text.find("its parent link points elsewhere") != std::string::npos);
  leaf.__rb_parent_color = saved;
}

TEST_CASE("dump: bounded walks cut a long tree and say so", "[dump]") {
  Corruptible m;
  KsmSnapshot s = take_snapshot(m.k, m.names, 3);
  CHECK(s.unstable_trees[0].truncated);
  CHECK(s.unstable_trees[0].nodes.size() == 3);
  CHECK(s.slots[0].truncated);
  nlohmann::json j = nlohmann::json::parse(*render_dump(s, DumpFormat::json));
  CHECK(j["unstable_trees"][0]["truncated"] == true);
}
