// SPDX-License-Identifier: GPL-2.0-only
//
// The lib/rbtree.c port over 32-bit ids (model/lib/rbtree_ops.h with
// rmap_rb_access, the v3.9 unstable tree's policy) against the same port
// over rb_node pointers, and the v3.9 hlist with ids (ksm_tree.h): the same
// control flow must give the same trees and lists.
#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v3.9/ksm_tree.h"
#include "model/ksm/v3.9/rmap_arena.h"
#include "model/lib/rbtree.h"
#include "model/lib/rbtree_ops.h"
#include "model/mm/kernel.h"

#include "catch.h"
#include "rbtree_keyed.h"
#include "tests/machine.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace ksmsim;

namespace {

using IdOps = rb_tree_ops<rmap_rb_access>;

// Keys by id; rmap_items from a real arena, linked by their node field.
struct IdTree {
  Kernel k{MachineConfig{}, KernelProfile{}};
  RmapArena arena{k};
  rmap_rb_access a{arena};
  IdOps ops{a};
  rb_root_id root = RB_ROOT_ID;
  std::vector<int> keys{0}; // keys[id]

  std::uint32_t add(int key) {
    rmap_item *item = arena.fresh();
    *item = rmap_item{};
    const std::uint32_t id = RmapArena::id_of(item);
    keys.push_back(key);
    REQUIRE(keys.size() == id + 1);
    return id;
  }
  // mm/ksm.c's insert pattern, as unstable_tree_search_insert does it.
  void insert(std::uint32_t id) {
    std::uint32_t *new_ = &root.rb_node, parent = 0;
    while (*new_) {
      parent = *new_;
      new_ = keys[id] < keys[parent] ? &a.L(parent) : &a.R(parent);
    }
    ops.rb_link_node(id, parent, new_);
    ops.rb_insert_color(id, &root);
  }
  std::string shape(std::uint32_t n) const {
    if (!n)
      return "-";
    std::string s = std::to_string(keys[n]) + (ops.rb_is_black(n) ? "B" : "r");
    if (a.L(n) || a.R(n))
      s += "(" + shape(a.L(n)) + "," + shape(a.R(n)) + ")";
    return s;
  }
};

using PtrItem = rbtree_test::Item;
using rbtree_test::insert;
using rbtree_test::shape;

} // namespace

TEST_CASE("rbtree ids: keys 1..7 in order give the kernel's shape", "[rbtree]") {
  // The shapes derived by hand from v3.9 __rb_insert in test_rbtree.cpp's
  // "keys 1..7 in order" (every insert goes right: the loop's else half).
  IdTree t;
  const char *want[] = {"1B",
                        "1B(-,2r)",
                        "2B(1r,3r)",
                        "2B(1B,3B(-,4r))",
                        "2B(1B,4B(3r,5r))",
                        "2B(1B,4r(3B,5B(-,6r)))",
                        "2B(1B,4r(3B,6B(5r,7r)))"};
  for (int key = 1; key <= 7; key++) {
    t.insert(t.add(key));
    CHECK(t.shape(t.root.rb_node) == want[key - 1]);
  }
  // Bit 1 of every parent_color word stays clear (stable_node_ref sets it).
  for (std::uint32_t id = 1; id <= 7; id++)
    CHECK((t.a.PC(id) & 2) == 0);
}

TEST_CASE("rbtree ids: random inserts and erases give the pointer port's trees", "[rbtree]") {
  std::mt19937 rng(GENERATE(4u, 5u)); // seeded: the same sequence every run
  IdTree t;
  std::vector<PtrItem> pool(300); // contiguous: an item's index from its address
  rb_root root = RB_ROOT;
  std::vector<std::uint32_t> in, out;
  for (std::size_t i = 0; i < pool.size(); i++) {
    pool[i].key = static_cast<int>(rng() % 1000); // with duplicates: they go right
    const std::uint32_t id = t.add(pool[i].key);
    REQUIRE(id == i + 1);
    out.push_back(id);
  }
  std::shuffle(out.begin(), out.end(), rng);
  for (int op = 0; op < 1500; op++) {
    if (!out.empty() && (in.empty() || rng() % 3 != 0)) {
      const std::uint32_t id = out.back();
      out.pop_back();
      insert(&root, &pool[id - 1]);
      t.insert(id);
      in.push_back(id);
    } else {
      const std::size_t i = rng() % in.size();
      rb_erase(&pool[in[i] - 1].node, &root);
      t.ops.rb_erase(in[i], &t.root);
      out.push_back(in[i]);
      in.erase(in.begin() + static_cast<long>(i));
    }
    REQUIRE(t.shape(t.root.rb_node) == shape(root.rb_node));
  }
  // rb_first/rb_next and rb_last/rb_prev visit the same nodes.
  std::vector<std::uint32_t> fwd, back;
  for (std::uint32_t n = t.ops.rb_first(&t.root); n; n = t.ops.rb_next(n))
    fwd.push_back(n);
  for (std::uint32_t n = t.ops.rb_last(&t.root); n; n = t.ops.rb_prev(n))
    back.push_back(n);
  std::vector<std::uint32_t> want;
  for (rb_node *n = rb_first(&root); n; n = rb_next(n))
    want.push_back(static_cast<std::uint32_t>(reinterpret_cast<PtrItem *>(n) - &pool[0]) + 1);
  CHECK(fwd == want);
  std::reverse(back.begin(), back.end());
  CHECK(back == want);
}

