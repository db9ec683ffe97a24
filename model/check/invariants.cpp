// SPDX-License-Identifier: GPL-2.0-only
#include "model/check/invariants.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "model/check/invariants_2_6_32.h"
#include "model/check/invariants_6_15.h"
#include "model/ksm/v2.6.32/ksm.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v6.15/ksm.h"
#include "model/mm/kernel.h"
#include "model/mm/lazy_array.h"

namespace ksmsim {

namespace {
struct Checker {
  Kernel &k;
  std::vector<std::string> out;
  // The profile, found once: frame() runs for every frame in use.
  Ksm *const v39 = ksm_v3_9(k);
  v6_15::Ksm *const v615 = v39 ? nullptr : v6_15::ksm_v6_15(k);

  template <class... Args>
  void fail(const char *check, fmt::format_string<Args...> f, Args &&...args) {
    if (out.size() < 20)
      out.push_back(fmt::format("{}: {}", check, fmt::format(f, std::forward<Args>(args)...)));
  }

  // The v3.9 port's trees, lists and counters.
  // The KSM port's own checks, whichever profile runs.
  void ksm_structures() {
    if (v39)
      ksm_trees(*v39);
    else if (auto *seed = dynamic_cast<v2_6_32::Ksm *>(&k.ksm))
      check_ksm_2_6_32(*seed, out);
    else if (v615)
      check_ksm_6_15(*v615, out);
  }

  void ksm_trees(Ksm &ksm) {
    unsigned long shared = 0, sharing = 0, unshared = 0, items = 0;
    // A list longer than every rmap_item ever handed out is a cycle: the
    // walks stop there (the check never hangs) and say so.
    const unsigned long bound = ksm.rmap_items_allocated();
    // Items on some stable_node's hlist, and items with STABLE_FLAG and a
    // head naming a live node: equal when every such item is listed (a
    // listed item's flag and head are checked; one listed twice is a cycle
    // or fails the head check on the other node).
    unsigned long listed = 0, stable_flagged = 0;
    auto count_hlist = [&](const stable_node *node) {
      unsigned long n = 0;
      for (const rmap_item *item = ksm.hlist_first_entry(node); item;
           item = ksm.hlist_next_entry(item)) {
        if (n == bound) {
          fail("stable_node", "node {}'s hlist does not end within {} rmap_items (a cycle)",
               node->id, bound);
          break;
        }
        if (!item->mm)
          fail("stable_node", "node {} lists a freed rmap_item", node->id);
        else if (!(item->address & STABLE_FLAG) || item->head != stable_node_ref(node))
          fail("rmap_item", "rmap_item {} listed on stable_node {} without STABLE_FLAG/head",
               rmap_item_id(item), node->id);
        n++;
      }
      listed += n;
      if (n) {
        shared++;
        sharing += n - 1;
      }
    };
    ksm.for_each_stable_node([&](const stable_node *node) {
      bool listed = node->head == &ksm.migrate_nodes;
      bool in_tree = ksm.in_stable_tree(node);
      if (listed == in_tree)
        fail("stable_node", "node {} is {} the stable tree and {} migrate_nodes", node->id,
             in_tree ? "in" : "not in", listed ? "on" : "not on");
      if (in_tree && !rb_in_tree_of(node))
        fail("stable_node", "node {} is in the tree of another nid than {}", node->id, node->nid);
      count_hlist(node);
    });
    ksm.for_each_mm_slot([&](const mm_slot *slot) {
      unsigned long on_slot = 0;
      for (const rmap_item *item = ksm.rmap_at(slot->rmap_list); item;
           item = rmap_item_next(item)) {
        if (on_slot++ == bound) {
          fail("mm_slot", "mm_slot {}'s rmap_list does not end within {} rmap_items (a cycle)",
               slot->id, bound);
          break;
        }
        items++;
        if (!item->mm) {
          fail("rmap_item", "a freed rmap_item {} is on mm_slot {}'s list", rmap_item_id(item),
               slot->id);
          continue;
        }
        if (item->address & UNSTABLE_FLAG) {
          unshared++;
          unsigned char age = static_cast<unsigned char>(ksm.ksm_scan.seqnr - item->address);
          if (age == 0 && !ksm.in_unstable_tree(item))
            fail("rmap_item", "rmap_item {} inserted this scan is not in the unstable tree",
                 rmap_item_id(item));
          if (age > 1)
            fail("rmap_item", "rmap_item {} has unstable age {}", rmap_item_id(item), age);
        }
        if (item->address & STABLE_FLAG) {
          // head is a stable_node_ref (ksm_types.h): bit 1 set (bit 0
          // clear), a node's id above them.
          const stable_node *head = ksm.stable_of_head(item->head);
          if ((item->head & 3) != 2)
            fail("rmap_item",
                 "rmap_item {} has STABLE_FLAG but its head {:#x} is no stable_node_ref",
                 rmap_item_id(item), item->head);
          else if (!head)
            fail("rmap_item",
                 "rmap_item {} has STABLE_FLAG but its head {:#x} names no stable_node",
                 rmap_item_id(item), item->head);
          else if (head->freed)
            fail("rmap_item", "rmap_item {} points to freed stable_node {}", rmap_item_id(item),
                 head->id);
          else
            stable_flagged++;
        }
      }
    });
    if (shared != ksm.ksm_pages_shared || sharing != ksm.ksm_pages_sharing)
      fail("counters", "pages_shared/sharing {}/{} but the stable tree holds {}/{}",
           ksm.ksm_pages_shared, ksm.ksm_pages_sharing, shared, sharing);
    if (listed != stable_flagged)
      fail("rmap_item",
           "{} rmap_items have STABLE_FLAG and a live stable_node's head but {} are listed on "
           "stable_nodes",
           stable_flagged, listed);
    if (unshared != ksm.ksm_pages_unshared)
      fail("counters", "pages_unshared {} but {} rmap_items are flagged unstable",
           ksm.ksm_pages_unshared, unshared);
    if (items != ksm.ksm_rmap_items)
      fail("counters", "ksm_rmap_items {} but the mm_slots list {}", ksm.ksm_rmap_items, items);
  }

