// SPDX-License-Identifier: GPL-2.0-only
//
// Content distributions of a write (extension: distinct, zero_share,
// differ_at, seed). Expected values come from the definition in
// docs/scenario-format.md (Extensions): small cases worked out by hand as
// the comments show; the splitmix64 words and the zipf counts computed by
// an independent few-line Python implementation of that definition (the
// spec's splitmix64; math.gcd; (c+1)**-s scaled by 2^32 and rounded).

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "model/mm/content.h"
#include "sim/scenario/distribution.h"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace ksmsim;
using namespace ksmsim::scenario;

namespace {

// The content of the one write step of a scenario with a vma of n pages.
Content write_content(std::uint64_t n, const std::string &content, const std::string &top = "") {
  Scenario s =
      parse_text("scenario: d\n" + top + "steps:\n  - spawn: A\n  - mmap: {mm: A, vma: h, pages: " +
                     std::to_string(n) + "}\n  - write: {mm: A, vma: h, " + content + "}\n",
                 "d.yaml");
  return std::get<Write>(s.steps.at(2).body).content;
}

std::vector<std::uint64_t> classes_of(const Content &c) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t k = 0; k < c.distribution->pages; ++k) {
    out.push_back(content_class(*c.distribution, k));
  }
  return out;
}

constexpr std::uint64_t Z = kZeroClass;

// The bytes page i would hold (through the model's own content store).
std::vector<std::uint8_t> bytes_of(const Content &c, std::uint64_t i) {
  ContentStore store;
  PageContent pc;
  PageWrite w = page_write(c, i);
  if (w.word) {
    store.set_word(pc, *w.word);
  }
  for (std::size_t j = 0; j < w.npokes; ++j) {
    store.poke(pc, w.pokes[j].offset, w.pokes[j].byte);
  }
  std::vector<std::uint8_t> b = store.bytes(pc);
  store.release(pc);
  return b;
}

std::vector<std::uint8_t> repeated(std::uint64_t word) {
  std::vector<std::uint8_t> b(4096);
  for (std::size_t i = 0; i < 4096; ++i) {
    b[i] = static_cast<std::uint8_t>(word >> (8 * (7 - i % 8))); // big-endian
  }
  return b;
}

} // namespace

TEST_CASE("distinct: N, equal weights, exact pages", "[distribution]") {
  // n = 8, seed 7, N = 4: m = 8, 2 pages a class (slots 0-1 class 0, 2-3
  // class 1, ...). stride: floor(8 * 0.618..) = 4, gcd(4, 8) = 4, so 5;
  // offset splitmix64(~7) mod 8 = 0x88fca0195de67e12 mod 8 = 2. Page k is
  // in slot (5k + 2) mod 8 = 2, 7, 4, 1, 6, 3, 0, 5: classes 1, 3, 2, 0, 3, 1, 0, 2.
  Content c = write_content(8, "distinct: 4, seed: 7");
  REQUIRE(c.base == Content::Base::Distinct);
  CHECK(c.distribution->stride == 5);
  CHECK(c.distribution->offset == 2);
  CHECK(classes_of(c) == std::vector<std::uint64_t>{1, 3, 2, 0, 3, 1, 0, 2});
  // Class c's word is splitmix64(7 + c): the page `random: 7` gives page c.
  CHECK(bytes_of(c, 0) == repeated(0x9e5651b0ef953636)); // class 1: splitmix64(8)
  CHECK(bytes_of(c, 3) == repeated(0x63cbe1e459320dd7)); // class 0: splitmix64(7)
  CHECK(bytes_of(c, 1) == repeated(0x088712be8a582fca)); // class 3: splitmix64(10)
  CHECK(page_write(c, 2).word == splitmix64(7 + 2));
  for (std::uint64_t cls = 0; cls < 4; ++cls) {
    CHECK(class_pages(*c.distribution, cls) == 2);
  }
  // Without seed: the scenario's seed.
  CHECK(write_content(8, "distinct: 4", "seed: 7\n").distribution->offset == 2);
  // 10 pages in 4 classes: 3, 3, 2, 2 (the first m mod N classes one more).
  Content ten = write_content(10, "distinct: 4");
  CHECK(class_pages(*ten.distribution, 0) == 3);
  CHECK(class_pages(*ten.distribution, 1) == 3);
  CHECK(class_pages(*ten.distribution, 3) == 2);
}

