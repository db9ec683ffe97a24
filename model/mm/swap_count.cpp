// SPDX-License-Identifier: GPL-2.0-only
//
// mm/swapfile.c (v3.9): a swap slot's reference count. swap_map[offset]
// holds the first digit (0..SWAP_MAP_MAX) with SWAP_HAS_CACHE and
// COUNT_CONTINUED; higher digits (0..SWAP_CONT_MAX) live in count
// continuation pages, one list of them per page of swap_map.
//
// The simulation keeps the continuation pages in a side table
// (swap_cont_: per page of swap_map, its list of 4096-byte digit pages)
// instead of real pages from the allocator: their allocation always
// succeeds and takes no simulated frame (docs/port-map.md).
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
constexpr std::uint64_t SWAP_MAP_PER_PAGE = PAGE_SIZE; // one byte per slot
} // namespace

bool Kernel::swap_entry_valid(std::uint64_t entry) const {
  return entry != 0 && entry <= machine.swap_pages;
}

// swap_count_continued: the first digit is at SWAP_MAP_MAX (incrementing) or
// 0 with COUNT_CONTINUED (decrementing): carry into or borrow from the
// continuation digits. Returns false when a continuation page must be added
// (incrementing) or when no higher digit is left (decrementing).
bool Kernel::swap_count_continued(std::uint64_t offset, std::uint8_t count) {
  auto head = swap_cont_.find(offset / SWAP_MAP_PER_PAGE);
  if (head == swap_cont_.end()) { // page_private(head) != SWP_CONTINUED
    BUG_ON(count & COUNT_CONTINUED);
    return false; // need to add count continuation
  }
  std::vector<std::vector<std::uint8_t>> &pages = head->second;
  const std::uint64_t off = offset % SWAP_MAP_PER_PAGE;
  std::size_t i = 0; // list_entry(head->lru.next): a head always has a page

  if (count == SWAP_MAP_MAX) { // initial increment from swap_map
    pages[i][off] = 0;         // init_map: "we didn't zero the page"
    pages[i][off] += 1;
    return true; // no lower continuation page to set
  }

  if (count == (SWAP_MAP_MAX | COUNT_CONTINUED)) { // incrementing: 1 + 999
    while (pages[i][off] == (SWAP_CONT_MAX | COUNT_CONTINUED)) {
      i++;
      BUG_ON(i == pages.size()); // page == head
    }
    if (pages[i][off] == SWAP_CONT_MAX) {
      i++;
      if (i == pages.size())
        return false;    // add count continuation
      pages[i][off] = 0; // init_map
    }
    pages[i][off] += 1;
    while (i-- > 0) // back towards head: the lower digits wrap to 0
      pages[i][off] = COUNT_CONTINUED;
    return true; // incremented
  }

  // decrementing: 1000 - 1
  BUG_ON(count != COUNT_CONTINUED);
  while (pages[i][off] == COUNT_CONTINUED) {
    i++;
    BUG_ON(i == pages.size());
  }
  BUG_ON(pages[i][off] == 0);
  pages[i][off] -= 1;
  std::uint8_t c = count;
  if (pages[i][off] == 0)
    c = 0;
  while (i-- > 0) { // the lower digits go to their maximum
    pages[i][off] = SWAP_CONT_MAX | c;
    c = COUNT_CONTINUED;
  }
  return c == COUNT_CONTINUED;
}

// add_swap_count_continuation: after __swap_duplicate's -ENOMEM, add a
// continuation page for the slot's page of swap_map unless one with room
// is already there. The allocation always succeeds here.
int Kernel::add_swap_count_continuation(std::uint64_t entry) {
  KFUNC();
  if (!swap_entry_valid(entry) || swap_map_[entry] == 0)
    return 0; // swap_info_get failed: an acceptable race, the entry was freed
  std::uint8_t count = swap_map_[entry] & ~SWAP_HAS_CACHE;
  if ((count & ~COUNT_CONTINUED) != SWAP_MAP_MAX)
    return 0; // someone raced to add it: avoid over-provisioning
  const std::uint64_t off = entry % SWAP_MAP_PER_PAGE;
  auto head = swap_cont_.find(entry / SWAP_MAP_PER_PAGE);
  if (head == swap_cont_.end()) { // !page_private(head)
    BUG_ON(count & COUNT_CONTINUED);
    head = swap_cont_.emplace(entry / SWAP_MAP_PER_PAGE, std::vector<std::vector<std::uint8_t>>{})
               .first; // set_page_private(head, SWP_CONTINUED)
  }
  for (const std::vector<std::uint8_t> &list_page : head->second) {
    // The previous digit said no continuation but a page is there: use it.
    if (!(count & COUNT_CONTINUED))
      return 0;
    count = list_page[off];
    // This continuation digit has room: use it.
    if ((count & ~COUNT_CONTINUED) != SWAP_CONT_MAX)
      return 0;
  }
  head->second.emplace_back(SWAP_MAP_PER_PAGE, 0); // list_add_tail
  trace_fmt("ksmsim_swap_count_continuation", "entry {} pages {}", entry, head->second.size());
  return 0;
}

