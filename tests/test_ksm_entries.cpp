// SPDX-License-Identifier: GPL-2.0-only
//
// KsmProfile::entries: every entry point that may change a port's state
// counts, on every profile, and --check=step's KSM checks run after a step
// that entered the port and only then (InvariantChecker::check_touched).
#include <functional>
#include <string>
#include <vector>

#include "model/check/invariants.h"
#include "model/check/touch_log.h"
#include "model/mm/kernel.h"
#include "model/mm/zero_page.h"
#include "tests/catch.h"
#include "tests/machine.h"

using namespace ksmsim;

namespace {
KernelProfile profile_of(const std::string &version) {
  KernelProfile p;
  p.version = version;
  return p;
}

// An mm with two pages of one content, mergeable: after two scans one KSM
// page (not on v2.6.32, whose KSM pages are not flagged so, but the calls
// below need no particular state: what they do after entered() is not what
// this tests, and an oops they may raise is caught).
struct Pair : testing::MachineBase {
  mm_struct *a = nullptr;
  std::uint64_t start = 0;
  explicit Pair(const std::string &version) : MachineBase(1, profile_of(version)) {
    a = k.mm_alloc("A", 1000);
    start = k.do_mmap_anon(a, 2, -1);
    write(a, start, 0x6161616161616161ULL);
    write(a, start + PAGE_SIZE, 0x6161616161616161ULL);
  }
  // f entered the port: the count grew (an oops after entering is fine).
  bool enters(const std::function<void()> &f) {
    const std::uint64_t before = k.ksm.entries();
    try {
      f();
    } catch (const OopsException &) {
    }
    return k.ksm.entries() > before;
  }
};
} // namespace

TEST_CASE("ksm entries: every entry point that may change the port counts, on every profile",
          "[ksm][invariants]") {
  for (const std::string version : {"v3.9", "v6.15", "v2.6.32"}) {
    INFO(version);
    Pair m(version);
    vm_area_struct *vma = m.k.find_vma(m.a, m.start);
    REQUIRE(vma);
    std::uint64_t flags = vma->vm_flags;
    // MADV_MERGEABLE and __ksm_enter do not count: they only add an mm_slot
    // with no rmap_items, which the KSM checks cannot find wrong.
    CHECK_FALSE(
        m.enters([&] { m.k.ksm.ksm_madvise(vma, m.start, vma->vm_end, MADV_MERGEABLE, &flags); }));
    vma->vm_flags = flags;
    REQUIRE(m.a->flags & MMF_VM_MERGEABLE);
    m.check_invariants();
    CHECK_FALSE(m.enters([&] { // already mergeable: ignored
      m.k.ksm.ksm_madvise(vma, m.start, vma->vm_end, MADV_MERGEABLE, &flags);
    }));
    std::uint64_t plain_flags = 0; // an ignored MADV_UNMERGEABLE counts all the same
    CHECK(m.enters(
        [&] { m.k.ksm.ksm_madvise(vma, m.start, vma->vm_end, MADV_UNMERGEABLE, &plain_flags); }));
    CHECK(m.enters([&] { m.k.ksm.sysfs_store("run", "1\n"); }));
    CHECK(m.enters([&] { m.k.ksm.ksm_do_scan(4); }));
    CHECK(m.enters([&] { m.k.ksm.ksm_do_scan(4); }));
    page *p = m.mapped(m.a, m.start);
    REQUIRE(p);
    CHECK(m.enters([&] {
      m.k.ksm.rmap_walk_ksm(p, [](page *, vm_area_struct *, std::uint64_t) { return SWAP_AGAIN; });
    }));
    CHECK(m.enters([&] { m.k.ksm.try_to_unmap_ksm(p, 0); }));
    // The wrappers count themselves, not only through __ksm_enter and
    // __ksm_exit: a parent and an mm that are not mergeable, an mm that is.
    mm_struct *plain = m.k.mm_alloc("P", 1003);
    mm_struct *child = m.k.mm_alloc("B", 1001);
    CHECK(m.enters([&] { m.k.ksm.ksm_fork(child, plain); }));
    CHECK(m.enters([&] { m.k.ksm.ksm_exit(plain); }));
    CHECK(m.enters([&] { m.k.ksm.ksm_fork(child, m.a); }));
    CHECK(m.enters([&] { m.k.ksm.ksm_exit(child); }));
    mm_struct *c = m.k.mm_alloc("C", 1002);
    CHECK_FALSE(m.enters([&] { m.k.ksm.__ksm_enter(c); }));
    m.check_invariants();
    CHECK(m.enters([&] { m.k.ksm.__ksm_exit(c); }));
    if (version != "v2.6.32") { // the seed has neither hook (they change nothing there)
      CHECK(m.enters([&] { m.k.ksm.ksm_might_need_to_copy(p, vma, m.start); }));
      page *fresh = m.k.alloc_page_node(0);
      REQUIRE(fresh);
      CHECK(m.enters([&] { m.k.ksm.ksm_migrate_page(fresh, p); }));
    }
    if (version == "v6.15") { // its own hooks (the base's defaults do nothing)
      // These two count only where they change something: mm calls them
      // for every vma it maps and every zero pte it zaps.
      CHECK_FALSE(m.enters([&] { m.k.ksm.ksm_add_vma(vma); }));
      CHECK_FALSE(m.enters([&] { m.k.ksm.ksm_might_unmap_zero_page(m.a, pte_t{}); }));
      CHECK(m.enters([&] {
        m.k.ksm.ksm_might_unmap_zero_page(m.a, mk_ksm_zero_pte(m.start)); // a KSM zero pte
      }));
      CHECK(m.enters([&] { m.k.ksm.prctl_memory_merge(m.a, PR_GET_MEMORY_MERGE, 0); }));
      CHECK(m.enters([&] { m.k.ksm.prctl_memory_merge(m.a, PR_SET_MEMORY_MERGE, 1); }));
      REQUIRE(m.a->flags & MMF_VM_MERGE_ANY);
      CHECK(m.enters([&] { m.k.ksm.ksm_add_vma(vma); }));
    }
    if (version == "v3.9")
      CHECK(m.enters([&] { m.k.ksm.forget_seen(); }));
    // Last, as it breaks the KSM page the calls above were given.
    std::uint64_t unmerge = vma->vm_flags;
    CHECK(m.enters(
        [&] { m.k.ksm.ksm_madvise(vma, m.start, vma->vm_end, MADV_UNMERGEABLE, &unmerge); }));
    // Reads do not count.
    const std::uint64_t before = m.k.ksm.entries();
    std::uint64_t v = 0;
    m.k.ksm.sysfs_show("pages_shared", &v);
    (void)m.k.ksm.slot_figures();
    (void)m.k.ksm.ksmd_should_run();
    CHECK(m.k.ksm.entries() == before);
  }
}

