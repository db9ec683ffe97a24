// SPDX-License-Identifier: GPL-2.0-only
//
// The invariant checker (model/check/invariants.cpp) counts ptes per frame
// and per swap slot in one byte each, with counts of 255 and more kept
// aside: a page mapped 300 times must count as 300 either way.

#include "model/check/invariants.h"
#include "model/mm/kernel.h"
#include "tests/machine.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace ksmsim;

namespace {
struct Machine : testing::MachineBase {
  Machine() : MachineBase(1, KernelProfile{}) {}
};

bool mentions(const std::vector<std::string> &v, const std::string &what) {
  for (const std::string &s : v)
    if (s.find(what) != std::string::npos)
      return true;
  return false;
}
} // namespace

TEST_CASE("invariants: a page mapped by 300 ptes counts 300", "[invariants]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, start, 0x6161616161616161ULL);
  // fork copies the pte and takes a mapcount for each child (copy_one_pte).
  for (int i = 1; i < 300; i++)
    REQUIRE(m.k.do_fork(a, "C" + std::to_string(i), 1000 + i));
  REQUIRE(Kernel::page_mapcount(p) == 300);
  m.check_invariants();

  SECTION("one mapcount too many is seen past the byte's range") {
    p->_mapcount++;
    std::vector<std::string> v = InvariantChecker::check(m.k);
    CHECK(mentions(v, "has mapcount 301 but 300 ptes map it"));
  }
  SECTION("one too few, too") {
    p->_mapcount--;
    std::vector<std::string> v = InvariantChecker::check(m.k);
    CHECK(mentions(v, "has mapcount 299 but 300 ptes map it"));
  }
}

TEST_CASE("invariants: a swap pte beyond the swap device is reported", "[invariants]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1000);
  std::uint64_t start = m.k.do_mmap_anon(a, 1, -1);
  // The test machine has 64 swap slots; a pte naming slot 65 is corrupt.
  *m.k.pte_offset(a, start, true) = swp_entry_to_pte(65);
  std::vector<std::string> v = InvariantChecker::check(m.k);
  CHECK(mentions(v, "a swap pte beyond the swap device"));
}