// __swap_duplicate: take one reference (usage 1) or the swap cache's
// (usage SWAP_HAS_CACHE) on a slot.
int Kernel::__swap_duplicate(std::uint64_t entry, std::uint8_t usage) {
  if (touch)
    touch->need_full(); // swap is checked over the whole machine
  if (!swap_entry_valid(entry))
    return -EINVAL; // bad_file / offset >= p->max
  std::uint8_t count = swap_map_[entry];
  std::uint8_t has_cache = count & SWAP_HAS_CACHE;
  count &= ~SWAP_HAS_CACHE;
  int err = 0;
  if (usage == SWAP_HAS_CACHE) {
    if (!has_cache && count) // set SWAP_HAS_CACHE if there is no cache and entry is used
      has_cache = SWAP_HAS_CACHE;
    else if (has_cache) // someone else added cache
      err = -EEXIST;
    else // no users remaining
      err = -ENOENT;
  } else if (count || has_cache) {
    if ((count & ~COUNT_CONTINUED) < SWAP_MAP_MAX)
      count += usage;
    else if ((count & ~COUNT_CONTINUED) > SWAP_MAP_MAX)
      err = -EINVAL;
    else if (swap_count_continued(entry, count))
      count = COUNT_CONTINUED;
    else
      err = -ENOMEM;
  } else {
    err = -ENOENT; // unused swap entry
  }
  swap_map_[entry] = count | has_cache;
  return err;
}

// swap_duplicate: a pte's reference; a count continuation is added
// (GFP_ATOMIC, which cannot fail here) whenever the count needs one.
int Kernel::swap_duplicate(std::uint64_t entry) {
  int err = 0;
  while (!err && __swap_duplicate(entry, 1) == -ENOMEM)
    err = add_swap_count_continuation(entry);
  return err;
}

// swapcache_prepare: the swap cache's reference, before add_to_swap_cache.
int Kernel::swapcache_prepare(std::uint64_t entry) {
  return __swap_duplicate(entry, SWAP_HAS_CACHE);
}

// swap_entry_free: drop a pte's reference (usage 1) or the cache's; the
// slot is free when nothing is left. Returns what is left.
std::uint8_t Kernel::swap_entry_free(std::uint64_t entry, std::uint8_t usage) {
  if (touch)
    touch->need_full();
  std::uint8_t count = swap_map_[entry];
  std::uint8_t has_cache = count & SWAP_HAS_CACHE;
  count &= ~SWAP_HAS_CACHE;
  if (usage == SWAP_HAS_CACHE) {
    VM_BUG_ON(!has_cache);
    has_cache = 0;
  } else if ((count & ~COUNT_CONTINUED) <= SWAP_MAP_MAX) {
    if (count == COUNT_CONTINUED) {
      if (swap_count_continued(entry, count))
        count = SWAP_MAP_MAX | COUNT_CONTINUED;
      else
        count = SWAP_MAP_MAX;
    } else {
      if (count == 0) // the kernel decrements through zero, unaware
        detector_report(__func__, "negative-swap-count",
                        fmt::format("ksmsim: swap slot {}: pte reference dropped below 0", entry));
      count--;
    }
  }
  std::uint8_t left = count | has_cache;
  swap_map_[entry] = left;
  if (!left) // free if no reference
    contents.release(swap_data_[entry]);
  return left;
}

void Kernel::swap_free(std::uint64_t entry) {
  if (!swap_entry_valid(entry) || swap_map_[entry] == 0) { // swap_info_get
    kernel_warn(__func__, fmt::format("swap_free: bad swap entry {}", entry));
    return;
  }
  swap_entry_free(entry, 1);
}

void Kernel::swapcache_free(std::uint64_t entry) {
  swap_entry_free(entry, SWAP_HAS_CACHE);
}

// page_swapcount: swap_count() of the page's slot, which keeps
// COUNT_CONTINUED: a continued count is never read as 0 or 1.
int Kernel::page_swapcount(page *p) {
  if (!PageSwapCache(p))
    return 0;
  return swap_map_[page_private(p)] & ~SWAP_HAS_CACHE;
}

// Not the kernel's: the whole count of a slot, its digits read through
// the continuations (for the invariant checker and tests).
std::uint64_t Kernel::swap_refs(std::uint64_t off) const {
  std::uint8_t digit = swap_map_.get(off) & ~SWAP_HAS_CACHE;
  std::uint64_t total = digit & ~COUNT_CONTINUED;
  std::uint64_t mult = SWAP_MAP_MAX + 1;
  auto head = swap_cont_.find(off / SWAP_MAP_PER_PAGE);
  for (std::size_t i = 0;
       (digit & COUNT_CONTINUED) && head != swap_cont_.end() && i < head->second.size(); i++) {
    digit = head->second[i][off % SWAP_MAP_PER_PAGE];
    total += mult * (digit & ~COUNT_CONTINUED);
    mult *= SWAP_CONT_MAX + 1;
  }
  return total;
}

} // namespace ksmsim
