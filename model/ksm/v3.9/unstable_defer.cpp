// SPDX-License-Identifier: GPL-2.0-only
//
// Not the kernel's: unstable tree inserts put off until something reads
// the tree (docs/port-map.md, docs/perf.md "Inserts nobody can see").
//
// unstable_tree_search_insert of a page whose content no other page holds
// walks to a leaf and links the page there: every level compares the page
// with another content and goes on. When each level would be decided on
// what was seen (Ksm::unstable_tree_search_insert's use_seen: no mm has
// changed since every item in the tree was inserted, no preemption point
// or narration watches, no cost model counts the levels), nothing outside
// the tree's links can tell that walk from none: the insert is put off,
// and everything else it does (the flags, nid, pages_unshared, the seen
// word) is done at once. The first reader of the links (a walk, an erase,
// a dump, a move of the roots, the seen words' reset, the free of an item
// put off) links every insert
// put off, in order, by the words seen when they were made: the kernel's
// tree. The reset of the roots at a scan's start drops them, as the
// kernel drops its tree. Inserts the kernel's way (a page whose content
// another page holds) may come between: they link those put off first,
// and later inserts are put off again while no mm has changed.
#include <cstdint>

#include <fmt/format.h>

#include "model/ksm/v3.9/ksm.h"
#include "model/lib/oops.h"
#include "model/lib/rbtree_ops.h"
#include "model/mm/kernel.h"

