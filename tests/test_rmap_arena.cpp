// SPDX-License-Identifier: GPL-2.0-only
//
// The v3.9 port's rmap_item arena (model/ksm/v3.9/rmap_arena.h): ids in
// allocation order from 1, as the trace's synthetic pointers were before
// the arena, found back from an item's address across chunks.
#include "model/ksm/v3.9/rmap_arena.h"
#include "model/mm/kernel.h"

#include "catch.h"

#include <cstdint>
#include <vector>

using namespace ksmsim;

TEST_CASE("rmap_item ids follow allocation order across the arena's chunks", "[ksm][rmap_arena]") {
  Kernel k(MachineConfig{}, KernelProfile{});
  RmapArena arena(k);
  // Three chunks of 2^17 items of 48 bytes (id 0, chunk 0's slot 0, unused).
  const std::uint32_t n = 2 * RmapArena::SLOTS + 10;
  std::vector<rmap_item *> items;
  for (std::uint32_t id = 1; id <= n; id++) {
    rmap_item *item = arena.fresh();
    *item = rmap_item{};
    items.push_back(item);
  }
  CHECK(arena.allocated() == n);
  for (std::uint32_t id : {1u, 2u, RmapArena::SLOTS - 1, RmapArena::SLOTS, n}) {
    CHECK(RmapArena::id_of(items[id - 1]) == id);
    CHECK(arena.at(id) == items[id - 1]);
  }
  // Links by id: item 3 -> item 131072 (in the next chunk) -> NULL.
  items[2]->rmap_list = RmapArena::SLOTS;
  CHECK(rmap_item_next(items[2]) == items[RmapArena::SLOTS - 1]);
  CHECK(rmap_item_next(items[RmapArena::SLOTS - 1]) == nullptr);
  // mm by id: 0 is NULL (a freed item), else Kernel::mm_of_id.
  mm_struct *mm = k.mm_alloc("A", 1);
  items[0]->mm = mm->id;
  CHECK(rmap_item_mm(items[0]) == mm);
  CHECK(rmap_item_mm(items[1]) == nullptr);
  CHECK(rmap_item_id(items[n - 1]) == n);
}
