// SPDX-License-Identifier: GPL-2.0-only
//
// What `show` and `svg` print, from the dump module (sim/inspect/): the
// trees with their shape and colours, the rmap lists, the picture.
#include "sim/step/inspect_text.h"

#include <fmt/format.h>

#include <cstddef>
#include <stdexcept>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v6.15/ksm.h"
#include "model/mm/kernel.h"
#include "sim/inspect/dump.h"
#include "sim/inspect/dump_text.h"
#include "sim/step/page_names.h"

namespace ksmsim {

namespace {
// The blocks of the dump's text (a line at column 0 and the indented lines
// after it) whose first line starts with one of the prefixes.
std::string dump_sections(Kernel &k, const PageNames &names,
                          std::initializer_list<std::string_view> prefixes) {
  std::string text = dump_text(take_snapshot(k, names.scenario_names()));
  std::string out;
  bool keep = false;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    if (!line.empty() && line[0] != ' ') {
      keep = false;
      for (std::string_view p : prefixes)
        keep |= line.starts_with(p);
    }
    if (keep)
      out += std::string(line) + "\n";
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

const v2_6_32::Ksm *ksm_seed(const Kernel &k) {
  return dynamic_cast<const v2_6_32::Ksm *>(&k.ksm);
}

// v2.6.32: an rmap_item's flags as the seed reads them (STABLE_FLAG: a
// stable tree node with NODE_FLAG, else an item on a node's list; NODE_FLAG
// alone: the unstable tree of the scan in the low bits).
std::string seed_item_state(const PageNames &names, const v2_6_32::rmap_item *item) {
  namespace seed = v2_6_32;
  if (item->address & seed::STABLE_FLAG) {
    if (item->address & seed::NODE_FLAG)
      return "stable, a stable tree node";
    const seed::rmap_item *node = item;
    // Back along prev to the node (bounded: a corrupted list is not followed far).
    for (int i = 0; i < (1 << 20) && node && !(node->address & seed::NODE_FLAG); i++)
      node = node->prev;
    return node && (node->address & seed::NODE_FLAG)
               ? "stable, on the list of " + names.page(node->mm, node->address & PAGE_MASK)
               : std::string("stable, on no node's list");
  }
  if (item->address & seed::NODE_FLAG)
    return fmt::format("unstable (scan {}), checksum {:08x}", item->address & seed::SEQNR_MASK,
                       item->oldchecksum);
  return fmt::format("in no tree, checksum {:08x}", item->oldchecksum);
}

std::string seed_rmap_listing(const v2_6_32::Ksm &ksm, const PageNames &names,
                              const std::string &mm_name, const mm_struct *mm) {
  const v2_6_32::mm_slot *slot =
      const_cast<v2_6_32::Ksm &>(ksm).get_mm_slot(const_cast<mm_struct *>(mm));
  if (!slot)
    return fmt::format("{} has no mm_slot (not registered with KSM)\n", mm_name);
  std::string out = fmt::format("rmap_list of {}:\n", mm_name);
  for (const list_node *l = slot->rmap_list.next; l != &slot->rmap_list; l = l->next) {
    const v2_6_32::rmap_item *item = v2_6_32::rmap_of_link(const_cast<list_node *>(l));
    out += fmt::format("  {}: {}\n", names.page(item->mm, item->address & PAGE_MASK),
                       seed_item_state(names, item));
  }
  return out;
}

// v6.15: a stable_node as the reader names it: a dup says its chain.
std::string v615_stable(const v6_15::Ksm &ksm, const v6_15::stable_node *node) {
  if (!node)
    return "no stable node";
  std::string name = fmt::format("stable#{} (pfn {}, node {})", node->id, node->kpfn, node->nid);
  if (!ksm.is_stable_node_dup(node))
    return name;
  // A dup's chain is the node whose hlist holds it (bounded walk of the live nodes).
  std::uint32_t chain = 0;
  ksm.for_each_stable_node([&](const v6_15::stable_node *c) {
    if (!chain && v6_15::Ksm::is_stable_node_chain(c))
      for (const v6_15::list_node *l = c->hlist.next; l && l != &c->hlist; l = l->next)
        if (l == &node->hlist_dup)
          chain = c->id;
  });
  return chain ? fmt::format("{}, a dup of chain stable#{}", name, chain) : name + ", a dup";
}

std::string v615_item_state(const v6_15::Ksm &ksm, const v6_15::rmap_item *item) {
  namespace v6 = v6_15;
  if (item->address & v6::STABLE_FLAG)
    return "stable, on " + v615_stable(ksm, item->head);
  if (item->address & v6::UNSTABLE_FLAG)
    return fmt::format("unstable (scan {}), checksum {:08x}", item->address & v6::SEQNR_MASK,
                       item->oldchecksum);
  return fmt::format("in no tree, checksum {:08x}", item->oldchecksum);
}

std::string v615_rmap_listing(const v6_15::Ksm &ksm, const PageNames &names,
                              const std::string &mm_name, const mm_struct *mm) {
  const v6_15::mm_slot *slot =
      const_cast<v6_15::Ksm &>(ksm).get_mm_slot(const_cast<mm_struct *>(mm));
  if (!slot)
    return fmt::format("{} has no mm_slot (not registered with KSM)\n", mm_name);
  std::string out = fmt::format("rmap_list of {}:\n", mm_name);
  for (const v6_15::rmap_item *item = slot->rmap_list; item; item = item->rmap_list)
    out += fmt::format("  {}: {}, age {}, remaining_skips {}\n",
                       names.page(item->mm, item->address & PAGE_MASK), v615_item_state(ksm, item),
                       item->age, item->remaining_skips);
  return out;
}

std::string rmap_listing(Kernel &k, const PageNames &names, const std::string &mm_name) {
  const mm_struct *mm = nullptr;
  for (const NamedRegion &r : names.regions())
    if (r.mm == mm_name)
      mm = r.mmp;
  if (!mm)
    throw std::invalid_argument(fmt::format("unknown mm '{}'", mm_name));
  if (const v2_6_32::Ksm *seed = ksm_seed(k))
    return seed_rmap_listing(*seed, names, mm_name, mm);
  if (const v6_15::Ksm *v615 = v6_15::ksm_v6_15(k))
    return v615_rmap_listing(*v615, names, mm_name, mm);
  Ksm *v39 = ksm_v3_9(k);
  if (!v39)
    return fmt::format("rmap_list of {}: not shown on {}\n", mm_name, k.ksm.version());
  mm_slot *slot = v39->get_mm_slot(const_cast<mm_struct *>(mm));
  if (!slot)
    return fmt::format("{} has no mm_slot (not registered with KSM)\n", mm_name);
  std::string out = fmt::format("rmap_list of {}:\n", mm_name);
  for (const rmap_item *item = v39->rmap_at(slot->rmap_list); item; item = rmap_item_next(item)) {
    std::string where = "in no tree";
    if (item->address & STABLE_FLAG)
      where = "stable, on " + PageNames::stable(v39->stable_of_head(item->head));
    else if (item->address & UNSTABLE_FLAG)
      where = fmt::format("unstable (scan {})", item->address & SEQNR_MASK);
    out += fmt::format("  {}: {}, checksum {:08x}\n", names.item(item), where, item->oldchecksum);
  }
  return out;
}

} // namespace

std::string inspect_text(Kernel &k, const PageNames &names, std::string_view what) {
  if (what == "stable")
    return dump_sections(k, names, {"stable tree", "migrate_nodes"});
  if (what == "unstable")
    return dump_sections(k, names, {"unstable tree"});
  if (what == "dump")
    return dump_text(take_snapshot(k, names.scenario_names()));
  if (what.starts_with("rmap "))
    return rmap_listing(k, names, std::string(what.substr(5)));
  if (what == "svg") {
    std::string error;
    if (std::optional<std::string> svg =
            dump_state(k, names.scenario_names(), DumpFormat::svg, &error))
      return *svg;
    throw std::invalid_argument(error);
  }
  throw std::invalid_argument(fmt::format("nothing to show as '{}'", what));
}

std::string show_counters(const Kernel &k) {
  std::string out;
  for (const char *name :
       {"run", "pages_to_scan", "sleep_millisecs", "merge_across_nodes", "pages_shared",
        "pages_sharing", "pages_unshared", "pages_volatile", "full_scans", "pages_skipped",
        "ksm_zero_pages", "stable_node_chains", "stable_node_dups", "general_profit"}) {
    std::uint64_t v = 0;
    if (k.ksm.sysfs_show(name, &v)) // general_profit and ksm_zero_pages are longs
      out += fmt::format("{} {}\n", name, static_cast<std::int64_t>(v));
  }
  return out + fmt::format("(pages scanned {}, rmap_items {}, virtual time {} ms)\n",
                           k.ksm.pages_scanned(), k.ksm.rmap_items(), k.now_us / 1000);
}

namespace {
// v2.6.32: ksm_scan.rmap_item is the item scanned last (the list head at
// the start of an mm), ksm_scan.address the next address.
std::string seed_show_slots(const v2_6_32::Ksm &ksm, const PageNames &names) {
  std::string out = "mm_slots in scan order (> marks ksm_scan's cursor):\n";
  const list_node *head = &ksm.ksm_mm_head.mm_list;
  for (const list_node *n = head->next; n != head; n = n->next) {
    const v2_6_32::mm_slot *slot = reinterpret_cast<const v2_6_32::mm_slot *>(n);
    int items = 0;
    for (const list_node *r = slot->rmap_list.next; r != &slot->rmap_list; r = r->next)
      items++;
    bool cursor = ksm.ksm_scan.mm_slot == slot;
    out += fmt::format(
        "{} {}: {} rmap_items{}\n", cursor ? ">" : " ", slot->mm ? slot->mm->name : "?", items,
        cursor ? fmt::format(", next address {}", names.page(slot->mm, ksm.ksm_scan.address)) : "");
  }
  if (ksm.ksm_scan.mm_slot == &ksm.ksm_mm_head)
    out += "> (the list head: the next page starts a full scan)\n";
  return out + fmt::format("seqnr {}\n", ksm.ksm_scan.seqnr);
}

// v6.15: the mm_slot list, ksm_scan's cursor and the slot's rmap_items.
std::string v615_show_slots(const v6_15::Ksm &ksm, const PageNames &names) {
  std::string out = "mm_slots in scan order (> marks ksm_scan's cursor):\n";
  const v6_15::list_node *head = &ksm.ksm_mm_head.mm_list;
  for (const v6_15::list_node *n = head->next; n != head; n = n->next) {
    const v6_15::mm_slot *slot = reinterpret_cast<const v6_15::mm_slot *>(n); // mm_list first
    int items = 0;
    for (const v6_15::rmap_item *i = slot->rmap_list; i; i = i->rmap_list)
      items++;
    bool cursor = ksm.ksm_scan.mm_slot == slot;
    out += fmt::format(
        "{} {}: {} rmap_items{}\n", cursor ? ">" : " ", slot->mm ? slot->mm->name : "?", items,
        cursor ? fmt::format(", next address {}", names.page(slot->mm, ksm.ksm_scan.address)) : "");
  }
  if (ksm.ksm_scan.mm_slot == &ksm.ksm_mm_head)
    out += "> (the list head: the next page starts a full scan)\n";
  return out + fmt::format("seqnr {}\n", ksm.ksm_scan.seqnr);
}

// v6.15: the item scan_get_next_rmap_item returned last: ksm_scan.rmap_list
// is then &rmap_item->rmap_list (its first member); &mm_slot->rmap_list
// before the mm's first page.
std::string v615_scanned_page(const v6_15::Ksm &ksm, const PageNames &names) {
  const v6_15::mm_slot *slot = ksm.ksm_scan.mm_slot;
  v6_15::rmap_item *const *list = ksm.ksm_scan.rmap_list;
  if (!slot || slot == &ksm.ksm_mm_head || !list || list == &slot->rmap_list)
    return "";
  const v6_15::rmap_item *item = reinterpret_cast<const v6_15::rmap_item *>(list);
  if (!item->mm)
    return "";
  return fmt::format("ksmd scanned {}: {}", names.page(item->mm, item->address & PAGE_MASK),
                     v615_item_state(ksm, item));
}
} // namespace

bool version_narrates(std::string_view version) {
  return version == "v3.9"; // the only port with model/lib/narrate.h's hooks
}

bool port_narrates(const Kernel &k) {
  return version_narrates(k.ksm.version());
}

namespace {
std::string seed_scanned_page_of(const v2_6_32::Ksm *seed, const PageNames &names) {
  const v2_6_32::mm_slot *slot = seed->ksm_scan.mm_slot;
  const v2_6_32::rmap_item *item = seed->ksm_scan.rmap_item_;
  if (!slot || slot == &seed->ksm_mm_head || !item || &item->link == &slot->rmap_list || !item->mm)
    return "";
  return fmt::format("ksmd scanned {}: {}", names.page(item->mm, item->address & PAGE_MASK),
                     seed_item_state(names, item));
}
} // namespace

std::string seed_scanned_page(const Kernel &k, const PageNames &names) {
  if (const v6_15::Ksm *v615 = v6_15::ksm_v6_15(k))
    return v615_scanned_page(*v615, names);
  const v2_6_32::Ksm *seed = ksm_seed(k);
  return seed ? seed_scanned_page_of(seed, names) : "";
}

std::string show_slots(const Kernel &k, const PageNames &names) {
  if (const v2_6_32::Ksm *seed = ksm_seed(k))
    return seed_show_slots(*seed, names);
  if (const v6_15::Ksm *v615 = v6_15::ksm_v6_15(k))
    return v615_show_slots(*v615, names);
  const Ksm *v39 = ksm_v3_9(k);
  if (!v39) {
    std::string out = "mm_slots in scan order:\n";
    for (const KsmProfile::SlotFigures &f : k.ksm.slot_figures())
      out += fmt::format("  {}: {} rmap_items\n", f.mm ? f.mm->name : "?", f.rmap_items);
    return out + fmt::format("seqnr {}\n", k.ksm.scan_seqnr());
  }
  const Ksm &ksm = *v39;
  std::string out = "mm_slots in scan order (> marks ksm_scan's cursor):\n";
  const list_node *head = &ksm.ksm_mm_head.mm_list;
  for (const list_node *n = head->next; n != head; n = n->next) {
    const mm_slot *slot = reinterpret_cast<const mm_slot *>(n); // mm_list comes first
    int items = 0;
    for (const rmap_item *i = ksm.rmap_at(slot->rmap_list); i; i = rmap_item_next(i))
      items++;
    bool cursor = ksm.ksm_scan.mm_slot == slot;
    out += fmt::format(
        "{} {}: {} rmap_items{}\n", cursor ? ">" : " ", slot->mm ? slot->mm->name : "?", items,
        cursor ? fmt::format(", next address {}", names.page(slot->mm, ksm.ksm_scan.address)) : "");
  }
  if (ksm.ksm_scan.mm_slot == &ksm.ksm_mm_head)
    out += "> (the list head: the next page starts a full scan)\n";
  return out + fmt::format("seqnr {}\n", ksm.ksm_scan.seqnr);
}

std::string show_page(Kernel &k, const PageNames &names, const std::string &mm,
                      const std::string &vma, std::uint32_t index) {
  const NamedRegion *region = nullptr;
  std::vector<NamedRegion> regions = names.regions();
  for (const NamedRegion &r : regions)
    if (r.mm == mm && r.vma == vma)
      region = &r;
  if (!region)
    throw std::invalid_argument(fmt::format("no vma '{}' in mm '{}'", vma, mm));
  if (region->exited)
    throw std::invalid_argument(fmt::format("process '{}' has exited", mm));
  if (index >= region->pages)
    throw std::invalid_argument(
        fmt::format("page {} is outside vma '{}' ({} pages)", index, vma, region->pages));
  const std::uint64_t addr = region->start + std::uint64_t(index) * PAGE_SIZE;
  std::string out = fmt::format("{}:{}[{}] at {:#x}: ", mm, vma, index, addr);
  pte_t *ptep = k.pte_offset(const_cast<mm_struct *>(region->mmp), addr, false);
  pte_t pte = ptep ? *ptep : pte_t{};
  if (pte_none(pte))
    return out + "pte none (never touched, or unmapped)\n";
  if (is_swap_pte(pte))
    return out + fmt::format("pte {} entry {}\n", is_migration_entry(pte) ? "migration" : "swap",
                             pte_to_swp_entry(pte));
  if (pte_special(pte))
    return out + "pte maps the zero page\n";
  const page *p = k.pfn_to_page(pte_pfn(pte));
  out += fmt::format("pte pfn {} ({}, {}), ", pte_pfn(pte),
                     pte_write(pte) ? "writable" : "read-only", pte_dirty(pte) ? "dirty" : "clean");
  out += fmt::format("{}, mapcount {}, count {}", Kernel::PageKsm(p) ? "PageKsm" : "not PageKsm",
                     Kernel::page_mapcount(p), Kernel::page_count(p));
  const v6_15::Ksm *v615 = v6_15::ksm_v6_15(k);
  if (Kernel::PageKsm(p) && ksm_seed(k)) {
    out += ", no stable_node (v2.6.32: the stable tree's nodes are rmap_items)";
  } else if (Kernel::PageKsm(p) && v615) {
    // page->mapping holds the id of the port's own stable_node (folio_stable_node).
    const v6_15::stable_node *node = v615->folio_stable_node(p);
    out += ", " + v615_stable(*v615, node);
    if (node)
      out += fmt::format(", rmap_hlist_len {}", node->rmap_hlist_len);
  } else if (Kernel::PageKsm(p)) {
    const stable_node *node = k.page_stable_node(p);
    out += ", " + (node ? PageNames::stable(node) : std::string("no stable node"));
  }
  return out + "\n";
}

} // namespace ksmsim
