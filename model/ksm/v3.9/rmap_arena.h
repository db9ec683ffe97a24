// SPDX-License-Identifier: GPL-2.0-only
//
// Not the kernel's: where the v3.9 port's rmap_items live (the kernel's
// rmap_item_cache slab). Items are named by a 32-bit id, given in
// allocation order from 1 (the trace's synthetic pointer is made from it),
// so that rmap_item's links can be 32 bits wide (ksm_types.h). They sit in
// chunks of 2^17 slots, each chunk aligned to 8 MiB with a header at 6 MiB
// (the arena, its first id, its layout): id n is slot n % 2^17 of chunk
// n / 2^17 (slot 0 of chunk 0, id 0, is NULL and never used), found with
// a shift, a mask and a multiply, no division, since the tree walks and
// rotations do it at every link; an item's id is found from its address
// alone.
//
// Each item has a seen entry (rmap_seen), which only an unstable tree's
// items use, in one of two layouts, chosen when the first chunk is made
// (host memory and speed only: no result depends on it):
// - wide, when the pages have many contents (at least a chunk's slots of
//   distinct ones: the unstable tree will be large): 48-byte slots, the
//   entry after the item, so that a tree level's links and entry share a
//   cache line in three slots of four (the walk waits on one line a
//   level); 2 MiB host pages (MADV_HUGEPAGE), as the walks visit the items
//   in no locality order;
// - compact, when they have few (the tree stays small, the pages merge
//   through the stable tree): 32-byte slots, then the chunk's entries
//   (16 bytes a slot, at 4 MiB), which take host memory only where an
//   item was in the unstable tree; 4 KiB host pages, as the scan visits
//   the items in id order (a 2 MiB page costs more to fault in: on a guest
//   that returns free memory to its host, up to 6x a byte: docs/perf.md,
//   "Flat cost, dup4"). Should the unstable tree grow to a chunk's slots
//   after all, the chunks are collapsed into 2 MiB pages then
//   (expect_random_access).
#pragma once

#include <cstdint>
#include <vector>

#include "model/ksm/v3.9/ksm_types.h"

namespace ksmsim {

class Kernel;

class RmapArena {
public:
  static constexpr unsigned SLOT_SHIFT = 17;
  static constexpr std::uint32_t SLOTS = 1u << SLOT_SHIFT; // a chunk's slots
  static constexpr std::uintptr_t WIDE_SLOT = sizeof(rmap_item) + sizeof(rmap_seen);
  static constexpr std::uintptr_t COMPACT_SLOT = sizeof(rmap_item);
  // The slots (and, compact, their entries): 6 MiB either way.
  static constexpr std::uintptr_t SLOTS_BYTES = std::uintptr_t(SLOTS) * WIDE_SLOT;
  static constexpr std::uintptr_t COMPACT_SEEN_OFFSET = std::uintptr_t(SLOTS) * COMPACT_SLOT;
  static constexpr std::uintptr_t CHUNK_BYTES = std::uintptr_t(1) << 23; // 8 MiB: alignment
  // Ids stay below 2^30: rb_node_id::__rb_parent_color holds one shifted by 2.
  static constexpr std::uint32_t MAX_ID = (1u << 30) - 1;

  explicit RmapArena(const Kernel &k) : k_(k) {}
  ~RmapArena();
  RmapArena(const RmapArena &) = delete;
  RmapArena &operator=(const RmapArena &) = delete;

  // The item of a non-zero id that was handed out.
  rmap_item *at(std::uint32_t id) const {
    return reinterpret_cast<rmap_item *>(chunks_[id >> SLOT_SHIFT] + (id & (SLOTS - 1)) * slot_);
  }
  // A never used item, the next id (std::bad_alloc when out of memory).
  rmap_item *fresh();
  // Ids handed out so far are 1..allocated().
  std::uint32_t allocated() const { return next_id_ - 1; }
  // Whether id names an item handed out (1..allocated(); not 0, NULL).
  bool names_item(std::uint32_t id) const { return id - 1u < allocated(); }
  const Kernel &kernel() const { return k_; }
  // The layout (above): set with the first chunk.
  bool wide() const { return slot_ == WIDE_SLOT; }
  // Items will be visited in no locality order from now: 2 MiB host pages
  // for every chunk (see above). Only the first call does anything.
  void expect_random_access();

