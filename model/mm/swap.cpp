// SPDX-License-Identifier: GPL-2.0-only
//
// mm/swapfile.c, mm/swap_state.c and the anonymous part of vmscan.c's
// shrink_page_list: one swap device whose slots count their references
// (swap_map) and a swap cache. I/O completes at once; a read can be made
// to fail (swap_read_error_next) to leave a !PageUptodate page.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

std::uint64_t Kernel::get_swap_page() {
  // scan_swap_map: next free slot after the last one handed out, wrapping
  for (std::uint64_t n = 0; n < machine.swap_pages; n++) {
    std::uint64_t off = (swap_cursor_ + n - 1) % machine.swap_pages + 1;
    if (swap_map_[off] == 0) {
      swap_map_[off] = SWAP_HAS_CACHE;
      swap_cursor_ = off % machine.swap_pages + 1;
      return off;
    }
  }
  return 0;
}

std::uint64_t Kernel::swap_slots_used() const {
  std::uint64_t used = 0;
  for_each_touched_swap_slot([&](std::uint64_t off) { used += swap_map_.get(off) != 0; });
  return used;
}

int Kernel::free_swap_and_cache(std::uint64_t entry) {
  KFUNC();
  if (!swap_entry_valid(entry) || swap_map_[entry] == 0)
    return 0; // swap_info_get: "Unused swap offset entry"
  page *p = nullptr;
  if (swap_entry_free(entry, 1) == SWAP_HAS_CACHE) {
    p = swap_cache_[entry] ? pfn_to_page(swap_cache_[entry]) : nullptr;
    if (p) {
      get_page(p); // find_get_page
      if (!trylock_page(p)) {
        page_cache_release(p);
        p = nullptr;
      }
    }
  }
  if (p) {
    if (PageSwapCache(p) && (!page_mapped(p) || swap_slots_used() * 2 > machine.swap_pages)) {
      delete_from_swap_cache(p);
      p->flags |= PG_dirty;
    }
    unlock_page(p);
    page_cache_release(p);
  }
  return 1;
}

int Kernel::add_to_swap_cache(page *p, std::uint64_t entry) {
  get_page(p);
  p->flags |= PG_swapcache;
  set_page_private(p, static_cast<std::uint32_t>(entry));
  if (touch)
    touch->need_full();
  swap_cache_[entry] = page_to_pfn(p);
  return 0;
}

int Kernel::add_to_swap(page *p) {
  KFUNC();
  VM_BUG_ON(!PageLocked(p));
  std::uint64_t entry = get_swap_page();
  if (!entry)
    return 0;
  add_to_swap_cache(p, entry);
  p->flags |= PG_dirty;
  return 1;
}

void Kernel::delete_from_swap_cache(page *p) {
  KFUNC();
  std::uint64_t entry = page_private(p);
  // __delete_from_swap_cache
  if (touch)
    touch->need_full();
  swap_cache_[entry] = 0;
  p->flags &= ~PG_swapcache;
  set_page_private(p, static_cast<std::uint32_t>(0));
  swapcache_free(entry);
  page_cache_release(p);
}

page *Kernel::lookup_swap_cache(std::uint64_t entry) {
  if (entry == 0 || entry > machine.swap_pages || !swap_cache_[entry])
    return nullptr;
  page *p = pfn_to_page(swap_cache_[entry]);
  get_page(p);
  return p;
}

page *Kernel::read_swap_cache_async(std::uint64_t entry, vm_area_struct *vma, std::uint64_t addr) {
  KFUNC();
  if (page *found = lookup_swap_cache(entry))
    return found;
  if (!swap_entry_valid(entry) || swap_map_[entry] == 0)
    return nullptr;
  page *new_page = alloc_page_vma(vma, addr);
  if (!new_page)
    return nullptr;
  if (swapcache_prepare(entry)) { // -ENOENT: no users left (-EEXIST cannot happen here)
    put_page(new_page);
    return nullptr;
  }
  new_page->flags |= PG_locked | PG_swapbacked;
  add_to_swap_cache(new_page, entry);
  lru_cache_add_anon(new_page);
  // swap_readpage: the I/O completes at once
  contents.copy(new_page->content, swap_data_[entry]);
  if (swap_read_error_next) {
    swap_read_error_next = false;
    new_page->flags |= PG_error;
    trace_fmt("ksmsim_swap_read_error", "entry {} pfn {}", entry, page_to_pfn(new_page));
  } else {
    new_page->flags |= PG_uptodate;
  }
  unlock_page(new_page);
  return new_page;
}

