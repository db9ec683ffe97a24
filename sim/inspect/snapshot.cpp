// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/snapshot.h"

#include <fmt/format.h>

#include <cstddef>
#include <set>
#include <type_traits>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v6.15/ksm.h"
#include "model/lib/rbtree_ops.h"
#include "model/mm/kernel.h"
#include "sim/inspect/counters.h"
#include "sim/inspect/snapshot_2_6_32.h"
#include "sim/inspect/snapshot_6_15.h"

namespace ksmsim {

namespace {

constexpr int MAX_DEPTH = 256;

const stable_node *stable_of_rb(const rb_node *n) {
  return reinterpret_cast<const stable_node *>(n); // node is stable_node's first member
}

class Walker {
public:
  Walker(const Kernel &k, const Ksm &ksm, const ScenarioNames &names, std::size_t max)
      : k_(k), ksm_(ksm), names_(names), max_(max) {}

  KsmSnapshot run() {
    s_.kernel = std::string(k_.ksm.version());
    s_.step = k_.current_step;
    s_.time_us = k_.now_us;
    s_.counters = ksm_counters(k_);
    for (int nid = 0; nid < ksm_.nr_roots(); nid++)
      s_.stable_trees.push_back(tree(ksm_.root_stable_tree[nid], nid, true));
    migrate_list();
    for (int nid = 0; nid < ksm_.nr_roots(); nid++)
      s_.unstable_trees.push_back(tree(ksm_.root_unstable_tree[nid], nid, false));
    slot_list();
    cursor();
    // Live nodes the walks did not reach, and where each node was found.
    ksm_.for_each_stable_node([&](const stable_node *node) {
      if (!s_.stables.count(node->id))
        s_.orphans.push_back(node->id);
      stable(node);
    });
    orphaned_tree();
    for (auto &[id, sv] : s_.stables)
      finish(sv);
    return std::move(s_);
  }

private:
  StableView &stable(const stable_node *node) {
    auto [it, fresh] = s_.stables.try_emplace(node->id);
    StableView &v = it->second;
    if (!fresh)
      return v;
    v.id = node->id;
    v.handle = handle_text(HandleKind::stable_node, node->id);
    v.name = stable_node_name(*node);
    v.kpfn = node->kpfn;
    v.nid = node->nid;
    v.freed = node->freed;
    v.content = frame_content_label(k_, node->kpfn);
    if (!k_.is_zero_pfn(node->kpfn) && k_.pfn_valid(node->kpfn)) {
      const page *p = const_cast<Kernel &>(k_).pfn_to_page(node->kpfn);
      v.page_points_back = k_.page_stable_node(p) == node;
    }
    std::set<const rmap_item *> seen;
    for (const rmap_item *l = ksm_.hlist_first_entry(node); l; l = ksm_.hlist_next_entry(l)) {
      if (!seen.insert(l).second || v.rmap.size() >= max_) {
        v.hlist_truncated = true;
        break;
      }
      v.rmap.push_back(rmap(l).id);
    }
    return v;
  }

  RmapView &rmap(const rmap_item *item) {
    auto [it, fresh] = s_.rmaps.try_emplace(rmap_item_id(item));
    RmapView &v = it->second;
    if (!fresh)
      return v;
    v.id = rmap_item_id(item);
    v.handle = handle_text(HandleKind::rmap_item, rmap_item_id(item));
    v.name = rmap_item_name(names_, *item);
    v.freed = !item->mm;
    v.mm = item->mm ? rmap_item_mm(item)->name : "";
    v.address = item->address & PAGE_MASK;
    v.oldchecksum = item->oldchecksum;
    v.content =
        v.freed ? "rmap_item freed" : mapped_content_label(k_, rmap_item_mm(item), v.address);
    if (item->address & STABLE_FLAG) {
      v.state = "stable";
      if (const stable_node *head = ksm_.stable_of_head(item->head); item->mm && head) {
        v.stable_id = head->id;
        stable(head);
      }
    } else if (item->address & UNSTABLE_FLAG) {
      v.state = "unstable";
      v.seqnr = static_cast<unsigned>(item->address & SEQNR_MASK);
      v.age = static_cast<unsigned char>(ksm_.ksm_scan.seqnr - item->address);
    } else {
      v.state = "none";
    }
    return v;
  }

