// SPDX-License-Identifier: GPL-2.0-only
//
// model/lib/list.h: include/linux/list.h's primitives, and what the
// kernel does with a node list_del left poisoned.
#include <string>

#include "catch.h"
#include "model/lib/list.h"

using namespace ksmsim;

namespace {
// The caller's name, as list_del's default argument takes it.
void remove_node_from_stable_tree_like(list_node *n) {
  list_del(n);
}
} // namespace

TEST_CASE("list: add, add_tail, move and del keep the kernel's order", "[list]") {
  list_node h, a, b, c;
  INIT_LIST_HEAD(&h);
  CHECK(list_empty(&h));
  list_add(&a, &h);      // h a
  list_add_tail(&b, &h); // h a b
  list_add(&c, &h);      // h c a b
  CHECK(h.next == &c);
  CHECK(c.next == &a);
  CHECK(a.next == &b);
  CHECK(b.next == &h);
  CHECK(h.prev == &b);
  list_move(&b, &h); // h b c a
  CHECK(h.next == &b);
  CHECK(b.next == &c);
  CHECK(h.prev == &a);
  list_del(&c);
  CHECK(b.next == &a);
  CHECK(a.prev == &b);
  CHECK(c.next == nullptr);
  CHECK(c.prev == nullptr);
}

TEST_CASE("list: a second list_del oopses on the poison in its caller, the list untouched",
          "[list]") {
  list_node h, a, b;
  INIT_LIST_HEAD(&h);
  list_add_tail(&a, &h);
  list_add_tail(&b, &h);
  remove_node_from_stable_tree_like(&a);
  for (int moved = 0; moved < 2; ++moved) {
    try {
      if (moved)
        list_move(&a, &h, "stable_tree_search");
      else
        remove_node_from_stable_tree_like(&a);
      FAIL("a list operation on a deleted node went through");
    } catch (const OopsException &e) {
      // 3.9's die() in do_general_protection (oops.cpp), in the caller.
      CHECK(std::string(e.what()) ==
            std::string(moved ? "stable_tree_search" : "remove_node_from_stable_tree_like") +
                ": general protection fault: 0000 [#1] SMP");
    }
  }
  CHECK(h.next == &b);
  CHECK(b.next == &h);
  CHECK(h.prev == &b);
}