namespace ksmsim {

void Ksm::start_deferring() {
  pending_first_ = pending_last_ = 0;
  defer_inserts_ = k.shortcuts;
  defer_epoch_ = k.mm_epoch;
}

// Whether an insert of p (one that would walk the tree on what was seen)
// can be put off: no mm changed since the roots' reset, so every item in
// the trees maps the page it had, with the content it had, and was seen
// with it as a plain word (defer_inserts_: no item with pokes went in);
// p's content is a plain word that no other page holds, so no level
// compares equal; and p is mapped once, by this item, so no item in the
// tree maps p (the walk's p == tree_page).
bool Ksm::may_defer_insert(const page *p, bool use_seen) const {
  return defer_inserts_ && use_seen && !ops.count_bytes && k.mm_epoch == defer_epoch_ &&
         !k.contents.has_pokes(p->content) && k.contents.holders(p->content) == 1 &&
         Kernel::page_mapcount(p) == 1;
}

// At the end of the list of those put off.
void Ksm::defer_insert(rmap_item *item) {
  const std::uint32_t id = rmap_id(item);
  item->node.__rb_parent_color = PENDING_PARENT_COLOR;
  item->node.rb_left = item->node.rb_right = 0;
  if (pending_last_)
    rmap_items_.at(pending_last_)->node.rb_left = id;
  else
    pending_first_ = id;
  pending_last_ = id;
  deferred_inserts++;
}

// Before a change to an item put off that would lose where it goes: its
// free (the seen word is forgotten) or its links' overlay (head, hlist). A
// tree the kernel left behind keeps such items until the next scan's reset:
// the items of a scan just ended, freed by run=2 or an exit without an
// rb_erase (their age is 1), stay linked in it, as a dump shows.
void Ksm::settle_if_put_off(const rmap_item *item) {
  if (put_off(item))
    settle_unstable_tree();
}

void Ksm::settle_unstable_tree() const {
  const_cast<Ksm *>(this)->settle_unstable_tree();
}

// Each insert put off, in order: the kernel's walk, each level decided by
// the words seen when the inserts were made (every item in the tree was
// seen at defer_epoch_), then rb_link_node and rb_insert_color. A walk
// reaching the same word, or an item no longer put off, is a fault of the
// simulator's (a detector report).
void Ksm::settle_unstable_tree() {
  if (!pending_first_)
    return;
  const std::uint32_t epoch32 = static_cast<std::uint32_t>(defer_epoch_);
  const rmap_rb_access a = unstable_access(); // tree keeps a reference
  const rb_tree_ops<rmap_rb_access> tree(a);
  // A hint, as the walks' lookahead (Ksm::lookahead_level): the walks of
  // the next AHEAD inserts, a level each per level of this one, fetch
  // their next levels.
  constexpr unsigned AHEAD = 16;
  struct ahead_walk {
    std::uint64_t word = 0;
    std::uint32_t node = 0;
  };
  ahead_walk ahead[AHEAD];
  unsigned ahead_start = 0, ahead_step = 0;
  const std::uint32_t last = pending_last_;
  // The list's next item, or 0 past the last; one that is not as left (a
  // fault of the simulator's) is reported.
  const auto next_put_off = [&](std::uint32_t id) -> std::uint32_t {
    const rmap_item *item = rmap_items_.at(id);
    const std::uint32_t next = item->node.rb_left;
    if (item->node.__rb_parent_color != PENDING_PARENT_COLOR || item->node.rb_right ||
        (next && !rmap_items_.names_item(next)) || (!next && id != last))
      detector_stop("settle_unstable_tree", "unstable-insert-put-off",
                    fmt::format("ksmsim: rmap_item {} put off for the unstable tree is no "
                                "longer as it was left",
                                id));
    return next;
  };
  std::uint32_t ahead_id = pending_first_; // AHEAD items past the one linked
  const auto begin_ahead = [&] {
    ahead_walk &w = ahead[ahead_start];
    ahead_start = (ahead_start + 1) % AHEAD;
    w = {};
    if (ahead_id) {
      const rmap_item *item = rmap_items_.at(ahead_id);
      w = {rmap_items_.seen(item).word, root_unstable_tree[item->nid].rb_node};
      ahead_id = next_put_off(ahead_id);
    }
  };
  const auto step_ahead = [&] {
    ahead_walk &w = ahead[ahead_step];
    ahead_step = (ahead_step + 1) % AHEAD;
    if (!rmap_items_.names_item(w.node)) {
      w.node = 0;
      return;
    }
    const rmap_item *t = rmap_items_.at(w.node);
    w.node = w.word < rmap_items_.seen(t).word ? t->node.rb_left : t->node.rb_right;
    if (rmap_items_.names_item(w.node)) {
      __builtin_prefetch(&rmap_items_.at(w.node)->node.rb_right);
      __builtin_prefetch(&rmap_items_.seen(rmap_items_.at(w.node)).word);
    }
  };
  for (unsigned j = 0; j < AHEAD; j++)
    begin_ahead();
  // The list is taken first: a detector stop part way leaves no list.
  // (A list longer than the items handed out is a cycle.)
  std::uint32_t id = pending_first_;
  pending_first_ = pending_last_ = 0;
  for (std::uint32_t count = 0; id; count++) {
    begin_ahead();
    rmap_item *item = rmap_items_.at(id);
    const rmap_seen &seen = rmap_items_.seen(item);
    const std::uint32_t next = next_put_off(id);
    if (seen.epoch != epoch32 || count == rmap_items_.allocated())
      detector_stop(__func__, "unstable-insert-put-off",
                    fmt::format("ksmsim: rmap_item {} put off for the unstable tree is no "
                                "longer as it was left",
                                id));
    rb_root_id *root = &root_unstable_tree[item->nid];
    std::uint32_t *new_ = &root->rb_node;
    std::uint32_t parent = 0;
    rb_path_bound bound(__func__);
    while (*new_) {
      bound.step();
      step_ahead();
      // As in the kernel's walk: a link naming no rmap_item handed out
      // (only a corrupt tree has one) is reported, never followed.
      if (!rmap_items_.names_item(*new_))
        detector_stop(__func__, "rbtree-bad-link",
                      fmt::format("ksmsim: unstable tree link names rmap_item {}, past the {} "
                                  "handed out (a corrupt tree)",
                                  *new_, rmap_items_.allocated()));
      rmap_item *tree_item = rmap_items_.at(*new_);
      const int ret = ContentStore::compare_words(seen.word, rmap_items_.seen(tree_item).word);
      if (ret == 0)
        detector_stop(__func__, "unstable-insert-put-off",
                      fmt::format("ksmsim: rmap_item {} put off for the unstable tree has "
                                  "rmap_item {}'s content",
                                  id, *new_));
      parent = *new_;
      new_ = ret < 0 ? &tree_item->node.rb_left : &tree_item->node.rb_right;
    }
    tree.rb_link_node(id, parent, new_);
    tree.rb_insert_color(id, root);
    id = next;
  }
}

} // namespace ksmsim
