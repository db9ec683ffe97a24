// SPDX-License-Identifier: GPL-2.0-only
//
// The v3.9 port's rmap_item arena (model/ksm/v3.9/rmap_arena.h): ids in
// allocation order from 1, as the trace's synthetic pointers were before
// the arena, found back from an item's address across chunks.
#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v3.9/rmap_arena.h"
#include "model/mm/kernel.h"
#include "tests/machine.h"

#include "catch.h"

#include <cstdint>
#include <vector>

using namespace ksmsim;

TEST_CASE("rmap_item ids follow allocation order across the arena's chunks", "[ksm][rmap_arena]") {
  Kernel k(MachineConfig{}, KernelProfile{});
  RmapArena arena(k);
  // Three chunks of 2^17 items of 32 bytes (id 0, chunk 0's slot 0, unused).
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

TEST_CASE("rmap_item: address and mm share a word, each leaving the other's bits",
          "[ksm][rmap_arena]") {
  // ksm_types.h: the kernel's address field (its page bits below 2^47 and
  // the flags in bits 0-9: SEQNR_MASK, UNSTABLE_FLAG, STABLE_FLAG) and a
  // 19-bit mm id in the bits a user address and its flags never use.
  rmap_item item{};
  CHECK(item.address == 0);
  CHECK(item.mm == 0);
  const std::uint64_t top = TASK_SIZE - PAGE_SIZE; // the highest user page
  const std::uint32_t big = RMAP_MM_IDS - 1;
  item.mm = big;
  item.address = top;
  CHECK(item.address == top);
  CHECK(item.mm == big);
  item.address |= UNSTABLE_FLAG;
  item.address |= 0xab & SEQNR_MASK;
  CHECK(item.address == (top | UNSTABLE_FLAG | 0xab));
  CHECK((item.address & PAGE_MASK) == top);
  CHECK(static_cast<unsigned char>(0xac - item.address) == 1); // the seqnr's age
  CHECK(item.mm == big);
  item.address &= PAGE_MASK; // remove_rmap_item_from_tree
  CHECK(item.address == top);
  CHECK(item.mm == big);
  for (std::uint32_t id : {1u, 2u, 3u, 4u, 5u, 0x12345u, big}) {
    item.mm = id;
    CHECK(item.mm == id);
    CHECK(item.address == top);
  }
  item.mm = 0; // free_rmap_item
  CHECK(item.mm == 0);
  CHECK(item.address == top);
  // Past the 19 bits: the simulator's limit, a clear stop (the runner says
  // "the run is stopped at step N: ..."), the item unchanged.
  item.mm = 7;
  CHECK_THROWS_AS(item.mm = RMAP_MM_IDS, SimulatorLimit);
  CHECK(item.mm == 7);
}

TEST_CASE("v3.9: an mm past rmap_item's 19-bit ids is refused as it enters KSM, before KSM changes",
          "[ksm][rmap_arena]") {
  testing::MachineBase m(1, KernelProfile{});
  mm_struct *a = m.k.mm_alloc("A", 1000);
  const std::uint64_t start = m.k.do_mmap_anon(a, 4, -1);
  const std::uint32_t id = a->id;
  a->id = RMAP_MM_IDS; // as the 524288th mm_struct of a run would be
  CHECK_THROWS_WITH(m.k.sys_madvise(a, start, 4 * PAGE_SIZE, MADV_MERGEABLE),
                    catch_compat::Contains("at most 524287 mm_structs"));
  a->id = id;
  Ksm *ksm = ksm_v3_9(m.k);
  REQUIRE(ksm);
  CHECK(ksm->get_mm_slot(a) == nullptr);
  CHECK_FALSE(a->flags & MMF_VM_MERGEABLE);
  CHECK_FALSE(m.k.find_vma(a, start)->vm_flags & VM_MERGEABLE);
  // (The run stops there: the runner says "the run is stopped at step N".)
}

TEST_CASE("v3.9: the last mm id rmap_item holds enters KSM as ever", "[ksm][rmap_arena]") {
  testing::MachineBase m(1, KernelProfile{});
  mm_struct *a = m.k.mm_alloc("A", 1000);
  const std::uint64_t start = m.k.do_mmap_anon(a, 4, -1);
  const std::uint32_t id = a->id;
  a->id = RMAP_MM_IDS - 1;
  CHECK(m.k.sys_madvise(a, start, 4 * PAGE_SIZE, MADV_MERGEABLE) == 0);
  CHECK(a->flags & MMF_VM_MERGEABLE);
  a->id = id;
}

namespace {
// The arena's layout follows the contents in use when its first chunk is
// made (rmap_arena.h): at least a chunk's slots of distinct ones, wide.
struct Contents {
  std::vector<PageContent> held;
  Contents(Kernel &k, std::uint32_t n) : held(n) {
    for (std::uint32_t i = 0; i < n; i++)
      k.contents.set_word(held[i], 0x6100000000000000ULL + i);
  }
};
} // namespace

TEST_CASE("rmap_item seen entries: one per item, in either layout, zero until written",
          "[ksm][rmap_arena]") {
  for (const bool wide : {false, true}) {
    Kernel k(MachineConfig{}, KernelProfile{});
    Contents c(k, wide ? RmapArena::SLOTS : RmapArena::SLOTS - 1);
    RmapArena arena(k);
    const std::uint32_t n = RmapArena::SLOTS + 3; // into a second chunk
    for (std::uint32_t id = 1; id <= n; id++)
      *arena.fresh() = rmap_item{};
    CHECK(arena.wide() == wide);
    std::uint32_t wrong = 0;
    for (std::uint32_t id = 1; id <= n; id++) {
      const rmap_item *item = arena.at(id);
      const auto a = reinterpret_cast<std::uintptr_t>(&arena.seen(item));
      const auto i = reinterpret_cast<std::uintptr_t>(item);
      const std::uintptr_t base = i & ~(RmapArena::CHUNK_BYTES - 1);
      const std::uintptr_t slot = id & (RmapArena::SLOTS - 1);
      // Wide: 48-byte slots, the entry after the item. Compact: 32-byte
      // slots, then the entries in slot order, 16 bytes apart.
      if (wide)
        wrong += i != base + slot * 48 || a != i + sizeof(rmap_item);
      else
        wrong += i != base + slot * 32 || a != base + (4u << 20) + slot * sizeof(rmap_seen);
      wrong += arena.seen(item).epoch != 0 || arena.seen(item).word != 0;
      wrong += RmapArena::id_of(item) != id;
    }
    CHECK(wrong == 0);
    // Writing an item's entry changes no item and no other entry.
    rmap_seen &s = arena.seen(arena.at(RmapArena::SLOTS + 1));
    s.epoch = 9;
    s.word = ~std::uint64_t(0);
    CHECK(arena.seen(arena.at(RmapArena::SLOTS)).epoch == 0);
    CHECK(arena.seen(arena.at(RmapArena::SLOTS + 2)).epoch == 0);
    for (std::uint32_t id : {RmapArena::SLOTS, RmapArena::SLOTS + 1, RmapArena::SLOTS + 2}) {
      CHECK(arena.at(id)->rmap_list == 0);
      CHECK(arena.at(id)->oldchecksum == 0);
      CHECK(arena.at(id)->address == 0);
      CHECK(arena.at(id)->mm == 0);
    }
  }
}

TEST_CASE("the arena's 2 MiB host pages keep every item, before and after", "[ksm][rmap_arena]") {
  // expect_random_access collapses the compact layout's chunks in use into
  // 2 MiB pages and maps later chunks so: a host hint, which must leave
  // every item's bytes and address as they were (whether or not the host
  // honours it).
  Kernel k(MachineConfig{}, KernelProfile{});
  RmapArena arena(k);
  const std::uint32_t before = RmapArena::SLOTS + 100; // a chunk and a part
  std::vector<rmap_item *> items;
  auto fill = [&](std::uint32_t id) {
    rmap_item *item = arena.fresh();
    *item = rmap_item{};
    item->oldchecksum = id * 2654435761u;
    item->address = std::uint64_t(id) << 12;
    arena.seen(item).word = ~std::uint64_t(id);
    items.push_back(item);
  };
  for (std::uint32_t id = 1; id <= before; id++)
    fill(id);
  CHECK_FALSE(arena.wide());
  arena.expect_random_access();
  arena.expect_random_access(); // a second call does nothing
  for (std::uint32_t id = before + 1; id <= 2 * RmapArena::SLOTS + 7; id++)
    fill(id);
  CHECK(arena.allocated() == items.size());
  std::uint32_t wrong = 0;
  for (std::uint32_t id = 1; id <= arena.allocated(); id++) {
    const rmap_item *item = arena.at(id);
    wrong += item != items[id - 1] || RmapArena::id_of(item) != id ||
             item->oldchecksum != id * 2654435761u || item->address != std::uint64_t(id) << 12 ||
             arena.seen(item).word != ~std::uint64_t(id);
  }
  CHECK(wrong == 0);
}