TEST_CASE("distinct weights and zipf: largest remainders", "[distribution]") {
  // weights [3, 1], m = 10: 30/4 = 7 r 2, 10/4 = 2 r 2; one page left, the
  // tie goes to class 0: 8 and 2.
  Content w = write_content(10, "distinct: {weights: [3, 1]}");
  CHECK(w.distribution->classes == 2);
  CHECK(class_pages(*w.distribution, 0) == 8);
  CHECK(class_pages(*w.distribution, 1) == 2);
  // zipf 1 over 3: weights 2^32, 2^31, round(2^32 / 3) = 1431655765, sum
  // 7874106709. m = 11: 11 * 2^32 / sum = 6 r 2, 11 * 2^31 / sum = 3 r 1,
  // 11 * 1431655765 / sum = 1 r 7874106706; the page left goes to class 2:
  // 6, 3, 2.
  CHECK(zipf_weights(3, 1.0) == std::vector<std::uint64_t>{4294967296, 2147483648, 1431655765});
  Content z = write_content(11, "distinct: {count: 3, zipf: 1}");
  CHECK(class_pages(*z.distribution, 0) == 6);
  CHECK(class_pages(*z.distribution, 1) == 3);
  CHECK(class_pages(*z.distribution, 2) == 2);
  CHECK(apportion(10, {3, 1}) == std::vector<std::uint64_t>{8, 10});
}

TEST_CASE("zero_share: floor(n * share) zero pages", "[distribution]") {
  // n = 10, share 3/10: Z = 3. stride floor(10 * 0.618) = 6, gcd 2, so 7;
  // offset splitmix64(~5) mod 10 = 9. Slots (7k + 9) mod 10 = 9, 6, 3, 0,
  // 7, 4, 1, 8, 5, 2; slots 0-2 are zero pages: k = 3, 6, 9.
  Content c = write_content(10, "distinct: 1, zero_share: 0.3, seed: 5");
  CHECK(c.distribution->zero_pages == 3);
  CHECK(classes_of(c) == std::vector<std::uint64_t>{0, 0, 0, Z, 0, 0, Z, 0, 0, Z});
  CHECK(bytes_of(c, 3) == std::vector<std::uint8_t>(4096, 0));
  CHECK(bytes_of(c, 0) == repeated(splitmix64(5)));
  // 1 is every page, 0 none; the share is exact (0.1 is 1/10, not a double).
  CHECK(write_content(10, "distinct: 1, zero_share: 1").distribution->zero_pages == 10);
  CHECK(write_content(10, "distinct: 1, zero_share: 0.1").distribution->zero_pages == 1);
  CHECK(write_content(7, "distinct: 1, zero_share: 0.99").distribution->zero_pages == 6);
}

