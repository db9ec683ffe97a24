// SPDX-License-Identifier: GPL-2.0-only
//
// mm/swapfile.c, mm/swap_state.c and the anonymous part of vmscan.c's
// shrink_page_list: one swap device whose slots count their references
// (swap_map) and a swap cache. I/O completes at once; a read can be made
// to fail (swap_read_error_next) to leave a !PageUptodate page.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
constexpr std::uint16_t SWAP_COUNT_MASK = SWAP_HAS_CACHE - 1;
}

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
  for (std::uint64_t off = 1; off <= machine.swap_pages; off++)
    used += swap_map_[off] != 0;
  return used;
}

int Kernel::swap_duplicate(std::uint64_t entry) {
  if (entry == 0 || entry > machine.swap_pages || swap_map_[entry] == 0)
    return -EINVAL;
  swap_map_[entry]++;
  return 0;
}

namespace {
// swap_entry_free: drop one reference (or the cache's); the slot is free at 0.
std::uint16_t swap_entry_free(std::vector<std::uint16_t> &map, std::vector<PageContent> &data,
                              ContentStore &contents, std::uint64_t entry, bool cache) {
  std::uint16_t &m = map[entry];
  if (cache)
    m &= ~SWAP_HAS_CACHE;
  else if (m & SWAP_COUNT_MASK)
    m--;
  if (m == 0)
    contents.release(data[entry]);
  return m;
}
} // namespace

void Kernel::swap_free(std::uint64_t entry) {
  if (entry == 0 || entry > machine.swap_pages || swap_map_[entry] == 0) {
    kernel_warn(__func__, fmt::format("swap_free: bad swap entry {}", entry));
    return;
  }
  swap_entry_free(swap_map_, swap_data_, contents, entry, false);
}

void Kernel::swapcache_free(std::uint64_t entry) {
  swap_entry_free(swap_map_, swap_data_, contents, entry, true);
}

int Kernel::free_swap_and_cache(std::uint64_t entry) {
  KFUNC();
  if (entry == 0 || entry > machine.swap_pages || swap_map_[entry] == 0)
    return 0;
  page *p = nullptr;
  if (swap_entry_free(swap_map_, swap_data_, contents, entry, false) == SWAP_HAS_CACHE) {
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

int Kernel::page_swapcount(page *p) {
  if (!PageSwapCache(p))
    return 0;
  return swap_map_[page_private(p)] & SWAP_COUNT_MASK;
}

int Kernel::add_to_swap_cache(page *p, std::uint64_t entry) {
  get_page(p);
  p->flags |= PG_swapcache;
  set_page_private(p, static_cast<std::uint32_t>(entry));
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
  if (entry == 0 || entry > machine.swap_pages || swap_map_[entry] == 0)
    return nullptr;
  page *new_page = alloc_page_vma(vma, addr);
  if (!new_page)
    return nullptr;
  swap_map_[entry] |= SWAP_HAS_CACHE; // swapcache_prepare
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
  swap_cache_[entry] = 0;
  p->flags &= ~PG_swapcache;
  set_page_private(p, static_cast<std::uint32_t>(0));
  swapcache_free(entry);
  p->_count -= 1; // the swap cache's reference, frozen away with the isolation one
  unlock_page(p);
  put_page(p); // free_it
  return unmapped;
}

} // namespace ksmsim
