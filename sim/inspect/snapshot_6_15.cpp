// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/snapshot_6_15.h"

#include <fmt/format.h>

#include <set>

#include "model/ksm/v6.15/ksm.h"
#include "model/mm/kernel.h"
#include "model/mm/proc_ksm_stat.h"
#include "sim/inspect/counters.h"

namespace ksmsim {

namespace {

namespace v6 = v6_15;
using v6::SEQNR_MASK;
using v6::STABLE_FLAG;
using v6::UNSTABLE_FLAG;

constexpr int MAX_DEPTH = 256;

const v6::stable_node *stable_of_rb(const rb_node *n) {
  return reinterpret_cast<const v6::stable_node *>(n); // node is stable_node's first member
}
const v6::rmap_item *rmap_of_rb(const rb_node *n) {
  return reinterpret_cast<const v6::rmap_item *>(reinterpret_cast<const char *>(n) -
                                                 offsetof(v6::rmap_item, node));
}

class Walker615 {
public:
  Walker615(const Kernel &k, const v6::Ksm &ksm, const ScenarioNames &names, std::size_t max)
      : k_(k), ksm_(ksm), names_(names), max_(max) {}

  KsmSnapshot run() {
    s_.kernel = std::string(ksm_.version());
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
    // Live nodes the walks did not reach (a dup is reached through its chain).
    ksm_.for_each_stable_node([&](const v6::stable_node *node) {
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
  StableView &stable(const v6::stable_node *node) {
    auto [it, fresh] = s_.stables.try_emplace(node->id);
    StableView &v = it->second;
    if (!fresh)
      return v;
    v.id = node->id;
    v.handle = handle_text(HandleKind::stable_node, node->id);
    v.nid = node->nid;
    v.freed = node->freed;
    v.chained_kernel = true;
    v.rmap_hlist_len = node->rmap_hlist_len;
    if (v6::Ksm::is_stable_node_chain(node)) {
      // A chain has no page: kpfn is chain_prune_time (a union), and its
      // hlist holds the dups by their hlist_dup.
      v.is_chain = true;
      v.chain_prune_time = node->chain_prune_time;
      v.content = "a chain: no page of its own";
      std::set<const v6::list_node *> seen;
      for (const v6::list_node *l = node->hlist.next; l && l != &node->hlist; l = l->next) {
        if (!seen.insert(l).second || v.dups.size() >= max_) {
          v.dups_truncated = true;
          break;
        }
        const v6::stable_node *dup = v6::Ksm::stable_of_hlist_dup(const_cast<v6::list_node *>(l));
        StableView &dv = stable(dup); // may rehash s_.stables' nodes: std::map keeps v valid
        dv.chain = node->id;
        v.dups.push_back(dv.id);
      }
      v.name = fmt::format("stable#{} (chain, {} dup{}, node {})", node->id, v.dups.size(),
                           v.dups.size() == 1 ? "" : "s", node->nid);
      return v;
    }
    v.kpfn = node->kpfn;
    v.name = fmt::format("stable#{} (pfn {}, node {})", node->id, node->kpfn, node->nid);
    v.content = frame_content_label(k_, node->kpfn);
    if (!k_.is_zero_pfn(node->kpfn) && k_.pfn_valid(node->kpfn)) {
      const page *p = const_cast<Kernel &>(k_).pfn_to_page(node->kpfn);
      // page->mapping holds the id of the port's own stable_node (folio_stable_node).
      v.page_points_back = ksm_.folio_stable_node(p) == node;
    }
    std::set<const v6::list_node *> seen;
    for (const v6::list_node *l = node->hlist.next; l && l != &node->hlist; l = l->next) {
      if (!seen.insert(l).second || v.rmap.size() >= max_) {
        v.hlist_truncated = true;
        break;
      }
      v.rmap.push_back(rmap(v6::Ksm::rmap_of_hlist(const_cast<v6::list_node *>(l))).id);
    }
    return v;
  }

  RmapView &rmap(const v6::rmap_item *item) {
    auto [it, fresh] = s_.rmaps.try_emplace(item->id);
    RmapView &v = it->second;
    if (!fresh)
      return v;
    v.id = item->id;
    v.handle = handle_text(HandleKind::rmap_item, item->id);
    v.freed = !item->mm;
    v.mm = item->mm ? item->mm->name : "";
    v.address = item->address & PAGE_MASK;
    v.name = item->mm ? address_name(names_, item->mm->name, v.address)
                      : fmt::format("rmap_item#{} (freed)", item->id);
    v.oldchecksum = item->oldchecksum;
    v.content = v.freed ? "rmap_item freed" : mapped_content_label(k_, item->mm, v.address);
    if (item->address & STABLE_FLAG) {
      v.state = "stable";
      if (item->mm && item->head) {
        v.stable_id = item->head->id;
        stable(item->head);
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

  TreeView tree(const rb_root &root, int nid, bool is_stable) {
    TreeView t;
    t.nid = nid;
    t.stable = is_stable;
    t.name = fmt::format("root_{}stable_tree[{}]", is_stable ? "" : "un", nid);
    std::set<const rb_node *> seen;
    if (root.rb_node)
      visit(t, seen, root.rb_node, nullptr, 0);
    return t;
  }

  int visit(TreeView &t, std::set<const rb_node *> &seen, const rb_node *n, const rb_node *parent,
            int depth) {
    if (t.nodes.size() >= max_ || depth >= MAX_DEPTH) {
      t.truncated = true;
      return -1;
    }
    int index = static_cast<int>(t.nodes.size());
    TreeNodeView v;
    v.red = rb_is_red(n);
    v.parent_ok = rb_parent(n) == parent;
    v.depth = depth;
    v.repeat = !seen.insert(n).second;
    if (t.stable) {
      StableView &sv = stable(stable_of_rb(n));
      v.id = sv.id;
      if (!v.repeat) {
        sv.where = sv.where.empty() ? t.name : sv.where + ", " + t.name;
        for (std::uint32_t dup : sv.dups) // a chain's dups hang below it
          add_where(s_.stables.at(dup), fmt::format("dup of stable#{} in {}", sv.id, t.name));
      }
    } else {
      RmapView &rv = rmap(rmap_of_rb(n));
      v.id = rv.id;
      rv.in_unstable_tree = true;
    }
    t.nodes.push_back(v);
    if (v.repeat)
      return index;
    const rb_node *left = n->rb_left, *right = n->rb_right;
    if (left) {
      int li = visit(t, seen, left, n, depth + 1);
      t.nodes[index].left = li;
    }
    if (right) {
      int ri = visit(t, seen, right, n, depth + 1);
      t.nodes[index].right = ri;
    }
    return index;
  }

  static void add_where(StableView &sv, const std::string &where) {
    sv.where = sv.where.empty() ? where : sv.where + ", " + where;
  }

  void migrate_list() {
    std::set<const v6::list_node *> seen;
    const v6::list_node *head = &ksm_.migrate_nodes;
    for (const v6::list_node *l = head->next; l && l != head; l = l->next) {
      if (!seen.insert(l).second || s_.migrate_nodes.size() >= max_) {
        s_.migrate_truncated = true;
        break;
      }
      StableView &sv = stable(v6::Ksm::stable_of_list(const_cast<v6::list_node *>(l)));
      s_.migrate_nodes.push_back(sv.id);
      add_where(sv, "migrate_nodes");
    }
  }

  void slot_list() {
    std::set<const v6::list_node *> seen;
    const v6::list_node *head = &ksm_.ksm_mm_head.mm_list;
    for (const v6::list_node *l = head->next; l && l != head; l = l->next) {
      if (!seen.insert(l).second || s_.slots.size() >= max_) {
        s_.slots_truncated = true;
        break;
      }
      const v6::mm_slot *slot = reinterpret_cast<const v6::mm_slot *>(l); // mm_list comes first
      SlotView sv;
      sv.id = slot->id;
      sv.handle = handle_text(HandleKind::mm_slot, slot->id);
      sv.mm = slot->mm ? slot->mm->name : "";
      sv.freed = slot->freed;
      std::set<const v6::rmap_item *> items;
      for (const v6::rmap_item *item = slot->rmap_list; item; item = item->rmap_list) {
        if (!items.insert(item).second || sv.rmap.size() >= max_) {
          sv.truncated = true;
          break;
        }
        RmapView &rv = rmap(item);
        rv.on_mm_slot = true;
        sv.rmap.push_back(rv.id);
      }
      if (slot->mm && !slot->freed && !slot->mm->freed)
        for (const std::string &name : proc_pid_ksm_stat_names()) {
          std::int64_t value = 0;
          if (ksm_.mm_stat(slot->mm, name, &value))
            sv.ksm_stat.emplace_back(name, value);
        }
      s_.slots.push_back(std::move(sv));
    }
  }

  void cursor() {
    const struct v6::ksm_scan &scan = ksm_.ksm_scan;
    CursorView &c = s_.cursor;
    c.address = scan.address;
    c.seqnr = scan.seqnr;
    if (scan.mm_slot && scan.mm_slot != &ksm_.ksm_mm_head) {
      c.slot_id = scan.mm_slot->id;
      c.mm = scan.mm_slot->mm ? scan.mm_slot->mm->name : "";
    }
    if (c.slot_id && scan.rmap_list && *scan.rmap_list)
      c.next_rmap = rmap(*scan.rmap_list).id;
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
      sv.stale.push_back(sv.chain ? "a dup on a chain in no tree in use"
                                  : "in no tree in use, on no chain and not on migrate_nodes");
    else if (sv.where.find(", ") != std::string::npos)
      sv.stale.push_back("in more than one place: " + sv.where);
    // A chain has no page; a dup's or a node's page should point back to it.
    if (!sv.is_chain && !sv.page_points_back)
      sv.stale.push_back(fmt::format("its page (pfn {}) no longer points back", sv.kpfn));
  }

  const Kernel &k_;
  const v6::Ksm &ksm_;
  const ScenarioNames &names_;
  std::size_t max_;
  KsmSnapshot s_;
};

} // namespace

KsmSnapshot take_snapshot_6_15(const Kernel &k, const v6_15::Ksm &ksm, const ScenarioNames &names,
                               std::size_t max_nodes) {
  return Walker615(k, ksm, names, max_nodes).run();
}

} // namespace ksmsim
