// SPDX-License-Identifier: GPL-2.0-only
//
// Not the kernel's: where the v3.9 port's rmap_items live (the kernel's
// rmap_item_cache slab). Items are named by a 32-bit id, given in
// allocation order from 1 (the trace's synthetic pointer is made from it),
// so that rmap_item's links can be 32 bits wide (ksm_types.h). They sit in
// chunks of 2^17 slots of 32 bytes (4 MiB, two 2 MiB pages), each chunk
// aligned to 8 MiB with the slots' seen entries after them (16 bytes a
// slot, rmap_seen: 2 MiB) and then a header (the arena, its first id): id
// n is slot n % 2^17 of chunk n / 2^17 (slot 0 of chunk 0, id 0, is NULL
// and never used), found with a shift and a mask, no division, since the
// tree walks and rotations do it at every link; an item's id and its seen
// entry are found from its address alone. Host memory is taken as it is
// first touched: a chunk's seen entries only where an item was in the
// unstable tree.
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
  static constexpr std::uintptr_t ITEMS_BYTES = std::uintptr_t(SLOTS) * sizeof(rmap_item);
  static constexpr std::uintptr_t SEEN_BYTES = std::uintptr_t(SLOTS) * sizeof(rmap_seen);
  static constexpr std::uintptr_t CHUNK_BYTES = std::uintptr_t(1) << 23; // 8 MiB: alignment
  // Ids stay below 2^30: rb_node_id::__rb_parent_color holds one shifted by 2.
  static constexpr std::uint32_t MAX_ID = (1u << 30) - 1;

  explicit RmapArena(const Kernel &k) : k_(k) {}
  ~RmapArena();
  RmapArena(const RmapArena &) = delete;
  RmapArena &operator=(const RmapArena &) = delete;

  // The item of a non-zero id that was handed out.
  rmap_item *at(std::uint32_t id) const { return chunks_[id >> SLOT_SHIFT] + (id & (SLOTS - 1)); }
  // A never used item, the next id (std::bad_alloc when out of memory).
  rmap_item *fresh();
  // Ids handed out so far are 1..allocated().
  std::uint32_t allocated() const { return next_id_ - 1; }
  // Whether id names an item handed out (1..allocated(); not 0, NULL).
  bool names_item(std::uint32_t id) const { return id - 1u < allocated(); }
  const Kernel &kernel() const { return k_; }

  // The seen entry of an item (rmap_seen), beside the chunk's slots.
  static rmap_seen &seen(const rmap_item *item) {
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(item);
    const std::uintptr_t base = a & ~(CHUNK_BYTES - 1);
    return *reinterpret_cast<rmap_seen *>(base + ITEMS_BYTES +
                                          (a - base) / sizeof(rmap_item) * sizeof(rmap_seen));
  }

  // What follows each chunk's slots and seen entries.
  struct ChunkHeader {
    const RmapArena *arena;
    std::uint32_t first_id; // the id of slot 0
  };
  static const ChunkHeader &header_of(const rmap_item *item) {
    return *reinterpret_cast<const ChunkHeader *>(
        (reinterpret_cast<std::uintptr_t>(item) & ~(CHUNK_BYTES - 1)) + ITEMS_BYTES + SEEN_BYTES);
  }
  static std::uint32_t id_of(const rmap_item *item) {
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(item);
    return header_of(item).first_id +
           static_cast<std::uint32_t>((a & (CHUNK_BYTES - 1)) / sizeof(rmap_item));
  }

private:
  const Kernel &k_;
  std::vector<rmap_item *> chunks_; // each chunk's slot 0
  std::uint32_t next_id_ = 1;
};

static_assert(RmapArena::ITEMS_BYTES + RmapArena::SEEN_BYTES + sizeof(RmapArena::ChunkHeader) <=
                  RmapArena::CHUNK_BYTES,
              "a chunk's slots, seen entries and header fit its 8 MiB");

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