  bool rb_in_tree_of(const stable_node *node) { return v39->stable_tree_nid_of(node) == node->nid; }

  // Counts per pfn or swap slot, one byte each in chunks taken as used (the
  // check runs over the whole machine: a byte a frame, not a map node),
  // with the rare counts of 255 and more kept aside.
  class Tally {
  public:
    explicit Tally(std::uint64_t n) { small_.assign(n); }
    void add(std::uint64_t i) {
      std::uint8_t &c = small_[i];
      if (c < 255)
        c++;
      else
        big_[i]++;
    }
    std::uint64_t get(std::uint64_t i) const {
      std::uint8_t c = small_.get(i);
      if (c < 255)
        return c;
      auto it = big_.find(i);
      return 255 + (it == big_.end() ? 0 : it->second);
    }
    template <class F> void for_each(F &&f) const {
      small_.for_each_taken([&](std::uint64_t i, std::uint8_t c) {
        if (c)
          f(i, get(i));
      });
    }

  private:
    LazyArray<std::uint8_t> small_;
    std::map<std::uint64_t, std::uint64_t> big_;
  };

  // f(mm, address, pte) for every pte of every vma, table by table.
  template <class F> void for_each_pte(F &&f) {
    for (mm_struct *mm : k.mms())
      for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
        const std::uint64_t last_key = pgtable_key(vma->vm_end - 1);
        for (std::uint64_t key = pgtable_key(vma->vm_start) + 1; key-- > last_key;) {
          if (key >= mm->pgtables.size() || !mm->pgtables[key])
            continue;
          const page_table &table = *mm->pgtables[key];
          const std::uint64_t base = pgtable_start(key);
          for (unsigned i = 0; i < 512; i++) {
            const std::uint64_t a = base | (std::uint64_t(i) << PAGE_SHIFT);
            if (!pte_none(table[i]) && a >= vma->vm_start && a < vma->vm_end)
              f(mm, a, table[i]);
          }
        }
      }
  }