  // The stable trees link rb_nodes, the unstable trees rmap_item ids
  // (model/lib/rbtree_ops.h's policies): one walk over either.
  TreeView tree(const rb_root &root, int nid, bool is_stable) {
    return tree_of(rb_node_access{}, root, nid, is_stable);
  }
  TreeView tree(const rb_root_id &root, int nid, bool is_stable) {
    return tree_of(ksm_.unstable_access(), root, nid, is_stable);
  }

  template <class A>
  TreeView tree_of(const A &a, const typename A::root_t &root, int nid, bool is_stable) {
    TreeView t;
    t.nid = nid;
    t.stable = is_stable;
    t.name = fmt::format("root_{}stable_tree[{}]", is_stable ? "" : "un", nid);
    std::set<typename A::link> seen;
    if (root.rb_node && valid(root.rb_node))
      visit(a, t, seen, root.rb_node, typename A::link{}, 0);
    return t;
  }

  static bool valid(const rb_node *) { return true; }
  bool valid(std::uint32_t id) const { return id <= ksm_.rmap_items_allocated(); }

  template <class A>
  int visit(const A &a, TreeView &t, std::set<typename A::link> &seen, typename A::link n,
            typename A::link parent, int depth) {
    const rb_tree_ops<A> ops(a);
    if (t.nodes.size() >= max_ || depth >= MAX_DEPTH) {
      t.truncated = true;
      return -1;
    }
    int index = static_cast<int>(t.nodes.size());
    TreeNodeView v;
    v.red = ops.rb_is_red(n);
    v.parent_ok = ops.rb_parent(n) == parent;
    v.depth = depth;
    v.repeat = !seen.insert(n).second;
    if constexpr (std::is_pointer_v<typename A::link>) { // a stable tree
      StableView &sv = stable(stable_of_rb(n));
      v.id = sv.id;
      if (!v.repeat)
        sv.where = sv.where.empty() ? t.name : sv.where + ", " + t.name;
    } else {
      RmapView &rv = rmap(ksm_.rmap_at(n));
      v.id = rv.id;
      rv.in_unstable_tree = true;
    }
    t.nodes.push_back(v);
    if (v.repeat)
      return index;
    typename A::link left = a.L(n), right = a.R(n);
    if (!valid(left))
      left = {};
    if (!valid(right))
      right = {};
    if (left) {
      int li = visit(a, t, seen, left, n, depth + 1);
      t.nodes[index].left = li;
    }
    if (right) {
      int ri = visit(a, t, seen, right, n, depth + 1);
      t.nodes[index].right = ri;
    }
    return index;
  }

  void migrate_list() {
    std::set<const list_node *> seen;
    const list_node *head = &ksm_.migrate_nodes;
    for (const list_node *l = head->next; l && l != head; l = l->next) {
      if (!seen.insert(l).second || s_.migrate_nodes.size() >= max_) {
        s_.migrate_truncated = true;
        break;
      }
      StableView &sv = stable(Ksm::stable_of_list(const_cast<list_node *>(l)));
      s_.migrate_nodes.push_back(sv.id);
      sv.where = sv.where.empty() ? "migrate_nodes" : sv.where + ", migrate_nodes";
    }
  }

