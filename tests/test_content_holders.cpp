// SPDX-License-Identifier: GPL-2.0-only
//
// The content table's counts through the MMU and KSM (model/mm/content.h):
// after faults, fork, copy-on-write, pokes, merges, unmerging and exit,
// every entry's count of holders is the number of frames holding it (no
// swap here: swap slots hold entries too), and an entry nobody holds is
// gone. Expected counts are counted over the frames here, not taken from
// the store.

#include "model/ksm/v3.9/ksm.h"
#include "model/mm/kernel.h"
#include "tests/machine.h"

#include "catch.h"

#include <cstdint>
#include <map>
#include <set>

using namespace ksmsim;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;

// Every frame's entry (free frames keep their base word: content.h) and
// how many frames hold it; CHECKs that the store counts the same.
void check_holders(Kernel &k) {
  std::map<std::uint32_t, std::uint32_t> frames; // entry id -> frames holding it
  std::map<std::uint32_t, const page *> one;
  k.for_each_frame([&](page *p) {
    if (p->content.id) {
      frames[p->content.id]++;
      one[p->content.id] = p;
    }
  });
  for (auto [id, n] : frames) {
    INFO("entry " << id);
    CHECK(k.contents.holders(one[id]->content) == n);
  }
  CHECK(k.contents.entries() == frames.size());
}

} // namespace

TEST_CASE("content table: holders are the frames, through fork, COW, KSM and exit", "[content]") {
  testing::MachineBase m(1, KernelProfile{});
  Kernel &k = m.k;
  mm_struct *a = k.mm_alloc("A", 1000);
  const std::uint64_t words[] = {0x11, 0x11, 0x22, 0x11, 0x33, 0x22, 0, 0x11};
  const std::uint64_t s = k.do_mmap_anon(a, 8, -1);
  for (unsigned i = 0; i < 8; i++)
    m.write(a, s + i * P, words[i]);
  k.contents.poke(m.mapped(a, s + 3 * P)->content, 5, 0x99); // 0x11 + a poke
  check_holders(k);
  mm_struct *b = k.do_fork(a, "B", 1001);
  check_holders(k);
  m.write(b, s + 0 * P, 0x44); // COW: a new frame, then a new word
  m.write(b, s + 3 * P, 0x11); // the poked page's copy becomes the word again
  check_holders(k);
  REQUIRE(k.sys_madvise(a, s, 8 * P, MADV_MERGEABLE) == 0);
  REQUIRE(k.sys_madvise(b, s, 8 * P, MADV_MERGEABLE) == 0);
  REQUIRE(k.ksm.sysfs_store("run", "1\n") == 2);
  for (int i = 0; i < 3; i++)
    k.ksm.ksm_do_scan(100000);
  std::uint64_t sharing = ~0ULL;
  REQUIRE(k.ksm.sysfs_show("pages_sharing", &sharing));
  CHECK(sharing > 0); // merges freed frames: their contents are still held
  check_holders(k);
  REQUIRE(k.ksm.sysfs_store("run", "2\n") == 2); // unmerge: copies again
  check_holders(k);
  k.mmput(b);
  k.mmput(a);
  check_holders(k);
}