  // Forget what was seen of item (its entry's epoch to 0). An entry never
  // written is only read: it takes no host memory (the compact layout).
  void forget_seen(const rmap_item *item) const {
    if (rmap_seen &s = seen(item); s.epoch)
      s.epoch = 0;
  }

  // The seen entry of an item (rmap_seen).
  rmap_seen &seen(const rmap_item *item) const {
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(item);
    if (slot_ == WIDE_SLOT)
      return *reinterpret_cast<rmap_seen *>(a + sizeof(rmap_item));
    const std::uintptr_t base = a & ~(CHUNK_BYTES - 1);
    return *reinterpret_cast<rmap_seen *>(base + COMPACT_SEEN_OFFSET +
                                          (a - base) / COMPACT_SLOT * sizeof(rmap_seen));
  }

  // At 6 MiB in each chunk.
  struct ChunkHeader {
    const RmapArena *arena;
    std::uint32_t first_id; // the id of slot 0
    bool wide;
  };
  static const ChunkHeader &header_of(const rmap_item *item) {
    return *reinterpret_cast<const ChunkHeader *>(
        (reinterpret_cast<std::uintptr_t>(item) & ~(CHUNK_BYTES - 1)) + SLOTS_BYTES);
  }
  static std::uint32_t id_of(const rmap_item *item) {
    const std::uintptr_t off = reinterpret_cast<std::uintptr_t>(item) & (CHUNK_BYTES - 1);
    const ChunkHeader &h = header_of(item);
    return h.first_id + static_cast<std::uint32_t>(h.wide ? off / WIDE_SLOT : off / COMPACT_SLOT);
  }

private:
  const Kernel &k_;
  std::vector<std::uintptr_t> chunks_; // each chunk's slot 0
  std::uint32_t next_id_ = 1;
  std::uintptr_t slot_ = COMPACT_SLOT; // the layout, set with the first chunk
  bool huge_pages_ = false;            // 2 MiB host pages asked for
};

static_assert(RmapArena::SLOTS_BYTES ==
                      RmapArena::COMPACT_SEEN_OFFSET + RmapArena::SLOTS * sizeof(rmap_seen) &&
                  RmapArena::SLOTS_BYTES + sizeof(RmapArena::ChunkHeader) <= RmapArena::CHUNK_BYTES,
              "either layout's slots, and the header, fit a chunk's 8 MiB");

// model/lib/rbtree_ops.h's node-access policy for the unstable tree: nodes
// are rmap_item ids, reached through the arena (rb_node_id).
struct rmap_rb_access {
  const RmapArena &arena;
  using link = std::uint32_t;
  using pc_t = std::uint32_t;
  using root_t = rb_root_id;
  pc_t &PC(link n) const { return N(n).__rb_parent_color; }
  link &R(link n) const { return N(n).rb_right; }
  link &L(link n) const { return N(n).rb_left; }
  // Not the kernel's: a link that names no rmap_item handed out (only a
  // corrupt tree has one: an erase of a node not in its tree, after the
  // detector's rb-erase-not-in-tree, following a stale head as a parent)
  // leads to a scratch node that reads as NULL links and keeps no write,
  // where the kernel (and the pointer port) would write into whatever the
  // stale pointer names. Never a read outside the arena.
  rb_node_id &N(link n) const {
    if (arena.names_item(n))
      return arena.at(n)->node;
    stray = rb_node_id{};
    return stray;
  }
  mutable rb_node_id stray{};
  static link parent_of(pc_t pc) { return pc >> 2; }
  static pc_t pc_of(link p) { return p << 2; }
};

} // namespace ksmsim
