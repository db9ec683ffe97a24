// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the port of Linux 3.9 lib/rbtree.c (model/lib/rbtree.h): valid
// red-black trees under random inserts and erases, the exact shapes the
// kernel's __rb_insert and __rb_erase_augmented/__rb_erase_color give
// (derived by hand from the 3.9 code in the comments), and what rb_erase does
// with a node that is not in the tree it is erased from.

#include "model/lib/oops.h"
#include "model/lib/rbtree.h"

#include "catch.h"
#include "rbtree_keyed.h"

#include <algorithm>
#include <cstddef>
#include <deque>
#include <random>
#include <string>
#include <vector>

using namespace ksmsim;

namespace {

using rbtree_test::insert;
using rbtree_test::Item;
using rbtree_test::item_of;
using rbtree_test::key_of;
using rbtree_test::shape;

// Checks the red-black properties and the parent links of the subtree at n
// (whose parent should be parent); returns its black height, keys in order.
int check_subtree(const rb_node *n, const rb_node *parent, std::vector<int> &keys) {
  if (!n)
    return 1; // 3) NULL leaves are black
  INFO("node " << key_of(n));
  CHECK(rb_parent(n) == parent);
  CHECK((n->__rb_parent_color & 2) == 0); // bit 1 is never set
  if (rb_is_red(n)) {                     // 4) a red node's children are black
    CHECK((!n->rb_left || rb_is_black(n->rb_left)));
    CHECK((!n->rb_right || rb_is_black(n->rb_right)));
  }
  int lh = check_subtree(n->rb_left, n, keys);
  keys.push_back(key_of(n));
  int rh = check_subtree(n->rb_right, n, keys);
  CHECK(lh == rh); // 5) the same number of black nodes on every path
  return lh + (rb_is_black(n) ? 1 : 0);
}

std::vector<int> check_tree(const rb_root &root) {
  std::vector<int> keys;
  if (root.rb_node)
    CHECK(rb_is_black(root.rb_node)); // 2) the root is black
  check_subtree(root.rb_node, nullptr, keys);
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  return keys;
}

struct Tree {
  std::deque<Item> items;
  rb_root root = RB_ROOT;
  Item *add(int key) {
    Item &it = items.emplace_back();
    it.key = key;
    insert(&root, &it);
    return &it;
  }
  Item *find(int key) {
    for (Item &it : items)
      if (it.key == key)
        return &it;
    return nullptr;
  }
};

} // namespace

TEST_CASE("rbtree: random inserts and erases keep a valid red-black tree", "[rbtree]") {
  std::mt19937 rng(GENERATE(1u, 2u, 3u)); // seeded: the same sequence every run
  std::deque<Item> pool(500);
  std::vector<Item *> in, out;
  for (std::size_t i = 0; i < pool.size(); i++) {
    pool[i].key = static_cast<int>(i);
    out.push_back(&pool[i]);
  }
  std::shuffle(out.begin(), out.end(), rng);
  rb_root root = RB_ROOT;
  for (int op = 0; op < 3000; op++) {
    bool do_insert = !out.empty() && (in.empty() || rng() % 3 != 0);
    if (do_insert) {
      Item *it = out.back();
      out.pop_back();
      insert(&root, it);
      in.push_back(it);
    } else {
      std::size_t i = rng() % in.size();
      rb_erase(&in[i]->node, &root);
      out.insert(out.begin() + static_cast<long>(rng() % (out.size() + 1)), in[i]);
      in.erase(in.begin() + static_cast<long>(i));
    }
    if (op % 50 == 0 || op > 2950) {
      std::vector<int> keys = check_tree(root);
      std::vector<int> want;
      for (Item *it : in)
        want.push_back(it->key);
      std::sort(want.begin(), want.end());
      REQUIRE(keys == want);
    }
  }
}

TEST_CASE("rbtree: keys 1..7 in order give the kernel's shape", "[rbtree]") {
  // Derived by hand from v3.9 __rb_insert (new nodes are red leaves; every
  // insert here goes to the right, so the "else" half of the loop runs):
  // 1: no parent -> 1 black.                        1B
  // 2: parent 1 black -> done.                      1B(-,2r)
  // 3: parent 2 red, uncle (1's left) NULL; 3 is not parent->rb_left, so
  //    no Case 2; Case 3 left-rotates at 1, 2 takes 1's black and the root,
  //    1 becomes red.                               2B(1r,3r)
  // 4: parent 3 red, uncle 1 red: Case 1 makes 1, 3 black and 2 red; 2 has
  //    no parent, so the next pass makes it black.  2B(1B,3B(-,4r))
  // 5: parent 4 red, uncle (3's left) NULL: Case 3 left-rotates at 3; 4
  //    takes 3's place (black) under 2, 3 red.      2B(1B,4B(3r,5r))
  // 6: parent 5 red, uncle 3 red: Case 1 makes 3, 5 black and 4 red; 4's
  //    parent 2 is black: done.                     2B(1B,4r(3B,5B(-,6r)))
  // 7: parent 6 red, uncle (5's left) NULL: Case 3 left-rotates at 5; 6
  //    takes 5's place (black) under 4, 5 red.      2B(1B,4r(3B,6B(5r,7r)))
  Tree t;
  const char *want[] = {"1B",
                        "1B(-,2r)",
                        "2B(1r,3r)",
                        "2B(1B,3B(-,4r))",
                        "2B(1B,4B(3r,5r))",
                        "2B(1B,4r(3B,5B(-,6r)))",
                        "2B(1B,4r(3B,6B(5r,7r)))"};
  for (int k = 1; k <= 7; k++) {
    t.add(k);
    CHECK(shape(t.root.rb_node) == want[k - 1]);
    check_tree(t.root);
  }
}

