// SPDX-License-Identifier: GPL-2.0-only
//
// The simulator's own bookkeeping behind its shortcuts (docs/perf.md): the
// mm change count whose low 32 bits the rmap_items keep.

#include "model/mm/kernel.h"
#include "tests/machine.h"

#include "tests/catch.h"

using namespace ksmsim;

TEST_CASE("shortcuts: a pte store counts as a change to the mms", "[shortcuts]") {
  testing::MachineBase m(1, KernelProfile{});
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 1, -1);
  const std::uint64_t before = m.k.mm_epoch;
  m.fault(a, start, true); // do_anonymous_page stores the pte
  CHECK(m.k.mm_epoch > before);
}

TEST_CASE("shortcuts: the count's low 32 bits skip 0 when they wrap", "[shortcuts]") {
  testing::MachineBase m(1, KernelProfile{});
  m.k.mm_epoch = 0xffffffffULL; // the next change wraps the low 32 bits
  m.k.mm_changed();
  // 0 means "nothing seen" in rmap_seen::epoch: the count goes past it
  // (and every rmap_item forgets what it saw: Ksm::forget_seen).
  CHECK(static_cast<std::uint32_t>(m.k.mm_epoch) == 1);
  CHECK(m.k.mm_epoch == 0x100000001ULL);
}