int Kernel::reuse_swap_page(page *p) {
  VM_BUG_ON(!PageLocked(p));
  if (PageKsm(p))
    return 0;
  int count = page_mapcount(p);
  if (count <= 1 && PageSwapCache(p)) {
    count += page_swapcount(p);
    if (count == 1) {
      delete_from_swap_cache(p);
      p->flags |= PG_dirty;
    }
  }
  return count <= 1;
}

int Kernel::try_to_free_swap(page *p) {
  VM_BUG_ON(!PageLocked(p));
  if (!PageSwapCache(p))
    return 0;
  if (page_swapcount(p))
    return 0;
  delete_from_swap_cache(p);
  p->flags |= PG_dirty;
  return 1;
}

// free_swap_cache (mm/swap_state.c): a swap-cache page that nothing maps
// any more leaves the swap cache if its slot has no other reference.
void Kernel::free_swap_cache(page *p) {
  if (PageSwapCache(p) && !page_mapped(p) && trylock_page(p)) {
    try_to_free_swap(p);
    unlock_page(p);
  }
}

// free_page_and_swap_cache: the zap's release of a page (tlb_remove_page).
void Kernel::free_page_and_swap_cache(page *p) {
  KFUNC();
  free_swap_cache(p);
  page_cache_release(p);
}

bool Kernel::shrink_page(page *p, bool keep_swapcache) {
  KFUNC();
  // shrink_inactive_list: lru_add_drain(), then isolate the page from its
  // LRU list; a page in another CPU's pagevec is not on a list: not reclaimed.
  lru_add_drain();
  if (isolate_lru_page(p))
    return false;
  bool unmapped = false;
  // putback_inactive_pages: straight back onto the LRU list, no pagevec.
  auto putback = [&]() {
    p->flags |= PG_lru;
    put_page(p);
  };
  if (!trylock_page(p)) {
    putback();
    return false;
  }
  auto keep_locked = [&]() {
    unlock_page(p);
    putback();
    return unmapped;
  };
  if (PageAnon(p) && !PageSwapCache(p)) {
    if (!add_to_swap(p))
      return keep_locked(); // activate_locked: no swap space
  }
  if (page_mapped(p)) {
    int r = try_to_unmap(p, TTU_UNMAP);
    if (r != SWAP_SUCCESS)
      return keep_locked();
  }
  unmapped = true;
  if (p->flags & PG_dirty) {
    // pageout -> swap_writepage: the write completes at once
    p->flags &= ~PG_dirty;
    contents.copy(swap_data_[page_private(p)], p->content);
    trace_fmt("ksmsim_swapout", "pfn {} entry {}", page_to_pfn(p), page_private(p));
  }
  if (keep_swapcache)
    return keep_locked();
  // __remove_mapping: only the isolation and swap cache references remain
  if (page_count(p) != 2 || (p->flags & PG_dirty))
    return keep_locked();
  std::uint64_t entry = page_private(p);
  if (touch)
    touch->need_full();
  swap_cache_[entry] = 0;
  p->flags &= ~PG_swapcache;
  set_page_private(p, static_cast<std::uint32_t>(0));
  swapcache_free(entry);
  if (touch)
    touch->need_full();
  p->_count -= 1; // the swap cache's reference, frozen away with the isolation one
  unlock_page(p);
  put_page(p); // free_it
  return unmapped;
}

} // namespace ksmsim