TEST_CASE("rbtree ids: rb_replace_node takes the victim's place and colour", "[rbtree]") {
  IdTree t;
  for (int key : {2, 1, 3})
    t.insert(t.add(key));
  const std::uint32_t spare = t.add(2);
  t.ops.rb_replace_node(1, spare, &t.root); // id 1 (key 2) is the root
  CHECK(t.root.rb_node == spare);
  CHECK(t.shape(spare) == "2B(1r,3r)");
  CHECK(t.ops.rb_parent(2) == spare);
  CHECK(t.ops.rb_parent(3) == spare);
}

TEST_CASE("hlist ids: hlist_add_head and hlist_del keep the kernel's order and links",
          "[ksm][hlist]") {
  Kernel k(MachineConfig{}, KernelProfile{});
  RmapArena arena(k);
  rmap_item *item[4];
  for (rmap_item *&i : item) {
    i = arena.fresh();
    *i = rmap_item{};
  }
  auto id = [](const rmap_item *i) { return RmapArena::id_of(i); };
  auto order = [&](const hlist_head_id &h) {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t n = h.first; n; n = arena.at(n)->hlist.next)
      ids.push_back(n);
    return ids;
  };
  hlist_head_id h{};
  CHECK(hlist_empty(&h));
  // include/linux/list.h: hlist_add_head puts n first, n->pprev = &h->first
  // (0 here) and the old first's pprev = &n->next (n's id here).
  for (int i = 0; i < 3; i++)
    hlist_add_head(arena, item[i], &h);
  CHECK(order(h) == std::vector<std::uint32_t>{id(item[2]), id(item[1]), id(item[0])});
  CHECK(item[2]->hlist.pprev == 0);
  CHECK(item[1]->hlist.pprev == id(item[2]));
  CHECK(item[0]->hlist.pprev == id(item[1]));
  CHECK(item[0]->hlist.next == 0);
  // A middle one: *pprev = next, next->pprev = pprev; then poisoned.
  hlist_del(arena, item[1], &h, "test");
  CHECK(order(h) == std::vector<std::uint32_t>{id(item[2]), id(item[0])});
  CHECK(item[0]->hlist.pprev == id(item[2]));
  CHECK(item[1]->hlist.next == HLIST_ID_POISON1);
  CHECK(item[1]->hlist.pprev == HLIST_ID_POISON2);
  // The first: its pprev is &h->first.
  hlist_del(arena, item[2], &h, "test");
  CHECK(order(h) == std::vector<std::uint32_t>{id(item[0])});
  CHECK(item[0]->hlist.pprev == 0);
  hlist_add_head(arena, item[3], &h);
  CHECK(order(h) == std::vector<std::uint32_t>{id(item[3]), id(item[0])});
  hlist_del(arena, item[0], &h, "test"); // the last
  hlist_del(arena, item[3], &h, "test");
  CHECK(hlist_empty(&h));
}

// include/linux/list.h (3.9): hlist_del poisons n->next with LIST_POISON1
// and n->pprev with LIST_POISON2; a second hlist_del's *pprev = next then
// writes through LIST_POISON2, which x86-64 maps nowhere (0xdead000000200200
// is non-canonical): a general protection fault, an oops. The list it was
// on is left as the first del left it.
TEST_CASE("hlist ids: a second hlist_del of an item oopses on the poison, the list untouched",
          "[ksm][hlist]") {
  Kernel k(MachineConfig{}, KernelProfile{});
  RmapArena arena(k);
  rmap_item *item[2];
  for (rmap_item *&i : item) {
    i = arena.fresh();
    *i = rmap_item{};
  }
  hlist_head_id h{};
  hlist_add_head(arena, item[0], &h);
  hlist_add_head(arena, item[1], &h);
  hlist_del(arena, item[1], &h, "remove_rmap_item_from_tree");
  CHECK(item[1]->hlist.next == HLIST_ID_POISON1);
  CHECK(item[1]->hlist.pprev == HLIST_ID_POISON2);
  REQUIRE(h.first == RmapArena::id_of(item[0]));
  try {
    hlist_del(arena, item[1], &h, "remove_rmap_item_from_tree");
    FAIL("a second hlist_del went through");
  } catch (const OopsException &e) {
    CHECK(std::string(e.what()) ==
          "remove_rmap_item_from_tree: general protection fault: 0000 [#1] SMP");
  }
  CHECK(h.first == RmapArena::id_of(item[0]));
  CHECK(item[0]->hlist.pprev == 0);
  CHECK(item[0]->hlist.next == 0);
}