TEST_CASE("differ_at: one prefix, the class in the last bytes", "[distribution]") {
  // n = 3, seed 1: stride floor(3 * 0.618) = 1; offset splitmix64(~1) mod 3
  // = 2; slots 2, 0, 1 are classes 2, 0, 1. Every page is
  // splitmix64(1) = 0x910a2dec89025cc1 repeated, byte 4095 its class.
  Content c = write_content(3, "distinct: 3, differ_at: 4095, seed: 1");
  CHECK(classes_of(c) == std::vector<std::uint64_t>{2, 0, 1});
  for (std::uint64_t k = 0; k < 3; ++k) {
    std::vector<std::uint8_t> want = repeated(0x910a2dec89025cc1);
    want[4095] = static_cast<std::uint8_t>(classes_of(c)[k]);
    CHECK(bytes_of(c, k) == want);
  }
  // 300 classes in two bytes: class 299 = 0x012b at 4094, 4095; the step's
  // poke comes last.
  Content two = write_content(300, "distinct: 300, differ_at: 4094, poke: {offset: 0, byte: 1}");
  std::uint64_t k = 0;
  while (content_class(*two.distribution, k) != 299) {
    ++k;
  }
  PageWrite w = page_write(two, k);
  REQUIRE(w.npokes == 3);
  CHECK(w.pokes[0].offset == 4094);
  CHECK(w.pokes[0].byte == 0x01);
  CHECK(w.pokes[1].offset == 4095);
  CHECK(w.pokes[1].byte == 0x2b);
  CHECK(w.pokes[2].offset == 0);
  CHECK(w.pokes[2].byte == 1);
}

TEST_CASE("distribution proportions over a large sample", "[distribution]") {
  // weights 1:2:7 of 100000 pages are exactly 10000, 20000 and 70000, and
  // the slots are a permutation, so counting every page finds them.
  Content c = write_content(100000, "distinct: {weights: [1, 2, 7]}, seed: 3");
  std::map<std::uint64_t, std::uint64_t> seen;
  for (std::uint64_t cls : classes_of(c)) {
    seen[cls]++;
  }
  CHECK(seen == std::map<std::uint64_t, std::uint64_t>{{0, 10000}, {1, 20000}, {2, 70000}});
  CHECK(c.distribution->stride == 61803); // floor(100000 * 0.618034) = 61803, coprime
  // 30% zero pages of 100000 with 4 equal classes: 30000 zero, 17500 each.
  Content z = write_content(100000, "distinct: 4, zero_share: 0.3");
  std::map<std::uint64_t, std::uint64_t> zs;
  for (std::uint64_t cls : classes_of(z)) {
    zs[cls]++;
  }
  CHECK(zs == std::map<std::uint64_t, std::uint64_t>{
                  {0, 17500}, {1, 17500}, {2, 17500}, {3, 17500}, {Z, 30000}});
  // zipf 1.2 over 1000 contents, 10^6 pages (the Python implementation):
  // class 0 230640 pages, class 1 100392, class 999 58.
  Content zipf = write_content(1000000, "distinct: {count: 1000, zipf: 1.2}");
  CHECK(class_pages(*zipf.distribution, 0) == 230640);
  CHECK(class_pages(*zipf.distribution, 1) == 100392);
  CHECK(class_pages(*zipf.distribution, 999) == 58);
  std::uint64_t firsts = 0;
  for (std::uint64_t k = 0; k < 1000000; ++k) {
    firsts += content_class(*zipf.distribution, k) == 0;
  }
  CHECK(firsts == 230640);
}

