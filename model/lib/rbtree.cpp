// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 3.9 lib/rbtree.c (rb_insert_color, rb_erase, rb_first,
// rb_last, rb_next, rb_prev, rb_replace_node) with the non-augmented case of
// include/linux/rbtree_augmented.h's __rb_erase_augmented. The augment
// callbacks are the kernel's dummy ones, so they are left out. Nothing here
// checks that a node is in the tree it is erased from: as in the kernel,
// rb_erase follows the node's own links and rewrites what they point to.
//
// Only two things differ, both where a tree is already corrupt: a NULL
// pointer the kernel would dereference is an oops here (as in the kernel),
// and a loop that would never end (a cyclic tree) is a detector stop.
#include "model/lib/rbtree.h"

#include "model/lib/oops.h"

namespace ksmsim {

namespace {

// ------------------------------------------ include/linux/rbtree_augmented.h

void rb_set_black(rb_node *rb) {
  rb->__rb_parent_color |= RB_BLACK;
}

void rb_set_parent(rb_node *rb, rb_node *p) {
  rb->__rb_parent_color = rb_color(rb) | reinterpret_cast<unsigned long>(p);
}

void rb_set_parent_color(rb_node *rb, rb_node *p, int color) {
  rb->__rb_parent_color = reinterpret_cast<unsigned long>(p) | color;
}

// A red node's colour bit is 0: its parent_color is its parent.
rb_node *rb_red_parent(rb_node *red) {
  return reinterpret_cast<rb_node *>(red->__rb_parent_color);
}

// Points parent's link to old (or the root, if parent is NULL) at new_.
void __rb_change_child(rb_node *old, rb_node *new_, rb_node *parent, rb_root *root) {
  if (parent) {
    if (parent->rb_left == old)
      parent->rb_left = new_;
    else
      parent->rb_right = new_;
  } else {
    root->rb_node = new_;
  }
}

// Helper for rotations: old's parent and colour go to new_; old gets new_ as
// its parent and 'color' as its colour.
void __rb_rotate_set_parents(rb_node *old, rb_node *new_, rb_root *root, int color) {
  rb_node *parent = rb_parent(old);
  new_->__rb_parent_color = old->__rb_parent_color;
  rb_set_parent_color(old, new_, color);
  __rb_change_child(old, new_, parent, root);
}

// Not the kernel's. A valid tree never has these NULLs; a corrupt one does,
// and the kernel then oopses on the dereference.
rb_node *deref(rb_node *n, const char *fn) {
  if (!n)
    kernel_bug(fn, "unable to handle kernel NULL pointer dereference");
  return n;
}

// Not the kernel's: each loop below walks a path of the tree, so it ends in
// at most the tree's height (under 128 for any tree that fits in memory). A
// cyclic (corrupt) tree would make the kernel spin forever.
class LoopBound {
public:
  explicit LoopBound(const char *fn) : fn_(fn) {}
  void step() {
    if (++n_ > 4096)
      detector_stop(fn_, "rbtree-cycle",
                    "ksmsim: rbtree loop does not end (a cyclic tree; the kernel would hang)");
  }

private:
  const char *fn_;
  int n_ = 0;
};

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

void __rb_insert(rb_node *node, rb_root *root) {
  rb_node *parent = rb_red_parent(node), *gparent, *tmp;
  LoopBound bound("rb_insert_color");

  while (true) {
    bound.step();
    // Loop invariant: node is red. A black parent: done. Otherwise fix a
    // red root or two red nodes in a row.
    if (!parent) {
      rb_set_parent_color(node, nullptr, RB_BLACK);
      break;
    } else if (rb_is_black(parent)) {
      break;
    }

    gparent = deref(rb_red_parent(parent), "rb_insert_color");

    tmp = gparent->rb_right;
    if (parent != tmp) { // parent == gparent->rb_left
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

      tmp = parent->rb_right;
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
        parent->rb_right = tmp = node->rb_left;
        node->rb_left = parent;
        if (tmp)
          rb_set_parent_color(tmp, parent, RB_BLACK);
        rb_set_parent_color(parent, node, RB_RED);
        parent = node;
        tmp = node->rb_right;
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
      gparent->rb_left = tmp; // == parent->rb_right
      parent->rb_right = gparent;
      if (tmp)
        rb_set_parent_color(tmp, gparent, RB_BLACK);
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      break;
    } else {
      tmp = gparent->rb_left;
      if (tmp && rb_is_red(tmp)) {
        // Case 1 - colour flips
        rb_set_parent_color(tmp, gparent, RB_BLACK);
        rb_set_parent_color(parent, gparent, RB_BLACK);
        node = gparent;
        parent = rb_parent(node);
        rb_set_parent_color(node, parent, RB_RED);
        continue;
      }

      tmp = parent->rb_left;
      if (node == tmp) {
        // Case 2 - right rotate at parent
        parent->rb_left = tmp = node->rb_right;
        node->rb_right = parent;
        if (tmp)
          rb_set_parent_color(tmp, parent, RB_BLACK);
        rb_set_parent_color(parent, node, RB_RED);
        parent = node;
        tmp = node->rb_left;
      }

      // Case 3 - left rotate at gparent
      gparent->rb_right = tmp; // == parent->rb_left
      parent->rb_left = gparent;
      if (tmp)
        rb_set_parent_color(tmp, gparent, RB_BLACK);
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      break;
    }
  }
}

// v3.9's ____rb_erase_color (behind the exported __rb_erase_color).
void __rb_erase_color(rb_node *parent, rb_root *root) {
  rb_node *node = nullptr, *sibling, *tmp1, *tmp2;
  LoopBound bound("rb_erase");

  while (true) {
    bound.step();
    // Loop invariants:
    // - node is black (or NULL on the first iteration)
    // - node is not the root (parent is not NULL)
    // - all leaf paths through parent and node have one black node fewer
    //   than the other leaf paths.
    sibling = parent->rb_right;
    if (node != sibling) { // node == parent->rb_left
      if (rb_is_red(deref(sibling, "rb_erase"))) {
        /*
         * Case 1 - left rotate at parent
         *
         *     P               S
         *    / \             / \
         *   N   s    -->    p   Sr
         *      / \         / \
         *     Sl  Sr      N   Sl
         */
        parent->rb_right = tmp1 = sibling->rb_left;
        sibling->rb_left = parent;
        rb_set_parent_color(deref(tmp1, "rb_erase"), parent, RB_BLACK);
        __rb_rotate_set_parents(parent, sibling, root, RB_RED);
        sibling = tmp1;
      }
      tmp1 = sibling->rb_right;
      if (!tmp1 || rb_is_black(tmp1)) {
        tmp2 = sibling->rb_left;
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
        sibling->rb_left = tmp1 = tmp2->rb_right;
        tmp2->rb_right = sibling;
        parent->rb_right = tmp2;
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
      parent->rb_right = tmp2 = sibling->rb_left;
      sibling->rb_left = parent;
      rb_set_parent_color(tmp1, sibling, RB_BLACK);
      if (tmp2)
        rb_set_parent(tmp2, parent);
      __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
      break;
    } else {
      sibling = deref(parent->rb_left, "rb_erase");
      if (rb_is_red(sibling)) {
        // Case 1 - right rotate at parent
        parent->rb_left = tmp1 = sibling->rb_right;
        sibling->rb_right = parent;
        rb_set_parent_color(deref(tmp1, "rb_erase"), parent, RB_BLACK);
        __rb_rotate_set_parents(parent, sibling, root, RB_RED);
        sibling = tmp1;
      }
      tmp1 = sibling->rb_left;
      if (!tmp1 || rb_is_black(tmp1)) {
        tmp2 = sibling->rb_right;
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
        sibling->rb_right = tmp1 = tmp2->rb_left;
        tmp2->rb_left = sibling;
        parent->rb_left = tmp2;
        if (tmp1)
          rb_set_parent_color(tmp1, sibling, RB_BLACK);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Case 4 - right rotate at parent + colour flips
      parent->rb_left = tmp2 = sibling->rb_right;
      sibling->rb_right = parent;
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
rb_node *__rb_erase_augmented(rb_node *node, rb_root *root) {
  rb_node *child = node->rb_right, *tmp = node->rb_left;
  rb_node *parent, *rebalance;
  unsigned long pc;

  if (!tmp) {
    // Case 1: node has at most one child (easy!). A lone child must be red
    // by 5) and node black by 4): recolour here, no __rb_erase_color.
    pc = node->__rb_parent_color;
    parent = __rb_parent(pc);
    __rb_change_child(node, child, parent, root);
    if (child) {
      child->__rb_parent_color = pc;
      rebalance = nullptr;
    } else {
      rebalance = __rb_is_black(pc) ? parent : nullptr;
    }
  } else if (!child) {
    // Still case 1, but this time the child is node->rb_left
    tmp->__rb_parent_color = pc = node->__rb_parent_color;
    parent = __rb_parent(pc);
    __rb_change_child(node, tmp, parent, root);
    rebalance = nullptr;
  } else {
    rb_node *successor = child, *child2;
    tmp = child->rb_left;
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
      child2 = successor->rb_right;
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
      LoopBound bound("rb_erase");
      do {
        bound.step();
        parent = successor;
        successor = tmp;
        tmp = tmp->rb_left;
      } while (tmp);
      parent->rb_left = child2 = successor->rb_right;
      successor->rb_right = child;
      rb_set_parent(child, successor);
    }

    successor->rb_left = tmp = node->rb_left;
    rb_set_parent(tmp, successor);

    pc = node->__rb_parent_color;
    tmp = __rb_parent(pc);
    __rb_change_child(node, successor, tmp, root);
    if (child2) {
      successor->__rb_parent_color = pc;
      rb_set_parent_color(child2, parent, RB_BLACK);
      rebalance = nullptr;
    } else {
      unsigned long pc2 = successor->__rb_parent_color;
      successor->__rb_parent_color = pc;
      rebalance = __rb_is_black(pc2) ? parent : nullptr;
    }
  }
  return rebalance;
}

} // namespace

void rb_insert_color(rb_node *node, rb_root *root) {
  __rb_insert(node, root);
}

void rb_erase(rb_node *node, rb_root *root) {
  rb_node *rebalance = __rb_erase_augmented(node, root);
  if (rebalance)
    __rb_erase_color(rebalance, root);
}

// The first node (in sort order) of the tree.
rb_node *rb_first(const rb_root *root) {
  rb_node *n = root->rb_node;
  if (!n)
    return nullptr;
  while (n->rb_left)
    n = n->rb_left;
  return n;
}

rb_node *rb_last(const rb_root *root) {
  rb_node *n = root->rb_node;
  if (!n)
    return nullptr;
  while (n->rb_right)
    n = n->rb_right;
  return n;
}

rb_node *rb_next(const rb_node *node) {
  rb_node *parent;

  if (RB_EMPTY_NODE(node))
    return nullptr;

  // A right child: down it, then left as far as we can.
  if (node->rb_right) {
    node = node->rb_right;
    while (node->rb_left)
      node = node->rb_left;
    return const_cast<rb_node *>(node);
  }

  // No right child: everything down and left is smaller, so the next node
  // is up. Go up while we are a right child; the first parent of which we
  // are a left child is the next node.
  while ((parent = rb_parent(node)) && node == parent->rb_right)
    node = parent;

  return parent;
}

rb_node *rb_prev(const rb_node *node) {
  rb_node *parent;

  if (RB_EMPTY_NODE(node))
    return nullptr;

  // A left child: down it, then right as far as we can.
  if (node->rb_left) {
    node = node->rb_left;
    while (node->rb_right)
      node = node->rb_right;
    return const_cast<rb_node *>(node);
  }

  // No left child: go up till an ancestor is a right child of its parent.
  while ((parent = rb_parent(node)) && node == parent->rb_left)
    node = parent;

  return parent;
}

void rb_replace_node(rb_node *victim, rb_node *new_, rb_root *root) {
  rb_node *parent = rb_parent(victim);

  // Point the surrounding nodes at the replacement
  __rb_change_child(victim, new_, parent, root);
  if (victim->rb_left)
    rb_set_parent(victim->rb_left, new_);
  if (victim->rb_right)
    rb_set_parent(victim->rb_right, new_);

  // Copy the pointers/colour from the victim to the replacement
  *new_ = *victim;
}

} // namespace ksmsim