TEST_CASE("ksm entries: the incremental check runs the KSM checks only after the port was entered",
          "[ksm][invariants]") {
  Pair m("v3.9");
  TouchLog log(1 << 16);
  m.k.touch = &log;
  REQUIRE(m.k.sys_madvise(m.a, m.start, 2 * PAGE_SIZE, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  m.k.ksm.ksm_do_scan(4);
  m.k.ksm.ksm_do_scan(4);
  REQUIRE(m.v39().ksm_pages_shared == 1);
  // Nothing checked yet: the KSM checks run.
  REQUIRE(log.ksm_entered_since(m.k.ksm.entries()));
  REQUIRE(InvariantChecker::check_touched(m.k, log).empty());
  log.reset(m.k.ksm.entries());
  // A counter made wrong behind the port's back, as no step can: the
  // incremental check does not look (the full check does).
  m.v39().ksm_pages_shared++;
  CHECK_FALSE(log.ksm_entered_since(m.k.ksm.entries()));
  CHECK(InvariantChecker::check_touched(m.k, log).empty());
  CHECK_FALSE(InvariantChecker::check(m.k).empty());
  // A madvise that only registers another mm with KSM: not looked at, and
  // the full check agrees nothing new is wrong there (the counter aside).
  mm_struct *b = m.k.mm_alloc("B", 1001);
  const std::uint64_t bstart = m.k.do_mmap_anon(b, 1, -1);
  REQUIRE(m.k.sys_madvise(b, bstart, PAGE_SIZE, MADV_MERGEABLE) == 0);
  CHECK_FALSE(log.ksm_entered_since(m.k.ksm.entries()));
  m.v39().ksm_pages_shared--;
  CHECK(InvariantChecker::check(m.k).empty());
  m.v39().ksm_pages_shared++;
  // Any entry into the port, even one that changes nothing: it looks again.
  std::uint64_t v = 0;
  REQUIRE(m.k.ksm.sysfs_store("pages_to_scan", "100\n") == 4);
  REQUIRE(m.k.ksm.sysfs_show("pages_to_scan", &v));
  CHECK(log.ksm_entered_since(m.k.ksm.entries()));
  const std::vector<std::string> found = InvariantChecker::check_touched(m.k, log);
  REQUIRE_FALSE(found.empty());
  CHECK(found.front().find("pages_shared/sharing 2/1") != std::string::npos);
}
