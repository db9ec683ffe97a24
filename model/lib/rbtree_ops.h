// SPDX-License-Identifier: GPL-2.0-only
//
// The body of the lib/rbtree.c port (model/lib/rbtree.h), written once over
// a node-access policy A so that one control flow serves trees linked by
// pointers (rb_node: stable_node, v2.6.32's and v6.15's trees) and trees
// linked by 32-bit ids (v3.9's rmap_item, model/ksm/v3.9/rmap_arena.h). A
// policy gives:
//   link       what a child link and the root hold (a pointer or an id;
//              link{} is NULL)
//   pc_t       the __rb_parent_color word
//   root_t     the root, whose rb_node member is a link
//   PC(n), R(n), L(n)
//              references to node n's __rb_parent_color, rb_right, rb_left
//   parent_of(pc), pc_of(parent)
//              the parent in a parent_color word (bits 0-1 are the colour
//              and the unused bit), and a parent as that word (colour 0)
// Each function keeps lib/rbtree.c's name and control flow; n->rb_left is
// L(n), (unsigned long)p is pc_of(p). Only two things differ, both where a
// tree is already corrupt: a NULL the kernel would dereference is an oops
// here (as in the kernel), and a loop that would never end (a cyclic tree)
// is a detector stop.
#pragma once

#include "model/lib/oops.h"
#include "model/lib/rbtree.h"

