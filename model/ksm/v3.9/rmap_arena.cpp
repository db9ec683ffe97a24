// SPDX-License-Identifier: GPL-2.0-only
//
// The rmap_item arena's chunks (model/ksm/v3.9/rmap_arena.h), and the
// rmap_item fields read through it from outside the port (ksm_types.h).
#include "model/ksm/v3.9/rmap_arena.h"
#include "model/lib/host_memory.h"

#include <sys/mman.h>

#include <new>

#include "model/mm/kernel.h"

namespace ksmsim {

RmapArena::~RmapArena() {
  for (rmap_item *c : chunks_)
    munmap(c, CHUNK_BYTES);
}

rmap_item *RmapArena::fresh() {
  if (next_id_ > MAX_ID)
    throw std::bad_alloc(); // ids exhausted (rb_node_id: below 2^30)
  const std::uint32_t chunk = next_id_ >> SLOT_SHIFT;
  if (chunk == chunks_.size()) {
    ensure_host_memory(CHUNK_BYTES); // a clear stop, not the host's OOM killer
    // A chunk aligned to its size: map twice its size, unmap the rest.
    void *m = mmap(nullptr, 2 * CHUNK_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
      throw std::bad_alloc();
    const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(m);
    const std::uintptr_t base = (start + CHUNK_BYTES - 1) & ~(CHUNK_BYTES - 1);
    if (base > start)
      munmap(m, base - start);
    if (start + 2 * CHUNK_BYTES > base + CHUNK_BYTES)
      munmap(reinterpret_cast<void *>(base + CHUNK_BYTES), start + CHUNK_BYTES - base);
    // Items are visited in no locality order (the tree walks): 2 MiB pages
    // where the host allows them. Only a hint: it changes no result.
    madvise(reinterpret_cast<void *>(base), ITEMS_BYTES + SEEN_BYTES, MADV_HUGEPAGE);
    chunks_.push_back(reinterpret_cast<rmap_item *>(base));
    new (reinterpret_cast<void *>(base + ITEMS_BYTES + SEEN_BYTES))
        ChunkHeader{this, chunk << SLOT_SHIFT};
  }
  rmap_item *item = at(next_id_);
  next_id_++;
  return item;
}

rmap_item *rmap_item_next(const rmap_item *item) {
  return item->rmap_list ? RmapArena::header_of(item).arena->at(item->rmap_list) : nullptr;
}
std::uint32_t rmap_item_id(const rmap_item *item) {
  return RmapArena::id_of(item);
}
mm_struct *rmap_item_mm(const rmap_item *item) {
  return RmapArena::header_of(item).arena->kernel().mm_of_id(item->mm);
}

} // namespace ksmsim
