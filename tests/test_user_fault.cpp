// SPDX-License-Identifier: GPL-2.0-only
//
// The user access's fault loop (sim/run/user_fault.cpp): a fault that maps
// nothing is taken again, as the CPU re-executes the instruction.
#include <cstring>

#include "sim/run/user_fault.h"
#include "tests/machine.h"

namespace ksmsim {
namespace {

struct Machine : testing::MachineBase {
  Machine() : MachineBase(1, KernelProfile{}) {}
};

// A process whose one page is swapped out (the page freed).
std::pair<mm_struct *, std::uint64_t> swapped(Machine &m) {
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, s, 0x51);
  REQUIRE(m.k.shrink_page(m.mapped(a, s), false));
  return {a, s};
}

TEST_CASE("a write whose swap fault lost its race faults again and lands in its own page",
          "[fault][swap]") {
  Machine m;
  // Plain variables, not a structured binding: clang 14 cannot capture one.
  auto [mm, addr] = swapped(m);
  mm_struct *a = mm;
  std::uint64_t s = addr;
  // Another CPU zaps the swap pte while do_swap_page waits for the page
  // lock: !PageSwapCache -> out_page, 0 returned, pte none. The second
  // fault is do_anonymous_page's.
  int zaps = 0;
  m.k.on_point = [&](const char *point) {
    if (std::strcmp(point, "do_swap_page:lock_page") == 0 && zaps++ == 0)
      REQUIRE(m.k.sys_madvise(a, s, PAGE_SIZE, MADV_DONTNEED) == 0);
  };
  UserFault f = user_fault(m.k, a, s, true);
  m.k.on_point = nullptr;
  CHECK(f.status == UserFaultStatus::done);
  CHECK(f.faults == 2);
  CHECK(f.ret == 0); // do_anonymous_page
  REQUIRE(f.accessed);
  CHECK(f.accessed != m.k.zero_page());
  CHECK(f.accessed == m.mapped(a, s));
  CHECK(pte_write(m.pte_val(a, s)));
  CHECK(m.word_of(f.accessed) == 0); // a fresh page: the old content was zapped
  CHECK(m.k.swap_slots_used() == 0);
  // The page read into the swap cache (read_swap_cache_async ->
  // lru_cache_add_anon) and released by out_page is still held by this
  // CPU's LRU-add pagevec; the next drain frees it.
  CHECK(m.k.frames_in_use() == 2);
  m.k.lru_add_drain_all();
  CHECK(m.k.frames_in_use() == 1);
  m.check_invariants();
}

TEST_CASE("a fault that never maps the page is a detector report, not a hang", "[fault][swap]") {
  Machine m;
  auto [a, s] = swapped(m);
  pte_t *ptep = m.pte(a, s);
  // Each time do_swap_page waits for the page lock, the swap pte changes
  // under it (a bit no fault reads): !pte_same -> out_nomap, for ever.
  m.k.on_point = [&](const char *point) {
    if (std::strcmp(point, "do_swap_page:lock_page") == 0)
      ptep->val ^= _PAGE_DIRTY;
  };
  UserFault f = user_fault(m.k, a, s, false);
  m.k.on_point = nullptr;
  CHECK(f.status == UserFaultStatus::no_progress);
  CHECK(f.faults == kMaxFaultRetries + 1);
  CHECK(f.accessed == nullptr);
  REQUIRE(m.k.oopses().size() == 1);
  CHECK(m.k.oopses()[0].kind == "detector");
  CHECK(m.k.oopses()[0].message.find("ksmsim: fault made no progress") == 0);
  CHECK(a->mmap_sem_readers == 0);
  CHECK(m.k.frames_in_use() == 1); // the swap-cache page only: nothing leaked
  CHECK(is_swap_pte(m.pte_val(a, s)));
}

} // namespace
} // namespace ksmsim
