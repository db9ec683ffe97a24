// SPDX-License-Identifier: GPL-2.0-only
//
// The rmap_item arena's chunks (model/ksm/v3.9/rmap_arena.h), and the
// rmap_item fields read through it from outside the port (ksm_types.h).
#include "model/ksm/v3.9/rmap_arena.h"
#include "model/lib/host_memory.h"

#include <sys/mman.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 // Linux 6.1's value (include/uapi/asm-generic/mman-common.h)
#endif

#include <algorithm>
#include <new>

#include "model/mm/kernel.h"

namespace ksmsim {

RmapArena::~RmapArena() {
  for (std::uintptr_t c : chunks_)
    munmap(reinterpret_cast<void *>(c), CHUNK_BYTES);
}

rmap_item *RmapArena::fresh() {
  if (next_id_ > MAX_ID)
    throw std::bad_alloc(); // ids exhausted (rb_node_id: below 2^30)
  const std::uint32_t chunk = next_id_ >> SLOT_SHIFT;
  if (chunk == chunks_.size()) {
    if (chunks_.empty()) { // the layout (rmap_arena.h), for good
      slot_ = k_.contents.entries() >= SLOTS ? WIDE_SLOT : COMPACT_SLOT;
      huge_pages_ = wide();
    }
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
    if (huge_pages_) // only a hint: it changes no result
      madvise(reinterpret_cast<void *>(base), SLOTS_BYTES, MADV_HUGEPAGE);
    chunks_.push_back(base);
    new (reinterpret_cast<void *>(base + SLOTS_BYTES))
        ChunkHeader{this, chunk << SLOT_SHIFT, wide()};
  }
  rmap_item *item = at(next_id_);
  next_id_++;
  return item;
}

void RmapArena::expect_random_access() {
  if (huge_pages_)
    return;
  huge_pages_ = true;
  // Hints: an error (a host without THP or without MADV_COLLAPSE, 6.1+)
  // leaves the 4 KiB pages, and no result changes. The bytes of [at, at +
  // used) already touched, to a 2 MiB boundary within at + room, are
  // collapsed; the rest faults in as 2 MiB.
  auto collapse = [](char *at, std::uintptr_t used, std::uintptr_t room) {
    constexpr std::uintptr_t HUGE = std::uintptr_t(1) << 21;
    madvise(at, std::min<std::uintptr_t>((used + HUGE - 1) & ~(HUGE - 1), room), MADV_COLLAPSE);
  };
  for (std::size_t c = 0; c < chunks_.size(); c++) {
    char *base = reinterpret_cast<char *>(chunks_[c]);
    const std::uint32_t used =
        std::min<std::uint32_t>(next_id_ - (std::uint32_t(c) << SLOT_SHIFT), SLOTS);
    madvise(base, SLOTS_BYTES, MADV_HUGEPAGE);
    collapse(base, used * slot_, SLOTS_BYTES);
    if (!wide()) // the compact layout's seen entries too: the walk reads them
      collapse(base + COMPACT_SEEN_OFFSET, used * sizeof(rmap_seen),
               SLOTS_BYTES - COMPACT_SEEN_OFFSET);
  }
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