  void frames_and_ptes() {
    Tally pte_maps(k.max_pfn() + 1);     // pfn -> present ptes
    Tally swap_refs(k.swap_slots() + 1); // swap slot -> swap ptes
    for_each_pte([&](mm_struct *mm, std::uint64_t a, pte_t pte) {
      if (pte_present(pte)) {
        if (!pte_special(pte))
          pte_maps.add(pte_pfn(pte));
      } else if (is_migration_entry(pte)) {
        fail("pte", "{} {:x}: a migration entry outside a migration", mm->name, a);
      } else if (pte_to_swp_entry(pte) <= k.swap_slots()) {
        swap_refs.add(pte_to_swp_entry(pte));
      } else {
        fail("swap", "{} {:x}: a swap pte beyond the swap device", mm->name, a);
      }
    });
    pte_maps.for_each([&](std::uint64_t pfn, std::uint64_t n) {
      page *p = k.pfn_to_page(pfn);
      if (p->_count == 0)
        fail("pte", "a pte maps freed page {}", pfn);
      if (std::uint64_t(Kernel::page_mapcount(p)) != n)
        fail("mapcount", "page {} has mapcount {} but {} ptes map it", pfn,
             Kernel::page_mapcount(p), n);
    });
    k.for_each_frame([&](page *p) {
      if (p->_count == 0 || (p->flags & PG_zero))
        return;
      if (Kernel::page_mapped(p) && pte_maps.get(k.page_to_pfn(p)) == 0)
        fail("mapcount", "page {} has mapcount {} but no pte maps it", k.page_to_pfn(p),
             Kernel::page_mapcount(p));
      frame(p);
    });
    // Slots never touched are free and empty; a pte holding one of them is
    // caught below, since every referenced slot was touched.
    swap_refs.for_each([&](std::uint64_t off, std::uint64_t refs) {
      if (k.swap_map_at(off) == 0 && refs > 0)
        fail("swap", "slot {} is free but {} ptes hold it", off, refs);
    });
    k.for_each_touched_swap_slot([&](std::uint64_t off) {
      std::uint64_t count = k.swap_refs(off); // through the count continuations
      bool cached = k.swap_map_at(off) & SWAP_HAS_CACHE;
      std::uint64_t refs = swap_refs.get(off);
      if (count != refs)
        fail("swap", "slot {} counts {} references but {} ptes hold it", off, count, refs);
      if (cached != (k.swap_cache_pfn(off) != 0))
        fail("swap", "slot {} SWAP_HAS_CACHE is {} but the swap cache {}", off, cached,
             k.swap_cache_pfn(off) ? "holds a page" : "is empty");
    });
  }
  // The frames a step touched (TouchLog): by induction from the previous
  // check, a frame's ptes are its mapcount before the step plus the step's
  // pte deltas; the checks of frames_and_ptes on those frames alone.
  void touched_frames(const TouchLog &log) {
    std::vector<TouchLog::Entry> e = log.entries();
    std::stable_sort(e.begin(), e.end(), [](const TouchLog::Entry &a, const TouchLog::Entry &b) {
      return a.pfn < b.pfn;
    });
    for (std::size_t i = 0; i < e.size();) {
      const std::uint64_t pfn = e[i].pfn;
      page *p = k.pfn_to_page(pfn);
      std::int64_t before = Kernel::page_mapcount(p), delta = 0;
      bool first_before = true;
      for (; i < e.size() && e[i].pfn == pfn; i++) {
        if (e[i].kind == TouchLog::MAPCOUNT_BEFORE && first_before) {
          before = e[i].value;
          first_before = false;
        } else if (e[i].kind == TouchLog::PTE_DELTA) {
          delta += e[i].value;
        }
      }
      if (p->flags & PG_zero)
        continue;
      const std::int64_t ptes = before + delta;
      if (ptes > 0) {
        if (p->_count == 0)
          fail("pte", "a pte maps freed page {}", pfn);
        if (Kernel::page_mapcount(p) != ptes)
          fail("mapcount", "page {} has mapcount {} but {} ptes map it", pfn,
               Kernel::page_mapcount(p), ptes);
      }
      if (p->_count == 0)
        continue;
      if (ptes <= 0 && Kernel::page_mapped(p))
        fail("mapcount", "page {} has mapcount {} but no pte maps it", pfn,
             Kernel::page_mapcount(p));
      frame(p);
    }
  }

  // The checks of one frame in use that need no pte count.
  void frame(page *p) {
    int need = Kernel::page_mapcount(p) + (Kernel::PageSwapCache(p) ? 1 : 0);
    if (p->_count < need)
      fail("refcount", "page {} has refcount {} below mapcount+swapcache {}", k.page_to_pfn(p),
           p->_count, need);
    if (!v39) { // the port's own stable_node, or none (v2.6.32)
      if (v615)
        check_ksm_page_6_15(*v615, p, k.page_to_pfn(p), out);
      return;
    }
    if (stable_node *node = k.page_stable_node(p)) {
      if (node->freed)
        fail("stable_node", "KSM page {} points to freed stable_node {}", k.page_to_pfn(p),
             node->id);
      else if (node->kpfn != k.page_to_pfn(p))
        fail("stable_node", "KSM page {} points to stable_node {} whose kpfn is {}",
             k.page_to_pfn(p), node->id, node->kpfn);
    }
  }
};
} // namespace

std::vector<std::string> InvariantChecker::check_touched(Kernel &k, const TouchLog &log) {
  if (log.full())
    return check(k);
  Checker c{k, {}};
  // The KSM checks read only what the port writes: unentered, it is as the
  // last check found it (KsmProfile::entries).
  if (log.ksm_entered_since(k.ksm.entries()))
    c.ksm_structures();
  c.touched_frames(log);
  return c.out;
}

std::vector<std::string> InvariantChecker::check(Kernel &k) {
  Checker c{k, {}};
  c.ksm_structures();
  c.frames_and_ptes();
  return c.out;
}

} // namespace ksmsim
