// SPDX-License-Identifier: GPL-2.0-only
//
// What must hold in 6.15's KSM structures, besides what v3.9's checker
// checks (model/check/invariants.cpp): a node in a stable tree is a chain
// (rmap_hlist_len STABLE_NODE_CHAIN, an hlist of dups, each with
// head STABLE_NODE_DUP_HEAD) or a regular node; a dup or a regular node's
// rmap_hlist_len is the length of its rmap_item list; ksm_stable_node_chains
// and ksm_stable_node_dups count the chains and dups; pages_shared counts
// the dups and regular nodes with rmap_items, pages_sharing the rest of
// their items; pages_unshared the rmap_items flagged unstable; ksm_rmap_items
// the items on the mm_slots; the per-mm ksm_merging_pages the stable items
// of the mm, and each mm's ksm_rmap_items its items (both only while no
// fork copied an mm's figures: see below).
#include "model/check/invariants_6_15.h"

#include <fmt/format.h>

#include <map>

#include "model/ksm/v6.15/ksm.h"
#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
struct Checker615 {
  v6_15::Ksm &ksm;
  std::vector<std::string> &out;
  template <class... Args> void fail(fmt::format_string<Args...> f, Args &&...args) {
    if (out.size() < 20)
      out.push_back(fmt::format(f, std::forward<Args>(args)...));
  }

  // A regular node or a dup: its rmap_items. Returns how many.
  unsigned long rmap_list(const v6_15::stable_node *node) {
    unsigned long n = 0;
    for (const v6_15::list_node *l = node->hlist.next; l != &node->hlist && n < (1ul << 24);
         l = l->next) {
      const v6_15::rmap_item *item = v6_15::Ksm::rmap_of_hlist(const_cast<v6_15::list_node *>(l));
      if (!item->mm)
        fail("stable_node: node {} lists a freed rmap_item", node->id);
      else if (!(item->address & v6_15::STABLE_FLAG) || item->head != node)
        fail("rmap_item: rmap_item {} listed on stable_node {} without STABLE_FLAG/head", item->id,
             node->id);
      n++;
    }
    if (static_cast<long>(n) != node->rmap_hlist_len)
      fail("stable_node: node {} has rmap_hlist_len {} but lists {} rmap_items", node->id,
           node->rmap_hlist_len, n);
    return n;
  }

