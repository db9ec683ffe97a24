// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the page content store (model/mm/content.h): compare() must have
// memcmp's semantics over the 4096 bytes a page holds, and checksum() must
// be v3.9 calc_checksum(): jhash2((u32 *)page, PAGE_SIZE / 4, 17) as a
// little-endian machine loads the words. The references here are written
// from include/linux/jhash.h and the scenario format, not from the model.

#include "model/mm/content.h"

#include "catch.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

using namespace ksmsim;

namespace {

// ---- reference jhash2, from include/linux/jhash.h (3.9) ----
std::uint32_t ref_rol32(std::uint32_t w, unsigned s) {
  return (w << s) | (w >> (32 - s));
}

std::uint32_t ref_jhash2(const std::uint32_t *k, std::uint32_t length, std::uint32_t initval) {
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeefu + (length << 2) + initval; // JHASH_INITVAL
  while (length > 3) {
    a += k[0];
    b += k[1];
    c += k[2];
    // __jhash_mix(a, b, c)
    a -= c;
    a ^= ref_rol32(c, 4);
    c += b;
    b -= a;
    b ^= ref_rol32(a, 6);
    a += c;
    c -= b;
    c ^= ref_rol32(b, 8);
    b += a;
    a -= c;
    a ^= ref_rol32(c, 16);
    c += b;
    b -= a;
    b ^= ref_rol32(a, 19);
    a += c;
    c -= b;
    c ^= ref_rol32(b, 4);
    b += a;
    length -= 3;
    k += 3;
  }
  if (length == 0)
    return c;
  if (length == 3)
    c += k[2];
  if (length >= 2)
    b += k[1];
  a += k[0];
  // __jhash_final(a, b, c)
  c ^= b;
  c -= ref_rol32(b, 14);
  a ^= c;
  a -= ref_rol32(c, 11);
  b ^= a;
  b -= ref_rol32(a, 25);
  c ^= b;
  c -= ref_rol32(b, 16);
  a ^= c;
  a -= ref_rol32(c, 4);
  b ^= a;
  b -= ref_rol32(a, 14);
  c ^= b;
  c -= ref_rol32(b, 24);
  return c;
}

// calc_checksum on x86: the page as 1024 little-endian u32s, initval 17.
std::uint32_t ref_page_checksum(const std::vector<std::uint8_t> &bytes) {
  REQUIRE(bytes.size() == 4096);
  std::array<std::uint32_t, 1024> words{};
  for (unsigned i = 0; i < 1024; i++)
    words[i] = std::uint32_t(bytes[4 * i]) | std::uint32_t(bytes[4 * i + 1]) << 8 |
               std::uint32_t(bytes[4 * i + 2]) << 16 | std::uint32_t(bytes[4 * i + 3]) << 24;
  return ref_jhash2(words.data(), 1024, 17);
}

// The page's bytes from the scenario format alone: a big-endian word
// repeated, then the pokes in order.
std::vector<std::uint8_t> ref_bytes(std::uint64_t word,
                                    const std::vector<std::pair<unsigned, std::uint8_t>> &pokes) {
  std::vector<std::uint8_t> out(4096);
  for (unsigned i = 0; i < 4096; i++)
    out[i] = static_cast<std::uint8_t>(word >> (56 - 8 * (i % 8)));
  for (auto [off, b] : pokes)
    out[off] = b;
  return out;
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

int memcmp_sign(const std::vector<std::uint8_t> &a, const std::vector<std::uint8_t> &b) {
  return sign(std::memcmp(a.data(), b.data(), 4096));
}

// A content with a base word and pokes, built through the store.
struct Built {
  PageContent c;
  std::vector<std::uint8_t> expect;
};

Built build(ContentStore &cs, std::uint64_t word,
            const std::vector<std::pair<unsigned, std::uint8_t>> &pokes) {
  Built b;
  cs.set_word(b.c, word);
  for (auto [off, byte] : pokes)
    cs.poke(b.c, off, byte);
  b.expect = ref_bytes(word, pokes);
  return b;
}

// Deterministic generator for the bulk test (not the model's splitmix64).
struct Lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

} // namespace

TEST_CASE("reference jhash2 matches known values and the model's jhash2", "[content]") {
  // Values computed independently (a Python transcription of jhash.h).
  const std::uint32_t k1[] = {1}, k2[] = {1, 2}, k3[] = {1, 2, 3}, k4[] = {1, 2, 3, 4};
  CHECK(ref_jhash2(k1, 1, 17) == 0x4b85f272u);
  CHECK(ref_jhash2(k2, 2, 17) == 0x727a44acu);
  CHECK(ref_jhash2(k3, 3, 17) == 0xffda8d5eu);
  CHECK(ref_jhash2(k4, 4, 17) == 0xb2bfd2c7u);
  // The model's own jhash2 on keys of every tail length 0..3 and more.
  std::uint32_t key[10];
  for (unsigned i = 0; i < 10; i++)
    key[i] = 0x9e3779b9u * (i + 1);
  for (std::uint32_t len = 0; len <= 10; len++) {
    INFO("length " << len);
    CHECK(jhash2(key, len, 17) == ref_jhash2(key, len, 17));
    CHECK(jhash2(key, len, 0) == ref_jhash2(key, len, 0));
  }
  // length 0: c is just the initial value
  CHECK(jhash2(key, 0, 17) == 0xdeadbeefu + 17);
}

TEST_CASE("checksum of the all-zero page is jhash2 of 1024 zero words", "[content]") {
  ContentStore cs;
  PageContent c;
  cs.set_word(c, 0);
  std::array<std::uint32_t, 1024> zeros{};
  const std::uint32_t expected = ref_jhash2(zeros.data(), 1024, 17);
  CHECK(expected == 0x61574272u); // independently computed
  CHECK(cs.checksum(c) == expected);
  // an all-'a' page, also computed independently
  PageContent a;
  cs.set_word(a, fill_word('a'));
  CHECK(cs.checksum(a) == 0x0adefe69u);
}

TEST_CASE("splitmix64 and fill_word follow the scenario format", "[content]") {
  CHECK(splitmix64(0) == 0xe220a8397b1dcdafULL);
  CHECK(splitmix64(1) == 0x910a2dec89025cc1ULL);
  CHECK(fill_word(0x61) == 0x6161616161616161ULL);
  CHECK(fill_word(0) == 0);
  CHECK(fill_word(0xff) == ~0ULL);
}

TEST_CASE("a word is laid out big-endian and repeated 512 times", "[content]") {
  ContentStore cs;
  PageContent c;
  cs.set_word(c, 0x0102030405060708ULL);
  std::vector<std::uint8_t> b = cs.bytes(c);
  REQUIRE(b.size() == 4096);
  for (unsigned i = 0; i < 4096; i++) {
    INFO("offset " << i);
    REQUIRE(b[i] == i % 8 + 1);
    REQUIRE(cs.byte_at(c, i) == i % 8 + 1);
  }
}

TEST_CASE("compare has memcmp's sign for words that differ in one byte", "[content]") {
  ContentStore cs;
  PageContent a, b;
  // Differ only in byte 5 of each 8 (0x06 vs 0x07): a < b.
  cs.set_word(a, 0x0102030405060708ULL);
  cs.set_word(b, 0x0102030405070708ULL);
  CHECK(sign(cs.compare(a, b)) == -1);
  CHECK(sign(cs.compare(b, a)) == 1);
  CHECK(cs.compare(a, a) == 0);
  // The higher-order byte decides even when a lower one differs the other way.
  cs.set_word(a, 0x02000000000000ffULL);
  cs.set_word(b, 0x0100000000000000ULL);
  CHECK(sign(cs.compare(a, b)) == 1);
  // Bytes compare unsigned: 0x80 > 0x7f.
  cs.set_word(a, fill_word(0x80));
  cs.set_word(b, fill_word(0x7f));
  CHECK(sign(cs.compare(a, b)) == 1);
  CHECK(sign(cs.compare(b, a)) == -1);
}

TEST_CASE("pokes that make two different words equal at some offsets", "[content]") {
  ContentStore cs;
  // Words differ at residues 0 and 3: A = 10 .. 13 .., B = 20 .. 03 ..
  const std::uint64_t wa = 0x1011121314151617ULL, wb = 0x2011120314151617ULL;
  SECTION("poking offset 0 of a to b's byte moves the first difference to offset 3") {
    Built a = build(cs, wa, {{0, 0x20}});
    Built b = build(cs, wb, {});
    // offset 3: a has 0x13, b has 0x03 -> a > b although a's word was smaller
    CHECK(memcmp_sign(a.expect, b.expect) == 1);
    CHECK(sign(cs.compare(a.c, b.c)) == 1);
    CHECK(sign(cs.compare(b.c, a.c)) == -1);
  }
  SECTION("equalising both residues of the first block moves it to offset 8") {
    Built a = build(cs, wa, {{0, 0x20}, {3, 0x03}});
    Built b = build(cs, wb, {});
    CHECK(memcmp_sign(a.expect, b.expect) == -1); // offset 8: 0x10 < 0x20
    CHECK(sign(cs.compare(a.c, b.c)) == -1);
  }
  SECTION("b poked instead: offsets 0 and 3 equal through b's pokes") {
    Built a = build(cs, wa, {});
    Built b = build(cs, wb, {{0, 0x10}, {3, 0x13}, {8, 0x10}});
    // offsets 0..10 equal; offset 11: a 0x13, b 0x03
    CHECK(memcmp_sign(a.expect, b.expect) == 1);
    CHECK(sign(cs.compare(a.c, b.c)) == 1);
  }
  SECTION("every differing offset poked equal: the pages are identical") {
    std::vector<std::pair<unsigned, std::uint8_t>> pokes;
    for (unsigned off = 0; off < 4096; off += 8) {
      pokes.push_back({off, 0x20});
      pokes.push_back({off + 3, 0x03});
    }
    Built a = build(cs, wa, pokes);
    Built b = build(cs, wb, {});
    REQUIRE(a.expect == b.expect);
    CHECK(cs.compare(a.c, b.c) == 0);
    CHECK(cs.compare(b.c, a.c) == 0);
    CHECK(cs.bytes(a.c) == cs.bytes(b.c));
    // and they hash alike, as identical pages must
    CHECK(cs.checksum(a.c) == cs.checksum(b.c));
  }
}

TEST_CASE("pokes at offsets 0 and 4095 of equal words", "[content]") {
  ContentStore cs;
  const std::uint64_t w = fill_word('a');
  Built plain = build(cs, w, {});
  Built last_hi = build(cs, w, {{4095, 'b'}});
  Built last_lo = build(cs, w, {{4095, '`'}});
  Built first_hi = build(cs, w, {{0, 'b'}});
  Built both = build(cs, w, {{0, '`'}, {4095, 'z'}});
  std::vector<Built *> all = {&plain, &last_hi, &last_lo, &first_hi, &both};
  for (std::size_t i = 0; i < all.size(); i++)
    for (std::size_t j = 0; j < all.size(); j++) {
      INFO("pair " << i << "," << j);
      CHECK(sign(cs.compare(all[i]->c, all[j]->c)) == memcmp_sign(all[i]->expect, all[j]->expect));
    }
  CHECK(sign(cs.compare(last_hi.c, plain.c)) == 1);
  CHECK(sign(cs.compare(last_lo.c, plain.c)) == -1);
  CHECK(sign(cs.compare(both.c, first_hi.c)) == -1); // offset 0 decides
  CHECK(cs.byte_at(last_hi.c, 4095) == 'b');
  CHECK(cs.byte_at(last_hi.c, 4094) == 'a');
  CHECK(cs.bytes(last_hi.c) == last_hi.expect);
}

TEST_CASE("a poke equal to the base byte changes nothing", "[content]") {
  ContentStore cs;
  const std::size_t lists_before = cs.poke_lists();
  PageContent a, b;
  cs.set_word(a, 0x0011223344556677ULL);
  cs.set_word(b, 0x0011223344556677ULL);
  cs.poke(a, 9, 0x11); // offset 9 is residue 1: already 0x11
  CHECK(cs.compare(a, b) == 0);
  CHECK(cs.bytes(a) == cs.bytes(b));
  CHECK(cs.poke_lists() == lists_before);
  // A real poke, then poking the base byte back: identical again.
  cs.poke(a, 9, 0x99);
  CHECK(sign(cs.compare(a, b)) == 1);
  CHECK(cs.poke_lists() == lists_before + 1);
  cs.poke(a, 9, 0x11);
  CHECK(cs.compare(a, b) == 0);
  CHECK(cs.checksum(a) == cs.checksum(b));
  cs.release(a);
  cs.release(b);
  CHECK(cs.poke_lists() == lists_before);
}

TEST_CASE("both pages poked at the same and at different offsets", "[content]") {
  ContentStore cs;
  const std::uint64_t w = 0x5555555555555555ULL;
  Built a = build(cs, w, {{100, 0x01}, {200, 0x77}});
  Built b = build(cs, w, {{100, 0x01}, {150, 0x60}});
  // offset 100 equal; offset 150: a has 0x55, b 0x60 -> a < b
  CHECK(memcmp_sign(a.expect, b.expect) == -1);
  CHECK(sign(cs.compare(a.c, b.c)) == -1);
  CHECK(sign(cs.compare(b.c, a.c)) == 1);
  // Same offsets, different values.
  Built c = build(cs, w, {{100, 0x02}});
  Built d = build(cs, w, {{100, 0x01}});
  CHECK(sign(cs.compare(c.c, d.c)) == 1);
  // A poke far down in one page against a different word in the other:
  // the word decides at offset 0.
  Built e = build(cs, 0x5555555555555554ULL, {{7, 0x55}}); // byte 7 poked back equal
  Built f = build(cs, w, {{4000, 0x00}});
  // e and f agree at 0..14, e's offset 15 is 0x54 < 0x55
  CHECK(memcmp_sign(e.expect, f.expect) == -1);
  CHECK(sign(cs.compare(e.c, f.c)) == -1);
}

TEST_CASE("compare equals memcmp over bytes() for many combinations", "[content]") {
  ContentStore cs;
  // Words that share many bytes, so pokes often meet equal residues.
  const std::uint64_t words[] = {0,
                                 fill_word('a'),
                                 0x6161616161616162ULL,
                                 0x6261616161616161ULL,
                                 0x00000000000000ffULL,
                                 0xff00000000000000ULL,
                                 splitmix64(3)};
  const unsigned offsets[] = {0, 1, 7, 8, 9, 15, 16, 63, 64, 100, 2047, 4088, 4094, 4095};
  const std::uint8_t bytes[] = {0x00, 0x61, 0x62, 0xff, 0x60};
  Lcg rng{12345};
  std::vector<Built> pages;
  for (int n = 0; n < 160; n++) {
    std::uint64_t w = words[rng.next() % 7];
    std::vector<std::pair<unsigned, std::uint8_t>> pokes;
    unsigned np = rng.next() % 4;
    for (unsigned i = 0; i < np; i++)
      pokes.push_back({offsets[rng.next() % 14], bytes[rng.next() % 5]});
    pages.push_back(build(cs, w, pokes));
  }
  int mismatches = 0, equal_pairs = 0, checksum_mismatches = 0;
  for (std::size_t i = 0; i < pages.size(); i++) {
    REQUIRE(cs.bytes(pages[i].c) == pages[i].expect);
    if (cs.checksum(pages[i].c) != ref_page_checksum(pages[i].expect))
      checksum_mismatches++;
    for (std::size_t j = 0; j < pages.size(); j++) {
      int want = memcmp_sign(pages[i].expect, pages[j].expect);
      if (sign(cs.compare(pages[i].c, pages[j].c)) != want)
        mismatches++;
      equal_pairs += want == 0 && i != j;
    }
  }
  CHECK(mismatches == 0);
  CHECK(checksum_mismatches == 0);
  CHECK(equal_pairs > 0); // the set does contain distinct-but-equal pages
}

TEST_CASE("checksum follows every change of the content", "[content]") {
  ContentStore cs;
  PageContent c;
  cs.set_word(c, fill_word('a'));
  const std::uint32_t a_sum = cs.checksum(c);
  CHECK(a_sum == ref_page_checksum(ref_bytes(fill_word('a'), {})));

  cs.poke(c, 4095, 'b'); // a change after a checksum was computed
  CHECK(cs.checksum(c) == ref_page_checksum(ref_bytes(fill_word('a'), {{4095, 'b'}})));
  CHECK(cs.checksum(c) != a_sum);

  cs.poke(c, 0, 'c');
  CHECK(cs.checksum(c) == ref_page_checksum(ref_bytes(fill_word('a'), {{4095, 'b'}, {0, 'c'}})));

  cs.poke(c, 0, 'a');
  cs.poke(c, 4095, 'a'); // back to the plain fill
  CHECK(cs.checksum(c) == a_sum);

  cs.set_word(c, 0x0123456789abcdefULL);
  CHECK(cs.checksum(c) == ref_page_checksum(ref_bytes(0x0123456789abcdefULL, {})));

  // a copy takes the source's content and checksum
  PageContent d;
  cs.set_word(d, 0);
  (void)cs.checksum(d);
  cs.poke(c, 17, 0x42);
  cs.copy(d, c);
  CHECK(cs.checksum(d) == ref_page_checksum(ref_bytes(0x0123456789abcdefULL, {{17, 0x42}})));
  CHECK(cs.compare(c, d) == 0);
  // changing the copy leaves the source alone
  cs.poke(d, 18, 0x43);
  CHECK(cs.byte_at(c, 18) == 0x45); // residue 2 of 0x0123456789abcdef
  CHECK(cs.checksum(c) == ref_page_checksum(ref_bytes(0x0123456789abcdefULL, {{17, 0x42}})));
  CHECK(cs.checksum(d) ==
        ref_page_checksum(ref_bytes(0x0123456789abcdefULL, {{17, 0x42}, {18, 0x43}})));
}

TEST_CASE("checksum is taken over little-endian words", "[content]") {
  ContentStore cs;
  PageContent c;
  // A content whose big-endian and little-endian readings differ.
  cs.set_word(c, 0x0102030405060708ULL);
  std::vector<std::uint8_t> b = ref_bytes(0x0102030405060708ULL, {});
  std::array<std::uint32_t, 1024> be{};
  for (unsigned i = 0; i < 1024; i++)
    be[i] = std::uint32_t(b[4 * i]) << 24 | std::uint32_t(b[4 * i + 1]) << 16 |
            std::uint32_t(b[4 * i + 2]) << 8 | std::uint32_t(b[4 * i + 3]);
  const std::uint32_t le_sum = ref_page_checksum(b);
  REQUIRE(le_sum != ref_jhash2(be.data(), 1024, 17));
  CHECK(cs.checksum(c) == le_sum);
}

TEST_CASE("prepare_checksums gives what calc_checksum gives, 32 at a time or not", "[content]") {
  ContentStore batched, single;
  // Two full batches of the 32 lanes (the AVX-512, AVX2 or SSE2 path,
  // whichever this processor has) and a remainder hashed one at a time.
  std::vector<PageContent> a(77), b(77);
  std::vector<PageContent *> ptrs;
  for (std::size_t i = 0; i < a.size(); i++) {
    std::uint64_t w = i % 5 == 4 ? splitmix64(3) : splitmix64(100 + i); // some repeat
    batched.set_word(a[i], w);
    single.set_word(b[i], w);
    ptrs.push_back(&a[i]);
  }
  batched.poke(a[7], 9, 0x42); // a poked page is left to checksum()
  single.poke(b[7], 9, 0x42);
  batched.prepare_checksums(ptrs.data(), ptrs.size());
  CHECK(!batched.checksum_known(a[7]));
  for (std::size_t i = 0; i < a.size(); i++) {
    if (i != 7)
      CHECK(batched.checksum_known(a[i]));
    CHECK(batched.checksum(a[i]) == single.checksum(b[i]));
  }
  // A poked page's checksum is left to checksum(), which keeps it in the entry.
  CHECK(batched.has_pokes(a[7]));
  CHECK(batched.checksum_known(a[7]));
  CHECK(batched.checksum(a[7]) == single.checksum(b[7]));
}

TEST_CASE("a page whose word is POKED_WORD is still exact: bytes, memcmp, jhash2", "[content]") {
  // POKED_WORD marked a content kept in the poke table before contents were
  // interned (model/mm/content.h); a page that really repeats that word
  // must still be that word's bytes.
  constexpr std::uint64_t POKED_WORD = 0x6b736d73696d2a50; // "ksmsim*P"
  ContentStore cs;
  PageContent a, b, c;
  cs.set_word(a, POKED_WORD);
  cs.set_word(b, POKED_WORD);
  cs.set_word(c, POKED_WORD + 1);
  CHECK(cs.bytes(a) == ref_bytes(POKED_WORD, {}));
  CHECK(cs.compare(a, b) == 0);
  CHECK(cs.compared_length(a, b) == PAGE_SIZE);
  CHECK(cs.compare(a, c) < 0); // big-endian: the last byte decides, 0x50 < 0x51
  CHECK(cs.compared_length(a, c) == 8);
  CHECK(cs.checksum(a) == ref_page_checksum(ref_bytes(POKED_WORD, {})));
  CHECK(!cs.has_pokes(a));
  CHECK(cs.base_word(a) == POKED_WORD);
  // A poke and its undoing keep it the word alone.
  cs.poke(a, 100, 0x01);
  CHECK(cs.has_pokes(a));
  CHECK(cs.compare(a, b) != 0);
  cs.poke(a, 100, cs.byte_at(b, 100));
  CHECK(cs.compare(a, b) == 0);
  CHECK(cs.checksum(a) == cs.checksum(b));
  // A copy is its own entry: poking the copy leaves the original.
  PageContent d;
  cs.copy(d, a);
  cs.poke(d, 0, 0x00);
  CHECK(cs.compare(a, b) == 0);
  CHECK(cs.byte_at(d, 0) == 0x00);
  // Released (a freed frame), each is still its base word.
  cs.release(d);
  CHECK(cs.bytes(d) == ref_bytes(POKED_WORD, {}));
  cs.set_word(a, 0);
  cs.set_word(b, 0);
  cs.set_word(d, 0);
  CHECK(cs.poke_lists() == 0);
}