  void slot_list() {
    std::set<const list_node *> seen;
    const list_node *head = &ksm_.ksm_mm_head.mm_list;
    for (const list_node *l = head->next; l && l != head; l = l->next) {
      if (!seen.insert(l).second || s_.slots.size() >= max_) {
        s_.slots_truncated = true;
        break;
      }
      const mm_slot *slot = reinterpret_cast<const mm_slot *>(l); // mm_list comes first
      SlotView sv;
      sv.id = slot->id;
      sv.handle = handle_text(HandleKind::mm_slot, slot->id);
      sv.mm = slot->mm ? slot->mm->name : "";
      sv.freed = slot->freed;
      std::set<const rmap_item *> items;
      for (const rmap_item *item = ksm_.rmap_at(slot->rmap_list); item;
           item = rmap_item_next(item)) {
        if (!items.insert(item).second || sv.rmap.size() >= max_) {
          sv.truncated = true;
          break;
        }
        RmapView &rv = rmap(item);
        rv.on_mm_slot = true;
        sv.rmap.push_back(rv.id);
      }
      s_.slots.push_back(std::move(sv));
    }
  }

  void cursor() {
    const struct ksm_scan &scan = ksm_.ksm_scan;
    CursorView &c = s_.cursor;
    c.address = scan.address;
    c.seqnr = scan.seqnr;
    if (scan.mm_slot && scan.mm_slot != &ksm_.ksm_mm_head) {
      c.slot_id = scan.mm_slot->id;
      c.mm = scan.mm_slot->mm ? scan.mm_slot->mm->name : "";
    }
    if (c.slot_id && scan.rmap_list && *scan.rmap_list)
      c.next_rmap = rmap(ksm_.rmap_at(*scan.rmap_list)).id;
  }

  // Once merge_across_nodes was switched, the nodes left in one_stable_tree
  // are in no tree in use (as in the kernel): say where they still hang.
  void orphaned_tree() {
    if (ksm_.root_stable_tree == ksm_.one_stable_tree || !ksm_.one_stable_tree[0].rb_node)
      return;
    std::set<const rb_node *> seen;
    std::vector<const rb_node *> todo = {ksm_.one_stable_tree[0].rb_node};
    while (!todo.empty() && seen.size() < max_) {
      const rb_node *n = todo.back();
      todo.pop_back();
      if (!n || !seen.insert(n).second)
        continue;
      StableView &sv = stable(stable_of_rb(n));
      if (sv.where.empty())
        sv.where = "one_stable_tree (orphaned)";
      todo.push_back(n->rb_left);
      todo.push_back(n->rb_right);
    }
  }

  void finish(StableView &sv) {
    if (sv.where.empty())
      sv.where = "none";
    if (sv.freed)
      sv.stale.push_back("freed");
    if (sv.where == "none" || sv.where == "one_stable_tree (orphaned)")
      sv.stale.push_back("in no tree in use and not on migrate_nodes");
    else if (sv.where.find(", ") != std::string::npos)
      sv.stale.push_back("in more than one place: " + sv.where);
    if (!sv.page_points_back)
      sv.stale.push_back(fmt::format("its page (pfn {}) no longer points back", sv.kpfn));
  }

  const Kernel &k_;
  const Ksm &ksm_;
  const ScenarioNames &names_;
  std::size_t max_;
  KsmSnapshot s_;
};

} // namespace

std::string rmap_name(const KsmSnapshot &s, std::uint32_t id) {
  auto it = s.rmaps.find(id);
  return it == s.rmaps.end() ? fmt::format("rmap_item#{}", id) : it->second.name;
}

KsmSnapshot take_snapshot(const Kernel &k, const ScenarioNames &names, std::size_t max_nodes) {
  if (const Ksm *v39 = ksm_v3_9(k)) {
    v39->settle_unstable_tree(); // the walk below reads the tree's links
    return Walker(k, *v39, names, max_nodes).run();
  }
  if (const auto *seed = dynamic_cast<const v2_6_32::Ksm *>(&k.ksm))
    return take_snapshot_2_6_32(k, *seed, names, max_nodes);
  if (const v6_15::Ksm *v615 = v6_15::ksm_v6_15(k))
    return take_snapshot_6_15(k, *v615, names, max_nodes);
  // A port without a view of its own: its counters only.
  KsmSnapshot s;
  s.kernel = std::string(k.ksm.version());
  s.step = k.current_step;
  s.time_us = k.now_us;
  s.counters = ksm_counters(k);
  return s;
}

} // namespace ksmsim
