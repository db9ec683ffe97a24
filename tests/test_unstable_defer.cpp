// SPDX-License-Identifier: GPL-2.0-only
//
// Unstable tree inserts put off until something reads the tree
// (model/ksm/v3.9/unstable_defer.cpp): linked, they are the tree the
// kernel's walks build, which --no-shortcuts (k.shortcuts false) builds
// the kernel's way, insert by insert. (The readers in a scenario, each
// compared byte for byte with --no-shortcuts by the shortcut differential
// test: scenarios/coverage/unstable-inserts-put-off.yaml.)

#include <cstdint>
#include <vector>

#include "model/check/invariants.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/mm/content.h"
#include "tests/machine.h"

#include "tests/catch.h"

using namespace ksmsim;

namespace {

// N pages of distinct words (with `pairs`, every 16th a copy of the page
// before it), mergeable, run=1.
struct Distinct : testing::MachineBase {
  mm_struct *a = nullptr;
  std::uint64_t start = 0;
  static constexpr unsigned N = 3000;
  Distinct(bool shortcuts, bool pairs) : MachineBase(1, KernelProfile{}) {
    k.shortcuts = shortcuts;
    a = k.mm_alloc("A", 1000);
    start = k.do_mmap_anon(a, N, -1);
    for (unsigned i = 0; i < N; i++)
      write(a, start + std::uint64_t(i) * PAGE_SIZE,
            pairs && i % 16 == 15 ? splitmix64(i - 1) : splitmix64(i));
    REQUIRE(k.sys_madvise(a, start, std::uint64_t(N) * PAGE_SIZE, MADV_MERGEABLE) == 0);
    REQUIRE(k.ksm.sysfs_store("run", "1\n") == 2);
  }
  // n pages scanned (ksm_do_scan returns at the end of each full scan).
  void scan(unsigned n) {
    Ksm &ksm = v39();
    const std::uint64_t target = ksm.ops.pages_scanned + n;
    for (int calls = 0; ksm.ops.pages_scanned < target; calls++) {
      REQUIRE(calls < 100);
      ksm.ksm_do_scan(static_cast<unsigned>(target - ksm.ops.pages_scanned));
    }
  }
  // The root and the links of every rmap_item in the tree, in id order
  // (an item out of the tree may keep stale links, which nothing reads).
  std::vector<std::uint32_t> tree() {
    Ksm &ksm = v39();
    ksm.settle_unstable_tree();
    std::vector<std::uint32_t> v{ksm.root_unstable_tree[0].rb_node};
    for (std::uint32_t id = 1; id <= ksm.rmap_items_allocated(); id++) {
      const rmap_item *item = ksm.rmap_at(id);
      if (!item->mm || !ksm.in_unstable_tree(item))
        continue;
      const rb_node_id &n = item->node;
      v.insert(v.end(), {id, n.__rb_parent_color, n.rb_left, n.rb_right});
    }
    return v;
  }
  std::uint64_t counter(const char *name) {
    std::uint64_t v = 0;
    k.ksm.sysfs_show(name, &v);
    return v;
  }
};

} // namespace

TEST_CASE("unstable inserts put off: linked, they are the kernel's tree", "[unstable-defer]") {
  for (bool pairs : {false, true}) {
    INFO("pairs " << pairs);
    Distinct fast(true, pairs), walked(false, pairs);
    // Two full scans (the first only takes checksums), then half a third.
    for (Distinct *m : {&fast, &walked})
      m->scan(2 * Distinct::N + Distinct::N / 2);
    CHECK(walked.v39().deferred_inserts == 0);
    const std::uint64_t deferred = fast.v39().deferred_inserts;
    // Without pairs every insert of the second scan and of the third's
    // first half is put off: N + N/2 (the kernel's code: each page's
    // checksum is unchanged from scan 2 on, and no page shares its
    // content). With pairs, scan 2 puts off pages 0-13: page 14's
    // content is page 15's too, so its insert walks, and page 15's walk
    // merges the pair (an mm change: the rest of scan 2 walks, and every
    // pair merges). Scan 3 finds the pairs stable (no insert) and puts off
    // every other insert of its first half: 1500 pages less the 93 pairs
    // among them (i % 16 of 14 and 15 below 1500 = 93 * 16 + 12).
    if (!pairs)
      CHECK(deferred == Distinct::N + Distinct::N / 2);
    else
      CHECK(deferred == 14 + (Distinct::N / 2 - 2 * 93));
    // Before linking: every item inserted this scan counts as in the
    // tree, so the invariants hold as they are.
    fast.check_invariants();
    CHECK(fast.tree() == walked.tree());
    // A write, as a user step makes it (the runner counts every step as
    // an mm change), then the rest of the third scan: all walked.
    for (Distinct *m : {&fast, &walked}) {
      m->write(m->a, m->start + 5 * PAGE_SIZE, 0x6161616161616161ULL);
      m->k.mm_changed();
      m->scan(Distinct::N / 2 - 10);
    }
    CHECK(fast.tree() == walked.tree());
    CHECK(fast.v39().deferred_inserts == deferred);
    // The fourth scan puts inserts off again.
    for (Distinct *m : {&fast, &walked})
      m->scan(Distinct::N);
    CHECK(fast.v39().deferred_inserts > deferred);
    CHECK(fast.tree() == walked.tree());
    for (const char *name : {"pages_sharing", "pages_shared", "pages_unshared"})
      CHECK(fast.counter(name) == walked.counter(name));
    fast.check_invariants();
  }
}