  void run() {
    unsigned long shared = 0, sharing = 0, unshared = 0, items = 0, chains = 0, dups = 0;
    auto count = [&](unsigned long n) {
      if (n) {
        shared++;
        sharing += n - 1;
      }
    };
    ksm.for_each_stable_node([&](const v6_15::stable_node *node) {
      const bool chain = v6_15::Ksm::is_stable_node_chain(node);
      const bool dup = !chain && ksm.is_stable_node_dup(node);
      const bool listed = !chain && node->head == &ksm.migrate_nodes;
      const bool in_tree = ksm.in_stable_tree(node);
      if (chain) {
        chains++;
        if (!in_tree)
          fail("stable_node: chain {} is not in a stable tree", node->id);
        unsigned long n = 0;
        for (const v6_15::list_node *l = node->hlist.next; l != &node->hlist && n < (1ul << 24);
             l = l->next, n++) {
          const v6_15::stable_node *d =
              v6_15::Ksm::stable_of_hlist_dup(const_cast<v6_15::list_node *>(l));
          if (d->freed)
            fail("stable_node: chain {} lists a freed dup {}", node->id, d->id);
          else if (!ksm.is_stable_node_dup(d))
            fail("stable_node: chain {} lists node {} that is not a dup", node->id, d->id);
        }
        // (An empty chain is legal: a stale dup's removal leaves it, and the
        // next stable_node_dup walk over it frees it.)
        return;
      }
      if (dup) {
        dups++;
        if (in_tree)
          fail("stable_node: dup {} is also in a stable tree", node->id);
      } else if (listed == in_tree) {
        fail("stable_node: node {} is {} the stable tree and {} migrate_nodes", node->id,
             in_tree ? "in" : "not in", listed ? "on" : "not on");
      }
      if (node->rmap_hlist_len < 0)
        fail("stable_node: node {} has rmap_hlist_len {}", node->id, node->rmap_hlist_len);
      count(rmap_list(node));
    });
    // Per mm: its stable rmap_items and all its rmap_items.
    std::map<const mm_struct *, std::pair<unsigned long, unsigned long>> per_mm;
    ksm.for_each_mm_slot([&](const v6_15::mm_slot *slot) {
      for (const v6_15::rmap_item *item = slot->rmap_list; item; item = item->rmap_list) {
        items++;
        if (!item->mm) {
          fail("rmap_item: a freed rmap_item {} is on mm_slot {}'s list", item->id, slot->id);
          continue;
        }
        per_mm[item->mm].second++;
        if (item->address & v6_15::UNSTABLE_FLAG) {
          unshared++;
          unsigned char age = static_cast<unsigned char>(ksm.ksm_scan.seqnr - item->address);
          if (age == 0 && !ksm.in_unstable_tree(item))
            fail("rmap_item: rmap_item {} inserted this scan is not in the unstable tree",
                 item->id);
          if (age > 1)
            fail("rmap_item: rmap_item {} has unstable age {}", item->id, age);
        }
        if (item->address & v6_15::STABLE_FLAG) {
          per_mm[item->mm].first++;
          if (item->head->freed)
            fail("rmap_item: rmap_item {} points to freed stable_node {}", item->id,
                 item->head->id);
          else if (v6_15::Ksm::is_stable_node_chain(item->head))
            fail("rmap_item: rmap_item {} is listed from chain {}", item->id, item->head->id);
        }
      }
    });
    if (chains != ksm.ksm_stable_node_chains || dups != ksm.ksm_stable_node_dups)
      fail("counters: stable_node_chains/dups {}/{} but the trees hold {}/{}",
           ksm.ksm_stable_node_chains, ksm.ksm_stable_node_dups, chains, dups);
    if (shared != ksm.ksm_pages_shared || sharing != ksm.ksm_pages_sharing)
      fail("counters: pages_shared/sharing {}/{} but the stable tree holds {}/{}",
           ksm.ksm_pages_shared, ksm.ksm_pages_sharing, shared, sharing);
    if (unshared != ksm.ksm_pages_unshared)
      fail("counters: pages_unshared {} but {} rmap_items are flagged unstable",
           ksm.ksm_pages_unshared, unshared);
    if (items != ksm.ksm_rmap_items)
      fail("counters: ksm_rmap_items {} but the mm_slots list {}", ksm.ksm_rmap_items, items);
    // The per-mm figures match the lists unless a fork copied a parent's
    // (6.15 without the 2025 fork fix: the kernel's own miscount).
    if (ksm.fork_counter_fix)
      for (const auto &[mm, n] : per_mm) {
        if (mm->ksm_merging_pages != n.first)
          fail("counters: mm {} ksm_merging_pages {} but {} of its rmap_items are stable", mm->id,
               mm->ksm_merging_pages, n.first);
        if (mm->ksm_rmap_items != n.second)
          fail("counters: mm {} ksm_rmap_items {} but it has {} rmap_items", mm->id,
               mm->ksm_rmap_items, n.second);
      }
  }
};
} // namespace

void check_ksm_6_15(v6_15::Ksm &ksm, std::vector<std::string> &out) {
  Checker615{ksm, out}.run();
}

void check_ksm_page_6_15(const v6_15::Ksm &ksm, page *p, std::uint64_t pfn,
                         std::vector<std::string> &out) {
  if (!Kernel::PageKsm(p))
    return;
  const v6_15::stable_node *node = ksm.folio_stable_node(p);
  if (!node)
    return; // between try_to_merge_one_page and stable_tree_insert, or removed
  std::string what;
  if (node->freed)
    what = fmt::format("KSM page {} points to freed stable_node {}", pfn, node->id);
  else if (v6_15::Ksm::is_stable_node_chain(node))
    what = fmt::format("KSM page {} points to chain {}", pfn, node->id);
  else if (node->kpfn != pfn)
    what = fmt::format("KSM page {} points to stable_node {} whose kpfn is {}", pfn, node->id,
                       node->kpfn);
  if (!what.empty() && out.size() < 20)
    out.push_back("stable_node: " + what);
}

} // namespace ksmsim
