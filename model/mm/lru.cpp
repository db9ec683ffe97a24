// SPDX-License-Identifier: GPL-2.0-only
//
// mm/swap.c (3.9): the per-cpu LRU-add pagevecs. A page put on an LRU list
// (lru_cache_add_lru) first waits in its CPU's pagevec for that list, which
// holds a reference (page_cache_get) until the pagevec is drained onto the
// LRU: when it is full at the next add (PAGEVEC_SIZE 14), or by
// lru_add_drain (this CPU) / lru_add_drain_all (every CPU). That extra
// reference is what write_protect_page's page_count check and migration's
// isolate_lru_page see. The LRU lists themselves are not kept: only
// PG_lru and PG_active say where a page would be.
#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

Kernel::lru_pagevecs &Kernel::lru_add_pvecs(int cpu) {
  if (static_cast<std::size_t>(cpu) >= lru_add_pvecs_.size())
    lru_add_pvecs_.resize(cpu + 1);
  return lru_add_pvecs_[cpu];
}

// __pagevec_lru_add -> pagevec_lru_move_fn(__pagevec_lru_add_fn), then
// release_pages: each page goes on the LRU and the pagevec's reference is
// dropped (a page unmapped meanwhile is freed here).
void Kernel::__pagevec_lru_add(std::vector<page *> &pvec, int lru) {
  KFUNC();
  for (page *p : pvec) {
    VM_BUG_ON(p->flags & (PG_active | PG_lru));
    p->flags |= PG_lru;
    if (lru == LRU_ACTIVE_ANON)
      p->flags |= PG_active;
  }
  for (page *p : pvec) // release_pages
    put_page(p);
  pvec.clear(); // pagevec_reinit
}

// __lru_cache_add: flush the pagevec when it is already full, then add.
void Kernel::__lru_cache_add(page *p, int lru) {
  std::vector<page *> &pvec = lru_add_pvecs(current.cpu)[lru];
  get_page(p);                     // page_cache_get
  if (pvec.size() >= PAGEVEC_SIZE) // !pagevec_space(pvec)
    __pagevec_lru_add(pvec, lru);
  pvec.push_back(p); // pagevec_add
}

void Kernel::lru_cache_add_lru(page *p, int lru) {
  p->flags &= ~PG_active;
  __lru_cache_add(p, lru);
}

// lru_cache_add_anon: the inactive anon list (a page read from swap).
void Kernel::lru_cache_add_anon(page *p) {
  p->flags &= ~PG_active;
  __lru_cache_add(p, LRU_INACTIVE_ANON);
}

// lru_add_drain_cpu: every list's pagevec, in for_each_lru order
// (inactive anon before active anon). The rotate, deactivate and activate
// pagevecs are not modelled (no writeback, no invalidation, no
// mark_page_accessed aging: see docs/port-map.md).
void Kernel::lru_add_drain_cpu(int cpu) {
  lru_pagevecs &pvecs = lru_add_pvecs(cpu);
  for (int lru = 0; lru < NR_ANON_LRU_LISTS; lru++)
    if (!pvecs[lru].empty())
      __pagevec_lru_add(pvecs[lru], lru);
}

void Kernel::lru_add_drain() {
  lru_add_drain_cpu(current.cpu);
}

// lru_add_drain_all: schedule_on_each_cpu(lru_add_drain_per_cpu), in cpu order.
void Kernel::lru_add_drain_all() {
  KFUNC();
  for (std::size_t cpu = 0; cpu < lru_add_pvecs_.size(); cpu++)
    lru_add_drain_cpu(static_cast<int>(cpu));
}

// isolate_lru_page: only a page on an LRU list can be taken off it; one
// still in a pagevec is -EBUSY.
int Kernel::isolate_lru_page(page *p) {
  if (!(p->flags & PG_lru))
    return -EBUSY;
  get_page(p);
  p->flags &= ~PG_lru;
  return 0;
}

// putback_lru_page: back through a pagevec, to the list it came from.
void Kernel::putback_lru_page(page *p) {
  VM_BUG_ON(p->flags & PG_lru);
  const bool active = p->flags & PG_active; // TestClearPageActive
  lru_cache_add_lru(p, active ? LRU_ACTIVE_ANON : LRU_INACTIVE_ANON);
  put_page(p); // drop the reference from isolate
}

std::size_t Kernel::pagevec_count(int cpu, int lru) const {
  if (static_cast<std::size_t>(cpu) >= lru_add_pvecs_.size())
    return 0;
  return lru_add_pvecs_[cpu][lru].size();
}

} // namespace ksmsim