TEST_CASE("distributions merge as their contents say", "[distribution]") {
  // A write of 16 pages, scanned twice: pages_shared is the number of
  // contents with at least two pages, pages_sharing the other pages of
  // those contents (the kernel's definitions).
  struct Case {
    std::string content;
    std::uint64_t shared, sharing;
  };
  // 4 contents of 4 pages: 4 shared, 12 sharing.
  // 4 zero pages and 4 contents of 3: 5 shared, 4 * 2 + 3 = 11 sharing.
  // differ_at: the same 4 x 4 (the last byte differs): 4 and 12.
  // zipf 1 over 3 of 16: weights as above, 16 w / sum = 8 r 5726623064,
  //   4 r 2863311532, 2 r 7158278822; the 2 pages left go to classes 2
  //   and 0: 9, 4, 3 pages: 3 shared, 8 + 3 + 2 = 13 sharing.
  // 16 contents of one page: nothing merges.
  for (const Case &c : {Case{"distinct: 4", 4, 12}, Case{"distinct: 4, zero_share: 0.25", 5, 11},
                        Case{"distinct: 4, differ_at: 4095", 4, 12},
                        Case{"distinct: {count: 3, zipf: 1}", 3, 13}, Case{"distinct: 16", 0, 0}}) {
    INFO(c.content);
    Scenario s = parse_text("scenario: d\nksm: {pages_to_scan: 1000}\nsteps:\n  - spawn: A\n"
                            "  - mmap: {mm: A, vma: h, pages: 16}\n  - write: {mm: A, vma: h, " +
                                c.content +
                                "}\n  - madvise: {mm: A, vma: h, advice: mergeable}\n"
                                "  - sysfs: {run: 1}\n  - wait: {full_scans: 2}\n"
                                "  - expect: {pages_shared: " +
                                std::to_string(c.shared) +
                                ", pages_sharing: " + std::to_string(c.sharing) + "}\n",
                            "d.yaml");
    RunResult r = run_scenario(s, RunOptions{});
    INFO(r.summary);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("distribution errors", "[distribution][errors]") {
  auto error = [](const std::string &content) {
    try {
      write_content(16, content);
    } catch (const ScenarioError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // The write step is on line 5; "  - write: {mm: A, vma: h, " is 27 columns.
  CHECK_THAT(error("fill: 1, zero_share: 0.3"),
             Catch::Contains("d.yaml:5:37: zero_share: needs distinct:"));
  CHECK_THAT(error("random: 1, seed: 3"), Catch::Contains("seed: needs distinct:"));
  CHECK_THAT(error("distinct: 257, differ_at: 4095"),
             Catch::Contains("differ_at: 4095 leaves 1 byte(s) to differ: at most 256 distinct "
                             "contents, not 257"));
  CHECK_THAT(error("distinct: 2, differ_at: 4087"),
             Catch::Contains("differ_at: expected an integer in 4088..4095"));
  CHECK_THAT(error("distinct: {count: 3, weights: [1, 2]}"),
             Catch::Contains("weights: 2 weights for count 3"));
  CHECK_THAT(error("distinct: {weights: [0, 0]}"),
             Catch::Contains("expected at least one weight above 0"));
  CHECK_THAT(error("distinct: {count: 2, weights: [1, 1], zipf: 1}"),
             Catch::Contains("weights and zipf cannot both be given"));
  CHECK_THAT(error("distinct: 2, zero_share: 1.5"),
             Catch::Contains("zero_share: expected a share in 0..1"));
  CHECK_THAT(error("distinct: 2, zero_share: .5"),
             Catch::Contains("zero_share: expected a decimal number like 0.3"));
  CHECK_THAT(error("distinct: {count: 2, zipf: 17}"),
             Catch::Contains("zipf: expected an exponent"));
  CHECK_THAT(error("distinct: 0"), Catch::Contains("distinct: expected an integer in 1.."));
  CHECK_THAT(error("distinct: {count: 2000000, zipf: 1}"),
             Catch::Contains("count: expected an integer in 1..1048576"));
  CHECK_THAT(error("distinct: 2, fill: 1"),
             Catch::Contains("only one of fill, word, random, zero, distinct"));
  CHECK_THAT(error("distinct: {count: 2, x: 1}"), Catch::Contains("unknown key 'x' in distinct"));
}

TEST_CASE("parse_decimal is exact", "[distribution]") {
  CHECK(parse_decimal("0.3")->numerator == 3);
  CHECK(parse_decimal("0.3")->decimals == 1);
  CHECK(parse_decimal("12")->decimals == 0);
  CHECK(parse_decimal("1.25")->value() == 1.25);
  CHECK_FALSE(parse_decimal("1."));
  CHECK_FALSE(parse_decimal("-1"));
  CHECK_FALSE(parse_decimal("1e3"));
  CHECK_FALSE(parse_decimal("0.1234567890123456789"));
}
