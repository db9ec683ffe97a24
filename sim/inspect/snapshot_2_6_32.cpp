// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/snapshot_2_6_32.h"

#include <fmt/format.h>

#include <set>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/mm/kernel.h"
#include "sim/inspect/counters.h"

namespace ksmsim {

namespace {

using v2_6_32::NODE_FLAG;
using v2_6_32::SEQNR_MASK;
using v2_6_32::STABLE_FLAG;
namespace seed = v2_6_32;

constexpr int MAX_DEPTH = 256;

// The page the pte at mm:addr maps now, as a stable item sees it: the KSM
// page it shares, or why it is stale (get_ksm_page would drop it).
std::string kpage_label(const Kernel &k, const mm_struct *mm, std::uint64_t addr) {
  if (!mm || mm->freed)
    return "mm freed";
  std::uint64_t key = pgtable_key(addr);
  if (key >= mm->pgtables.size() || !mm->pgtables[key])
    return "not mapped: stale";
  pte_t pte = (*mm->pgtables[key])[(addr >> PAGE_SHIFT) & 511];
  if (!pte_present(pte) || pte_special(pte))
    return "no page mapped: stale";
  const page *p = const_cast<Kernel &>(k).pfn_to_page(pte_pfn(pte));
  if (!Kernel::PageKsm(p))
    return fmt::format("pfn {}, not PageKsm: stale", pte_pfn(pte));
  return fmt::format("pfn {}, PageKsm, node {}", pte_pfn(pte), k.page_to_nid(p));
}

class SeedWalker {
public:
  SeedWalker(const Kernel &k, const seed::Ksm &ksm, const ScenarioNames &names, std::size_t max)
      : k_(k), ksm_(ksm), names_(names), max_(max) {}

  KsmSnapshot run() {
    s_.kernel = std::string(ksm_.version());
    s_.step = k_.current_step;
    s_.time_us = k_.now_us;
    // Only the files the seed has (no pages_unshared, pages_volatile,
    // full_scans) and the node counts it has (no migrate_nodes).
    for (const auto &[name, value] : ksm_counters(k_))
      if (ksm_.has_sysfs_file(name) || name == "stable_nodes" || name == "rmap_items")
        s_.counters.emplace_back(name, value);
    s_.stable_trees.push_back(tree(ksm_.root_stable_tree, true));
    s_.unstable_trees.push_back(tree(ksm_.root_unstable_tree, false));
    slot_list();
    cursor();
    return std::move(s_);
  }

private:
  RmapView &rmap(const seed::rmap_item *item) {
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
    v.content = v.freed ? "rmap_item freed" : mapped_content_label(k_, item->mm, v.address);
    if (item->address & STABLE_FLAG) {
      v.state = "stable"; // oldchecksum shares its word with next: not shown
      v.kpage = v.freed ? "rmap_item freed" : kpage_label(k_, item->mm, v.address);
    } else if (item->address & NODE_FLAG) {
      v.state = "unstable";
      v.oldchecksum = item->oldchecksum;
      v.seqnr = static_cast<unsigned>(item->address & SEQNR_MASK);
      v.age = static_cast<unsigned char>(ksm_.ksm_scan.seqnr - item->address);
    } else {
      v.state = "none";
      v.oldchecksum = item->oldchecksum;
    }
    return v;
  }

  TreeView tree(const rb_root &root, bool is_stable) {
    TreeView t;
    t.stable = is_stable;
    t.of_rmap_items = is_stable;
    t.name = is_stable ? "root_stable_tree" : "root_unstable_tree";
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
    const seed::rmap_item *item = seed::rmap_of_node(const_cast<rb_node *>(n));
    RmapView &rv = rmap(item);
    v.id = rv.id;
    if (!t.stable)
      rv.in_unstable_tree = true;
    else if (!v.repeat)
      stable_list(item, v);
    t.nodes.push_back(std::move(v));
    if (t.nodes[index].repeat)
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

  // The node's list: node->next, ... (prev links are the checker's).
  void stable_list(const seed::rmap_item *node, TreeNodeView &v) {
    rmap(node).list_node = node->id;
    std::set<const seed::rmap_item *> seen = {node};
    for (const seed::rmap_item *i = node->next; i; i = i->next) {
      if (!seen.insert(i).second || v.list.size() >= max_) {
        v.list_truncated = true;
        break;
      }
      RmapView &rv = rmap(i);
      rv.list_node = node->id;
      v.list.push_back(rv.id);
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
      const seed::mm_slot *slot = reinterpret_cast<const seed::mm_slot *>(l); // mm_list first
      SlotView sv;
      sv.id = slot->id;
      sv.handle = handle_text(HandleKind::mm_slot, slot->id);
      sv.mm = slot->mm ? slot->mm->name : "";
      sv.freed = slot->freed;
      std::set<const list_node *> items;
      for (const list_node *r = slot->rmap_list.next; r && r != &slot->rmap_list; r = r->next) {
        if (!items.insert(r).second || sv.rmap.size() >= max_) {
          sv.truncated = true;
          break;
        }
        RmapView &rv = rmap(seed::rmap_of_link(const_cast<list_node *>(r)));
        rv.on_mm_slot = true;
        sv.rmap.push_back(rv.id);
      }
      s_.slots.push_back(std::move(sv));
    }
  }

  void cursor() {
    const struct seed::ksm_scan &scan = ksm_.ksm_scan;
    CursorView &c = s_.cursor;
    c.address = scan.address;
    c.seqnr = scan.seqnr;
    if (!scan.mm_slot || scan.mm_slot == &ksm_.ksm_mm_head)
      return;
    c.slot_id = scan.mm_slot->id;
    c.mm = scan.mm_slot->mm ? scan.mm_slot->mm->name : "";
    // ksm_scan.rmap_item is the item scanned last (or the list head, as a
    // fake item): the next one scanned is the one after it, if any.
    const list_node *last = scan.rmap_item_ ? &scan.rmap_item_->link : nullptr;
    if (last && last->next && last->next != &scan.mm_slot->rmap_list)
      c.next_rmap = rmap(seed::rmap_of_link(last->next)).id;
  }

  const Kernel &k_;
  const seed::Ksm &ksm_;
  const ScenarioNames &names_;
  std::size_t max_;
  KsmSnapshot s_;
};

} // namespace

KsmSnapshot take_snapshot_2_6_32(const Kernel &k, const v2_6_32::Ksm &ksm,
                                 const ScenarioNames &names, std::size_t max_nodes) {
  return SeedWalker(k, ksm, names, max_nodes).run();
}

} // namespace ksmsim