namespace ksmsim {

namespace rbtree_detail {

// Not the kernel's. A valid tree never has these NULLs; a corrupt one does,
// and the kernel then oopses on the dereference.
template <class Link> Link deref(Link n, const char *fn) {
  if (!n)
    kernel_bug(fn, "unable to handle kernel NULL pointer dereference");
  return n;
}

} // namespace rbtree_detail

// Not the kernel's: a loop that walks one path of a tree (lib/rbtree.c's
// below, and every mm/ksm.c tree walk of every profile) ends within the
// tree's height (under 128 for any tree that fits in memory). A cyclic
// (corrupt) tree would make the kernel spin forever; here step() makes it
// the rbtree-cycle detector report, never a hang.
class rb_path_bound {
public:
  explicit rb_path_bound(const char *fn) : fn_(fn) {}
  void step() {
    if (++n_ > 4096)
      detector_stop(fn_, "rbtree-cycle",
                    "ksmsim: rbtree loop does not end (a cyclic tree; the kernel would hang)");
  }

private:
  const char *fn_;
  int n_ = 0;
};

template <class A> class rb_tree_ops {
public:
  using link = typename A::link;
  using pc_t = typename A::pc_t;
  using root_t = typename A::root_t;

  constexpr explicit rb_tree_ops(const A &a) : a_(a) {}

  // ---- include/linux/rbtree.h's inline helpers, through the policy
  link rb_parent(link r) const { return A::parent_of(PC(r)); }
  int rb_color(link rb) const { return static_cast<int>(PC(rb) & 1); }
  bool rb_is_red(link rb) const { return !rb_color(rb); }
  bool rb_is_black(link rb) const { return rb_color(rb); }
  static bool __rb_is_black(pc_t pc) { return pc & 1; }
  static link __rb_parent(pc_t pc) { return A::parent_of(pc); }
  bool RB_EMPTY_NODE(link node) const { return PC(node) == A::pc_of(node); }
  // Links node as a red leaf below parent (NULL: the root) at *rb_link;
  // rb_insert_color then rebalances.
  void rb_link_node(link node, link parent, link *rb_link) const {
    PC(node) = A::pc_of(parent);
    L(node) = R(node) = link{};
    *rb_link = node;
  }

  // ------------------------------------------ include/linux/rbtree_augmented.h

  void rb_set_black(link rb) const { PC(rb) |= RB_BLACK; }

  void rb_set_parent(link rb, link p) const {
    PC(rb) = static_cast<pc_t>(rb_color(rb)) | A::pc_of(p);
  }

  void rb_set_parent_color(link rb, link p, int color) const {
    PC(rb) = A::pc_of(p) | static_cast<pc_t>(color);
  }

  // A red node's colour bit is 0: its parent_color is its parent.
  link rb_red_parent(link red) const { return A::parent_of(PC(red)); }

  // Points parent's link to old (or the root, if parent is NULL) at new_.
  void __rb_change_child(link old, link new_, link parent, root_t *root) const {
    if (parent) {
      if (L(parent) == old)
        L(parent) = new_;
      else
        R(parent) = new_;
    } else {
      root->rb_node = new_;
    }
  }

  // Helper for rotations: old's parent and colour go to new_; old gets new_ as
  // its parent and 'color' as its colour.
  void __rb_rotate_set_parents(link old, link new_, root_t *root, int color) const {
    link parent = rb_parent(old);
    PC(new_) = PC(old);
    rb_set_parent_color(old, new_, color);
    __rb_change_child(old, new_, parent, root);
  }

  // ------------------------------------------------------------ lib/rbtree.c
  //
  // Red-black tree properties (http://en.wikipedia.org/wiki/Rbtree):
  //  1) A node is either red or black
  //  2) The root is black
  //  3) All leaves (NULL) are black
  //  4) Both children of every red node are black
  //  5) Every simple path from root to leaves contains the same number of
  //     black nodes.
  // In the pictures black nodes are upper case, red ones lower case, and a
  // node of either colour is in parentheses.

  void __rb_insert(link node, root_t *root) const {
    link parent = rb_red_parent(node), gparent, tmp;
    rb_path_bound bound("rb_insert_color");

    while (true) {
      bound.step();
      // Loop invariant: node is red. A black parent: done. Otherwise fix a
      // red root or two red nodes in a row.
      if (!parent) {
        rb_set_parent_color(node, link{}, RB_BLACK);
        break;
      } else if (rb_is_black(parent)) {
        break;
      }

      gparent = rbtree_detail::deref(rb_red_parent(parent), "rb_insert_color");

      tmp = R(gparent);
      if (parent != tmp) { // parent == L(gparent)
        if (tmp && rb_is_red(tmp)) {
          /*
           * Case 1 - colour flips
           *
           *       G            g
           *      / \          / \
           *     p   u  -->   P   U
           *    /            /
           *   n            N
           *
           * g's parent may be red, which 4) forbids: go on at g.
           */
          rb_set_parent_color(tmp, gparent, RB_BLACK);
          rb_set_parent_color(parent, gparent, RB_BLACK);
          node = gparent;
          parent = rb_parent(node);
          rb_set_parent_color(node, parent, RB_RED);
          continue;
        }

        tmp = R(parent);
        if (node == tmp) {
          /*
           * Case 2 - left rotate at parent
           *
           *      G             G
           *     / \           / \
           *    p   U  -->    n   U
           *     \           /
           *      n         p
           *
           * Still against 4): Case 3 follows and fixes it.
           */
          R(parent) = tmp = L(node);
          L(node) = parent;
          if (tmp)
            rb_set_parent_color(tmp, parent, RB_BLACK);
          rb_set_parent_color(parent, node, RB_RED);
          parent = node;
          tmp = R(node);
        }

        /*
         * Case 3 - right rotate at gparent
         *
         *        G           P
         *       / \         / \
         *      p   U  -->  n   g
         *     /                 \
         *    n                   U
         */
        L(gparent) = tmp; // == R(parent)
        R(parent) = gparent;
        if (tmp)
          rb_set_parent_color(tmp, gparent, RB_BLACK);
        __rb_rotate_set_parents(gparent, parent, root, RB_RED);
        break;
      } else {
        tmp = L(gparent);
        if (tmp && rb_is_red(tmp)) {
          // Case 1 - colour flips
          rb_set_parent_color(tmp, gparent, RB_BLACK);
          rb_set_parent_color(parent, gparent, RB_BLACK);
          node = gparent;
          parent = rb_parent(node);
          rb_set_parent_color(node, parent, RB_RED);
          continue;
        }

        tmp = L(parent);
        if (node == tmp) {
          // Case 2 - right rotate at parent
          L(parent) = tmp = R(node);
          R(node) = parent;
          if (tmp)
            rb_set_parent_color(tmp, parent, RB_BLACK);
          rb_set_parent_color(parent, node, RB_RED);
          parent = node;
          tmp = L(node);
        }

        // Case 3 - left rotate at gparent
        R(gparent) = tmp; // == L(parent)
        L(parent) = gparent;
        if (tmp)
          rb_set_parent_color(tmp, gparent, RB_BLACK);
        __rb_rotate_set_parents(gparent, parent, root, RB_RED);
        break;
      }
    }
  }

  // v3.9's ____rb_erase_color (behind the exported __rb_erase_color).
  void __rb_erase_color(link parent, root_t *root) const {
    link node = link{}, sibling, tmp1, tmp2;
    rb_path_bound bound("rb_erase");

    while (true) {
      bound.step();
      // Loop invariants:
      // - node is black (or NULL on the first iteration)
      // - node is not the root (parent is not NULL)
      // - all leaf paths through parent and node have one black node fewer
      //   than the other leaf paths.
      sibling = R(parent);
      if (node != sibling) { // node == L(parent)
        if (rb_is_red(rbtree_detail::deref(sibling, "rb_erase"))) {
          /*
           * Case 1 - left rotate at parent
           *
           *     P               S
           *    / \             / \
           *   N   s    -->    p   Sr
           *      / \         / \
           *     Sl  Sr      N   Sl
           */
          R(parent) = tmp1 = L(sibling);
          L(sibling) = parent;
          rb_set_parent_color(rbtree_detail::deref(tmp1, "rb_erase"), parent, RB_BLACK);
          __rb_rotate_set_parents(parent, sibling, root, RB_RED);
          sibling = tmp1;
        }
        tmp1 = R(sibling);
        if (!tmp1 || rb_is_black(tmp1)) {
          tmp2 = L(sibling);
          if (!tmp2 || rb_is_black(tmp2)) {
            /*
             * Case 2 - sibling colour flip (p could be either colour)
             *
             *    (p)           (p)
             *    / \           / \
             *   N   S    -->  N   s
             *      / \           / \
             *     Sl  Sr        Sl  Sr
             *
             * Against 5) now: fixed by making p black if it was red, or by
             * going on at p. p is red when coming from Case 1.
             */
            rb_set_parent_color(sibling, parent, RB_RED);
            if (rb_is_red(parent)) {
              rb_set_black(parent);
            } else {
              node = parent;
              parent = rb_parent(node);
              if (parent)
                continue;
            }
            break;
          }
          /*
           * Case 3 - right rotate at sibling (p could be either colour)
           *
           *   (p)           (p)
           *   / \           / \
           *  N   S    -->  N   Sl
           *     / \             \
           *    sl  Sr            s
           *                       \
           *                        Sr
           */
          L(sibling) = tmp1 = R(tmp2);
          R(tmp2) = sibling;
          R(parent) = tmp2;
          if (tmp1)
            rb_set_parent_color(tmp1, sibling, RB_BLACK);
          tmp1 = sibling;
          sibling = tmp2;
        }
        /*
         * Case 4 - left rotate at parent + colour flips (p and sl could be
         * either colour: p becomes black, s takes p's colour, sl keeps its own)
         *
         *      (p)             (s)
         *      / \             / \
         *     N   S     -->   P   Sr
         *        / \         / \
         *      (sl) sr      N  (sl)
         */
        R(parent) = tmp2 = L(sibling);
        L(sibling) = parent;
        rb_set_parent_color(tmp1, sibling, RB_BLACK);
        if (tmp2)
          rb_set_parent(tmp2, parent);
        __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
        break;
      } else {
        sibling = rbtree_detail::deref(L(parent), "rb_erase");
        if (rb_is_red(sibling)) {
          // Case 1 - right rotate at parent
          L(parent) = tmp1 = R(sibling);
          R(sibling) = parent;
          rb_set_parent_color(rbtree_detail::deref(tmp1, "rb_erase"), parent, RB_BLACK);
          __rb_rotate_set_parents(parent, sibling, root, RB_RED);
          sibling = tmp1;
        }
        tmp1 = L(sibling);
        if (!tmp1 || rb_is_black(tmp1)) {
          tmp2 = R(sibling);
          if (!tmp2 || rb_is_black(tmp2)) {
            // Case 2 - sibling colour flip
            rb_set_parent_color(sibling, parent, RB_RED);
            if (rb_is_red(parent)) {
              rb_set_black(parent);
            } else {
              node = parent;
              parent = rb_parent(node);
              if (parent)
                continue;
            }
            break;
          }
          // Case 3 - left rotate at sibling
          R(sibling) = tmp1 = L(tmp2);
          L(tmp2) = sibling;
          L(parent) = tmp2;
          if (tmp1)
            rb_set_parent_color(tmp1, sibling, RB_BLACK);
          tmp1 = sibling;
          sibling = tmp2;
        }
        // Case 4 - right rotate at parent + colour flips
        L(parent) = tmp2 = R(sibling);
        R(sibling) = parent;
        rb_set_parent_color(tmp1, sibling, RB_BLACK);
        if (tmp2)
          rb_set_parent(tmp2, parent);
        __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
        break;
      }
    }
  }

  // include/linux/rbtree_augmented.h's __rb_erase_augmented with the dummy
  // callbacks: unlinks node and returns where rebalancing must start (NULL if
  // the colours could be fixed locally).
  link __rb_erase_augmented(link node, root_t *root) const {
    link child = R(node), tmp = L(node);
    link parent, rebalance;
    pc_t pc;

    if (!tmp) {
      // Case 1: node has at most one child (easy!). A lone child must be red
      // by 5) and node black by 4): recolour here, no __rb_erase_color.
      pc = PC(node);
      parent = __rb_parent(pc);
      __rb_change_child(node, child, parent, root);
      if (child) {
        PC(child) = pc;
        rebalance = link{};
      } else {
        rebalance = __rb_is_black(pc) ? parent : link{};
      }
    } else if (!child) {
      // Still case 1, but this time the child is L(node)
      PC(tmp) = pc = PC(node);
      parent = __rb_parent(pc);
      __rb_change_child(node, tmp, parent, root);
      rebalance = link{};
    } else {
      link successor = child, child2;
      tmp = L(child);
      if (!tmp) {
        /*
         * Case 2: node's successor is its right child
         *
         *    (n)          (s)
         *    / \          / \
         *  (x) (s)  ->  (x) (c)
         *        \
         *        (c)
         */
        parent = successor;
        child2 = R(successor);
      } else {
        /*
         * Case 3: node's successor is leftmost under node's right child
         *
         *    (n)          (s)
         *    / \          / \
         *  (x) (y)  ->  (x) (y)
         *      /            /
         *    (p)          (p)
         *    /            /
         *  (s)          (c)
         *    \
         *    (c)
         */
        rb_path_bound bound("rb_erase");
        do {
          bound.step();
          parent = successor;
          successor = tmp;
          tmp = L(tmp);
        } while (tmp);
        L(parent) = child2 = R(successor);
        R(successor) = child;
        rb_set_parent(child, successor);
      }

      L(successor) = tmp = L(node);
      rb_set_parent(tmp, successor);

      pc = PC(node);
      tmp = __rb_parent(pc);
      __rb_change_child(node, successor, tmp, root);
      if (child2) {
        PC(successor) = pc;
        rb_set_parent_color(child2, parent, RB_BLACK);
        rebalance = link{};
      } else {
        pc_t pc2 = PC(successor);
        PC(successor) = pc;
        rebalance = __rb_is_black(pc2) ? parent : link{};
      }
    }
    return rebalance;
  }

  // ---- the exported functions

  void rb_insert_color(link node, root_t *root) const { __rb_insert(node, root); }

  void rb_erase(link node, root_t *root) const {
    link rebalance = __rb_erase_augmented(node, root);
    if (rebalance)
      __rb_erase_color(rebalance, root);
  }

  // The first node (in sort order) of the tree.
  link rb_first(const root_t *root) const {
    link n = root->rb_node;
    if (!n)
      return link{};
    while (L(n))
      n = L(n);
    return n;
  }

  link rb_last(const root_t *root) const {
    link n = root->rb_node;
    if (!n)
      return link{};
    while (R(n))
      n = R(n);
    return n;
  }

  link rb_next(link node) const {
    link parent;

    if (RB_EMPTY_NODE(node))
      return link{};

    // A right child: down it, then left as far as we can.
    if (R(node)) {
      node = R(node);
      while (L(node))
        node = L(node);
      return node;
    }

    // No right child: everything down and left is smaller, so the next node
    // is up. Go up while we are a right child; the first parent of which we
    // are a left child is the next node.
    while ((parent = rb_parent(node)) && node == R(parent))
      node = parent;

    return parent;
  }

  link rb_prev(link node) const {
    link parent;

    if (RB_EMPTY_NODE(node))
      return link{};

    // A left child: down it, then right as far as we can.
    if (L(node)) {
      node = L(node);
      while (R(node))
        node = R(node);
      return node;
    }

    // No left child: go up till an ancestor is a right child of its parent.
    while ((parent = rb_parent(node)) && node == L(parent))
      node = parent;

    return parent;
  }

  void rb_replace_node(link victim, link new_, root_t *root) const {
    link parent = rb_parent(victim);

    // Point the surrounding nodes at the replacement
    __rb_change_child(victim, new_, parent, root);
    if (L(victim))
      rb_set_parent(L(victim), new_);
    if (R(victim))
      rb_set_parent(R(victim), new_);

    // Copy the pointers/colour from the victim to the replacement
    PC(new_) = PC(victim);
    R(new_) = R(victim);
    L(new_) = L(victim);
  }

private:
  const A &a_;
  pc_t &PC(link n) const { return a_.PC(n); }
  link &R(link n) const { return a_.R(n); }
  link &L(link n) const { return a_.L(n); }
};

// The pointer policy: rb_node's own links (include/linux/rbtree.h).
struct rb_node_access {
  using link = rb_node *;
  using pc_t = unsigned long;
  using root_t = rb_root;
  pc_t &PC(link n) const { return n->__rb_parent_color; }
  link &R(link n) const { return n->rb_right; }
  link &L(link n) const { return n->rb_left; }
  static link parent_of(pc_t pc) { return __rb_parent(pc); }
  static pc_t pc_of(link p) { return reinterpret_cast<unsigned long>(p); }
};

} // namespace ksmsim