TEST_CASE("rmap_item: head's stable_node_ref never equals a parent_color word", "[ksm]") {
  stable_node node;
  node.id = 5;
  // The kernel compares a head left over from the unstable tree (a parent
  // pointer and a colour) with a stable_node's address: never equal.
  const std::uint32_t ref = stable_node_ref(&node);
  CHECK(ref == (5u << 2 | 2));
  for (std::uint32_t parent : {0u, 5u, 6u})
    for (std::uint32_t colour : {0u, 1u})
      CHECK(ref != (rmap_rb_access::pc_of(parent) | colour));
  CHECK(stable_node_ref(nullptr) == 0); // NULL, as a zeroed item's head
  CHECK(sizeof(rmap_item) == 32);
  // Chunks of 2^17 slots: 48 bytes each (wide), or 32 and then their 16-byte
  // seen entries (compact): 6 MiB, three 2 MiB pages, either way.
  CHECK(RmapArena::SLOTS_BYTES == 6u << 20);
  CHECK(RmapArena::COMPACT_SEEN_OFFSET == 4u << 20);
}

TEST_CASE("rbtree ids: a link past the arena's ids is never followed out of it", "[rbtree]") {
  // Only a corrupt tree has one (an erase of a node not in its tree whose
  // parent word is a stale head): the kernel's erase then writes through
  // it; here it reads NULL links and writes nowhere (rmap_rb_access::N).
  IdTree t;
  std::uint32_t a = t.add(1), b = t.add(2), c = t.add(3);
  t.insert(a);
  t.insert(b);
  t.insert(c);
  const std::string before = t.shape(t.root.rb_node);
  std::uint32_t lone = t.add(9);                  // not in the tree
  t.a.PC(lone) = rmap_rb_access::pc_of(1u << 20); // an id no chunk holds
  t.a.L(lone) = t.a.R(lone) = 0;
  t.ops.rb_erase(lone, &t.root);
  CHECK(t.shape(t.root.rb_node) == before);
  CHECK(t.a.PC(1u << 20) == 0);
  CHECK(t.a.L(0) == 0);
}

TEST_CASE("unstable tree: a corrupt link is a detector report, never a wild read or a hang",
          "[rbtree][ksm]") {
  testing::MachineBase m(1, KernelProfile{});
  mm_struct *a = m.k.mm_alloc("A", 1000);
  const unsigned n = 8;
  std::uint64_t start = m.k.do_mmap_anon(a, n, -1);
  for (unsigned i = 0; i < n; ++i)
    m.write(a, start + i * PAGE_SIZE, 0x6100000000000000ULL + i);
  REQUIRE(m.k.sys_madvise(a, start, n * PAGE_SIZE, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  Ksm *ksm = ksm_v3_9(m.k);
  REQUIRE(ksm);
  ksm->ksm_do_scan(n + 1);     // the first full scan: the checksums
  ksm->ksm_do_scan(2);         // the second: the first pages into the unstable tree
  ksm->settle_unstable_tree(); // the inserts put off linked: the test rewrites links
  m.k.shortcuts = false;       // and the next page walks them (none put off)
  REQUIRE(ksm->root_unstable_tree[0].rb_node);
  rmap_item *root = ksm->rmap_at(ksm->root_unstable_tree[0].rb_node);
  SECTION("a link past the ids handed out") {
    // The walk prefetches both children of a level, then follows one:
    // neither may take the arena's arithmetic past its chunks (ASan sees
    // such a read).
    root->node.rb_left = root->node.rb_right = 1u << 29; // an id no chunk holds
    // The next page's walk meets the link: a detector report, the run stops.
    CHECK_THROWS_WITH(ksm->ksm_do_scan(1),
                      catch_compat::Contains("unstable tree link names rmap_item 536870912"));
  }
  SECTION("a cycle") {
    root->node.rb_left = root->node.rb_right = ksm->root_unstable_tree[0].rb_node;
    // The next page's walk goes round: rb_path_bound stops it.
    CHECK_THROWS_WITH(ksm->ksm_do_scan(1), catch_compat::Contains("rbtree loop does not end"));
  }
}