TEST_CASE("rbtree: erasing the root of 1..7 gives the kernel's shape", "[rbtree]") {
  // From 2B(1B,4r(3B,6B(5r,7r))), rb_erase(2), by hand from v3.9
  // __rb_erase_augmented: 2 has two children and 4 has a left child, so
  // Case 3: the successor is 3 (leftmost under 4); 4->rb_left = 3's right
  // (NULL), 3 takes 2's children, parent and black; 3 was black with no
  // child2, so rebalance at 4. __rb_erase_color(4): node NULL is 4's left;
  // sibling 6 is black and its right 7 is red, so straight to Case 4:
  // left-rotate at 4, 6 takes 4's red, 4 and 7 black, 5 moves under 4.
  Tree t;
  for (int k = 1; k <= 7; k++)
    t.add(k);
  rb_erase(&t.find(2)->node, &t.root);
  CHECK(shape(t.root.rb_node) == "3B(1B,6r(4B(-,5r),7B))");
  CHECK(check_tree(t.root) == std::vector<int>{1, 3, 4, 5, 6, 7});
}

TEST_CASE("rbtree: a lone node erased against another root empties that root", "[rbtree]") {
  // cbf86cfe04 cause 1: a node alone in an orphaned tree (parent NULL, no
  // children). v3.9 __rb_erase_augmented, Case 1: no left child, so
  // __rb_change_child(node, NULL, parent NULL, root) sets root->rb_node =
  // NULL (the root it was handed); node was black with no parent, so there
  // is nothing to rebalance. The node's own tree and node are untouched.
  Tree orphaned, other;
  Item *s = orphaned.add(100);
  for (int k = 1; k <= 3; k++)
    other.add(k);
  rb_node *two = other.root.rb_node;
  const rb_node s_before = s->node;
  const std::string other_before = shape(two);

  rb_erase(&s->node, &other.root);

  CHECK(other.root.rb_node == nullptr);
  CHECK(orphaned.root.rb_node == &s->node);
  CHECK(s->node.__rb_parent_color == s_before.__rb_parent_color);
  CHECK(s->node.rb_left == nullptr);
  CHECK(s->node.rb_right == nullptr);
  CHECK(shape(two) == other_before); // the lost nodes keep their links
}

TEST_CASE("rbtree: a NULL the kernel would dereference in a corrupt tree is an oops", "[rbtree]") {
  // A black leaf whose stale parent p (alone in its tree) no longer has it:
  // __rb_change_child clears p->rb_right (p->rb_left is not the node),
  // rebalance starts at p, and __rb_erase_color reads p's NULL left
  // sibling's colour: the kernel's NULL pointer dereference.
  Tree t;
  Item *p = t.add(1);
  Item x;
  x.node.__rb_parent_color = reinterpret_cast<unsigned long>(&p->node) | RB_BLACK;
  CHECK_THROWS_WITH(rb_erase(&x.node, &t.root),
                    catch_compat::Contains("unable to handle kernel NULL pointer dereference"));
}

TEST_CASE("rbtree: rb_replace_node on the root and on a leaf", "[rbtree]") {
  Tree t;
  for (int k = 1; k <= 3; k++)
    t.add(k); // 2B(1r,3r)
  Item *two = t.find(2), *one = t.find(1), *three = t.find(3);

  // The root: the root pointer and both children's parents go to n, which
  // takes 2's links and colour (v3.9 rb_replace_node: *new = *victim).
  Item n;
  n.key = 2;
  rb_replace_node(&two->node, &n.node, &t.root);
  CHECK(t.root.rb_node == &n.node);
  CHECK(rb_parent(&one->node) == &n.node);
  CHECK(rb_parent(&three->node) == &n.node);
  CHECK(n.node.__rb_parent_color == two->node.__rb_parent_color);
  CHECK(rb_is_black(&n.node));
  CHECK(n.node.rb_left == &one->node);
  CHECK(n.node.rb_right == &three->node);

  // A leaf: its parent's link goes to m, which takes 3's parent and red.
  Item m;
  m.key = 3;
  rb_replace_node(&three->node, &m.node, &t.root);
  CHECK(n.node.rb_right == &m.node);
  CHECK(rb_parent(&m.node) == &n.node);
  CHECK(rb_is_red(&m.node));
  CHECK(m.node.rb_left == nullptr);
  CHECK(m.node.rb_right == nullptr);
  CHECK(check_tree(t.root) == std::vector<int>{1, 2, 3});
  CHECK(shape(t.root.rb_node) == "2B(1r,3r)");
}

TEST_CASE("rbtree: rb_first/rb_next and rb_last/rb_prev walk in order", "[rbtree]") {
  Tree t;
  std::vector<int> keys = {50, 20, 80, 10, 30, 70, 90, 25, 35, 60, 65, 5};
  for (int k : keys)
    t.add(k);
  std::sort(keys.begin(), keys.end());
  std::vector<int> fwd, back;
  for (rb_node *n = rb_first(&t.root); n; n = rb_next(n))
    fwd.push_back(key_of(n));
  for (rb_node *n = rb_last(&t.root); n; n = rb_prev(n))
    back.push_back(key_of(n));
  CHECK(fwd == keys);
  std::reverse(keys.begin(), keys.end());
  CHECK(back == keys);

  rb_root empty = RB_ROOT;
  CHECK(RB_EMPTY_ROOT(&empty));
  CHECK(rb_first(&empty) == nullptr);
  CHECK(rb_last(&empty) == nullptr);
  Item lone;
  RB_CLEAR_NODE(&lone.node);
  CHECK(RB_EMPTY_NODE(&lone.node));
  CHECK(rb_next(&lone.node) == nullptr);
  CHECK(rb_prev(&lone.node) == nullptr);
}