TEST_CASE("unstable inserts put off: a page mapped twice or with a shared content walks",
          "[unstable-defer]") {
  testing::MachineBase m(1, KernelProfile{});
  mm_struct *a = m.k.mm_alloc("A", 1000);
  const std::uint64_t s = m.k.do_mmap_anon(a, 4, -1);
  for (unsigned i = 0; i < 4; i++)
    m.write(a, s + i * PAGE_SIZE, splitmix64(100 + i));
  REQUIRE(m.k.sys_madvise(a, s, 4 * PAGE_SIZE, MADV_MERGEABLE) == 0);
  SECTION("mapped twice: a fork's copy of the mm maps the same pages") {
    REQUIRE(m.k.do_fork(a, "B", 1001));
  }
  SECTION("a content another page holds") {
    mm_struct *b = m.k.mm_alloc("B", 1001);
    const std::uint64_t t = m.k.do_mmap_anon(b, 4, -1);
    for (unsigned i = 0; i < 4; i++)
      m.write(b, t + i * PAGE_SIZE, splitmix64(100 + i));
  }
  SECTION("a page with a poked byte") {
    for (unsigned i = 0; i < 4; i++) {
      page *p = m.mapped(a, s + i * PAGE_SIZE);
      REQUIRE(p);
      m.k.contents.poke(p->content, 100, 0x42);
    }
  }
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  Ksm &ksm = m.v39();
  for (int scan = 0; scan < 3; scan++)
    ksm.ksm_do_scan(100);
  CHECK(ksm.deferred_inserts == 0);
  m.check_invariants();
}

TEST_CASE("unstable inserts put off: none with a cost model counting the levels",
          "[unstable-defer]") {
  Distinct m(true, false);
  m.v39().ops.count_bytes = true; // Engine::set_cost_model's switch
  m.scan(3 * Distinct::N);
  CHECK(m.v39().deferred_inserts == 0);
  CHECK(m.v39().ops.unstable_levels > 0);
}

TEST_CASE("unstable inserts put off: linking them through a corrupt link is a detector report",
          "[unstable-defer][rbtree]") {
  Distinct m(true, false);
  m.scan(2 * Distinct::N - 10); // the second scan's inserts put off but the last 10
  Ksm &ksm = m.v39();
  REQUIRE(ksm.deferred_inserts == Distinct::N - 10);
  // Link the first half, as a reader would, then corrupt the root's
  // links (what only a simulator bug could do): the next inserts are put
  // off again, and linking them meets the bad link.
  ksm.settle_unstable_tree();
  m.scan(5);
  REQUIRE(ksm.deferred_inserts == Distinct::N - 5);
  rmap_item *root = ksm.rmap_at(ksm.root_unstable_tree[0].rb_node);
  SECTION("a link past the ids handed out") {
    root->node.rb_left = root->node.rb_right = 1u << 29;
    CHECK_THROWS_WITH(ksm.settle_unstable_tree(),
                      catch_compat::Contains("unstable tree link names rmap_item 536870912"));
  }
  SECTION("a cycle") {
    root->node.rb_left = root->node.rb_right = ksm.root_unstable_tree[0].rb_node;
    CHECK_THROWS_WITH(ksm.settle_unstable_tree(),
                      catch_compat::Contains("rbtree loop does not end"));
  }
  // Either way the list is gone: a second reader has nothing to link.
  CHECK_NOTHROW(ksm.settle_unstable_tree());
}
