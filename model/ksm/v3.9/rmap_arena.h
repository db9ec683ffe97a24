// SPDX-License-Identifier: GPL-2.0-only
//
// Not the kernel's: where the v3.9 port's rmap_items live (the kernel's
// rmap_item_cache slab). Items are named by a 32-bit id, given in
// allocation order from 1 (the trace's synthetic pointer is made from it),
// so that rmap_item's links can be 32 bits wide (ksm_types.h). They sit in
// chunks of 4 MiB, each aligned to its size, in slots of 48 bytes (87381 of
// them, 16 bytes left over): slot 0 of a chunk is a header (its first id,
// the arena), so an item's id is found from its address alone, and an id's
// item with one division.
#pragma once

#include <cstdint>
#include <vector>

#include "model/ksm/v3.9/ksm_types.h"

namespace ksmsim {

class Kernel;

class RmapArena {
public:
  static constexpr std::uintptr_t CHUNK_BYTES = std::uintptr_t(1) << 22;  // 4 MiB
  static constexpr std::uint32_t SLOTS = CHUNK_BYTES / sizeof(rmap_item); // 87381 of 48 bytes
  static constexpr std::uint32_t PER_CHUNK = SLOTS - 1;                   // slot 0 is the header
  // Ids stay below 2^30: rb_node_id::__rb_parent_color holds one shifted by 2.
  static constexpr std::uint32_t MAX_ID = (1u << 30) - 1;

  explicit RmapArena(const Kernel &k) : k_(k) {}
  ~RmapArena();
  RmapArena(const RmapArena &) = delete;
  RmapArena &operator=(const RmapArena &) = delete;

  // The item of a non-zero id that was handed out.
  rmap_item *at(std::uint32_t id) const {
    const std::uint32_t i = id - 1;
    return chunks_[i / PER_CHUNK] + 1 + i % PER_CHUNK;
  }
  // A never used item, the next id (std::bad_alloc when out of memory).
  rmap_item *fresh();
  // Ids handed out so far are 1..allocated().
  std::uint32_t allocated() const { return next_id_ - 1; }
  const Kernel &kernel() const { return k_; }

  // What slot 0 of each chunk holds.
  struct ChunkHeader {
    const RmapArena *arena;
    std::uint32_t first_id; // the id of slot 1
  };
  static const ChunkHeader &header_of(const rmap_item *item) {
    return *reinterpret_cast<const ChunkHeader *>(reinterpret_cast<std::uintptr_t>(item) &
                                                  ~(CHUNK_BYTES - 1));
  }
  static std::uint32_t id_of(const rmap_item *item) {
    const ChunkHeader &h = header_of(item);
    return h.first_id - 1 +
           static_cast<std::uint32_t>(item - reinterpret_cast<const rmap_item *>(&h));
  }

private:
  const Kernel &k_;
  std::vector<rmap_item *> chunks_; // each chunk's slot 0
  std::uint32_t next_id_ = 1;
};

static_assert(sizeof(RmapArena::ChunkHeader) <= sizeof(rmap_item), "the header fits slot 0");

// model/lib/rbtree_ops.h's node-access policy for the unstable tree: nodes
// are rmap_item ids, reached through the arena (rb_node_id).
struct rmap_rb_access {
  const RmapArena &arena;
  using link = std::uint32_t;
  using pc_t = std::uint32_t;
  using root_t = rb_root_id;
  pc_t &PC(link n) const { return arena.at(n)->node.__rb_parent_color; }
  link &R(link n) const { return arena.at(n)->node.rb_right; }
  link &L(link n) const { return arena.at(n)->node.rb_left; }
  static link parent_of(pc_t pc) { return pc >> 2; }
  static pc_t pc_of(link p) { return p << 2; }
};

} // namespace ksmsim
