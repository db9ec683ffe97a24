// SPDX-License-Identifier: GPL-2.0-only
//
// How large a scenario may be (issue 10): a vma up to what the host's
// memory can simulate (sim/scenario/limits.h), page ranges kept as runs so
// that naming 2^28 pages stores one run, and the budgets on pages named.

#include "ksmsim/scenario.h"
#include "sim/scenario/limits.h"

#include <catch2/catch.hpp>

#include <string>

using namespace ksmsim::scenario;

namespace {

constexpr std::uint64_t kGiB = 1ULL << 30;

Scenario parse_on(std::uint64_t ram, const std::string &text) {
  ParseOptions opt;
  opt.ram_bytes = ram;
  return parse_text(text, "l.yaml", opt);
}

std::string error_on(std::uint64_t ram, const std::string &text) {
  try {
    parse_on(ram, text);
  } catch (const ScenarioError &e) {
    return e.what();
  }
  return "no error";
}

std::string one_vma(const std::string &pages, const std::string &more = "") {
  return "scenario: l\nsteps:\n  - spawn: A\n  - mmap: {mm: A, vma: heap, pages: " + pages + "}\n" +
         more;
}

} // namespace

TEST_CASE("the vma limit is the host's memory over the bytes a page costs", "[limits]") {
  // 24 GiB / 160 bytes = 25769803776 / 160 = 161061273 (rounded down).
  MappedPageLimit l = mapped_page_limit(24 * kGiB, 160);
  CHECK(l.pages == 161061273);
  CHECK(describe(l) == "at most 161061273 pages: 24 GiB of RAM at 160 bytes a page");
  // 2^28 pages fit 24 GiB at 80 bytes a page or less: 24 GiB / 80 = 322122547.
  CHECK(mapped_page_limit(24 * kGiB, 80).pages >= (1ULL << 28));
  CHECK(mapped_page_limit(24 * kGiB, 100).pages == 257698037); // < 2^28
  // Beyond 32-bit page indexes the representation is the bound.
  MappedPageLimit huge = mapped_page_limit(1ULL << 50, 160);
  CHECK(huge.pages == kMaxIndexablePages);
  CHECK(describe(huge) == "at most 4294967295 pages: page indexes are 32-bit");
  CHECK(describe(mapped_page_limit(3 * kGiB / 2, 160)) ==
        "at most 10066329 pages: 1.5 GiB of RAM at 160 bytes a page");
  CHECK(host_ram_bytes() > 0);
  CHECK(kSimBytesPerMappedPage > 0);
}

TEST_CASE("a vma beyond the host's memory is refused with the real limit", "[limits][errors]") {
  // 2^40 pages on a 24 GiB host; the value is on line 4 at column 37.
  // 24 GiB / 72 bytes = 25769803776 / 72 = 357913941 (rounded down).
  static_assert(kSimBytesPerMappedPage == 72, "the figures below are for 72 bytes a page");
  CHECK(error_on(24 * kGiB, one_vma("1099511627776")) ==
        "l.yaml:4:37: vma heap: 1099511627776 pages is more than this machine can simulate (at "
        "most 357913941 pages: 24 GiB of RAM at 72 bytes a page)");
  CHECK_THAT(error_on(24 * kGiB, one_vma("357913942")),
             Catch::Contains("is more than this machine"));
  CHECK(parse_on(24 * kGiB, one_vma("357913941")).steps.size() == 2);
  CHECK_THAT(error_on(24 * kGiB, one_vma("0")),
             Catch::Contains("pages: expected an integer in 1..357913941, got 0"));
  // 1 TiB of 4 KiB pages (issue 10's run) is within the limit of a 24 GiB host.
  CHECK(parse_on(24 * kGiB, one_vma("268435456")).steps.size() == 2);
}

TEST_CASE("a 2^28-page vma parses as one run of pages", "[limits]") {
  // 64 GiB at 72 bytes a page: 954437176 pages, more than 2^28.
  const std::uint64_t ram = 64 * kGiB;
  Scenario s =
      parse_on(ram, one_vma("268435456",
                            "  - write: {mm: A, vma: heap, pages: all, fill: 1}\n"
                            "  - read: {mm: A, vma: heap, pages: [0-99, 100-268435455]}\n"
                            "  - madvise: {mm: A, vma: heap, advice: mergeable, pages: all}\n"));
  CHECK(std::get<Mmap>(s.steps[1].body).pages == 268435456);
  // One run each: nothing of 2^28 elements was built.
  const PageSet &all = std::get<Write>(s.steps[2].body).pages;
  REQUIRE(all.runs.size() == 1);
  CHECK(all.runs[0] == PageRun{0, 268435456});
  CHECK(all.size() == 268435456);
  const PageSet &joined = std::get<Read>(s.steps[3].body).pages;
  CHECK(joined.runs == std::vector<PageRun>{{0, 268435456}}); // adjacent ranges join
  CHECK(std::get<Madvise>(s.steps[4].body).pages->runs.size() == 1);
}

TEST_CASE("page sets keep order and repeats as runs", "[limits]") {
  Scenario s = parse_on(
      64 * kGiB, one_vma("64", "  - read: {mm: A, vma: heap, pages: [5, 3, 4, 9-10, 11, 3]}\n"));
  const PageSet &p = std::get<Read>(s.steps[2].body).pages;
  // 5 | 3 4 | 9 10 11 | 3: four runs, eight indexes in the order named.
  CHECK(p.runs == std::vector<PageRun>{{5, 1}, {3, 2}, {9, 3}, {3, 1}});
  CHECK(p.indexes() == std::vector<std::uint32_t>{5, 3, 4, 9, 10, 11, 3});
  CHECK(p.size() == 7);
  CHECK(page_runs(p) ==
        std::vector<std::pair<std::uint32_t, std::uint32_t>>{{5, 1}, {3, 2}, {9, 3}, {3, 1}});
}

TEST_CASE("pages named over the scenario are bounded", "[limits][errors]") {
  // 16 writes of 2^28 pages are 2^32 pages named: the bound; a 17th is one
  // too many. (A repeat makes them; the error points at the template read
  // map, which names every page by leaving pages: out.)
  const std::string text = one_vma("268435456", "  - repeat:\n      count: 17\n      steps:\n"
                                                "        - read: {mm: A, vma: heap}\n");
  CHECK(error_on(64 * kGiB, text) ==
        "l.yaml:8:17: too many pages named by steps in the scenario (at most 4294967296) (i=16 of "
        "the repeat at line 5)");
  CHECK_NOTHROW(
      parse_on(64 * kGiB, one_vma("268435456", "  - repeat:\n      count: 16\n      steps:\n"
                                               "        - read: {mm: A, vma: heap}\n")));
}
