// SPDX-License-Identifier: GPL-2.0-only
//
// Tests of the content store's interning table (model/mm/content.h): one
// entry per distinct content in use, counted by its holders and freed with
// the last; a page's bytes, memcmp and jhash2 are those of the 4096 bytes
// whatever entries the pages share. The expected bytes are built here from
// the scenario format's content forms (a big-endian word repeated, pokes on
// top), the checksums by a transcription of include/linux/jhash.h (3.9),
// not by the model.

#include "model/lib/oops.h"
#include "model/mm/content.h"

#include "catch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

using namespace ksmsim;

namespace {

std::uint32_t rol(std::uint32_t w, unsigned s) {
  return (w << s) | (w >> (32 - s));
}

// jhash2((u32 *)page, 1024, 17) on little-endian loads: jhash.h's
// __jhash_mix and __jhash_final, written out again.
std::uint32_t ref_checksum(const std::vector<std::uint8_t> &b) {
  std::uint32_t k[1024];
  for (unsigned i = 0; i < 1024; i++)
    k[i] = std::uint32_t(b[4 * i]) | std::uint32_t(b[4 * i + 1]) << 8 |
           std::uint32_t(b[4 * i + 2]) << 16 | std::uint32_t(b[4 * i + 3]) << 24;
  std::uint32_t a, bb, c, len = 1024;
  a = bb = c = 0xdeadbeefu + (len << 2) + 17;
  const std::uint32_t *p = k;
  while (len > 3) {
    a += p[0], bb += p[1], c += p[2];
    a -= c, a ^= rol(c, 4), c += bb;
    bb -= a, bb ^= rol(a, 6), a += c;
    c -= bb, c ^= rol(bb, 8), bb += a;
    a -= c, a ^= rol(c, 16), c += bb;
    bb -= a, bb ^= rol(a, 19), a += c;
    c -= bb, c ^= rol(bb, 4), bb += a;
    len -= 3, p += 3;
  }
  a += p[0]; // 1024 = 3 * 341 + 1: one word left
  c ^= bb, c -= rol(bb, 14);
  a ^= c, a -= rol(c, 11);
  bb ^= a, bb -= rol(a, 25);
  c ^= bb, c -= rol(bb, 16);
  a ^= c, a -= rol(c, 4);
  bb ^= a, bb -= rol(a, 14);
  c ^= bb, c -= rol(bb, 24);
  return c;
}

std::vector<std::uint8_t> word_bytes(std::uint64_t word) {
  std::vector<std::uint8_t> out(4096);
  for (unsigned i = 0; i < 4096; i++)
    out[i] = static_cast<std::uint8_t>(word >> (56 - 8 * (i % 8)));
  return out;
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

} // namespace

TEST_CASE("content table: one entry per distinct content, freed with its last holder",
          "[content]") {
  ContentStore cs;
  CHECK(cs.entries() == 0);
  PageContent a, b, c;
  cs.set_word(a, 0x1111);
  cs.set_word(b, 0x1111);
  CHECK(cs.entries() == 1); // the same word: the same entry
  cs.set_word(c, 0x2222);
  CHECK(cs.entries() == 2);
  cs.copy(c, a); // 0x2222 loses its only holder
  CHECK(cs.entries() == 1);
  CHECK(cs.compare(a, c) == 0);
  // Zero-filled pages hold no entry (the zero page's content).
  PageContent z;
  cs.set_word(z, 0);
  CHECK(cs.entries() == 1);
  cs.set_word(a, 0);
  cs.set_word(b, 0);
  CHECK(cs.entries() == 1); // c still holds 0x1111
  cs.reset(c);
  CHECK(cs.entries() == 0);
  CHECK(cs.bytes(c) == word_bytes(0));
}

TEST_CASE("content table: a poke on a shared content is the poked page's alone", "[content]") {
  ContentStore cs;
  PageContent a, b, c;
  cs.set_word(a, 0x0102030405060708ULL);
  cs.copy(b, a);
  cs.copy(c, a);
  cs.poke(b, 100, 0xee);
  CHECK(cs.entries() == 2); // the word, and b's poked content
  CHECK(cs.poke_lists() == 1);
  CHECK(cs.bytes(a) == word_bytes(0x0102030405060708ULL));
  CHECK(cs.byte_at(b, 100) == 0xee);
  CHECK(cs.byte_at(c, 100) == 0x05);
  // A copy of the poked page shares its entry; a poke then copies it.
  PageContent d;
  cs.copy(d, b);
  CHECK(cs.entries() == 2);
  cs.poke(d, 0, 0x77);
  CHECK(cs.entries() == 3);
  CHECK(cs.poke_lists() == 2);
  CHECK(cs.byte_at(b, 0) == 0x01);
  CHECK(cs.byte_at(d, 0) == 0x77);
  CHECK(cs.byte_at(d, 100) == 0xee);
  // Undoing b's poke makes it the word again: the interned entry.
  cs.poke(b, 100, 0x05);
  CHECK(!cs.has_pokes(b));
  CHECK(cs.entries() == 2);
  CHECK(cs.poke_lists() == 1);
  CHECK(cs.compare(a, b) == 0);
  // release keeps the base word (a freed frame's bytes), reset lets go.
  cs.release(d);
  CHECK(!cs.has_pokes(d));
  CHECK(cs.poke_lists() == 0);
  CHECK(cs.bytes(d) == word_bytes(0x0102030405060708ULL));
  CHECK(cs.entries() == 1);
  for (PageContent *p : {&a, &b, &c, &d})
    cs.reset(*p);
  CHECK(cs.entries() == 0);
}

TEST_CASE("content table: checksums are jhash2 of the 4096 bytes, kept per entry", "[content]") {
  ContentStore cs;
  PageContent a, b;
  cs.set_word(a, 0x6162636465666768ULL);
  cs.copy(b, a);
  CHECK(!cs.checksum_known(b));
  const std::uint32_t sum = ref_checksum(word_bytes(0x6162636465666768ULL));
  CHECK(cs.checksum(a) == sum);
  CHECK(cs.checksum_known(b)); // b holds the same entry
  CHECK(cs.checksum(b) == sum);
  cs.poke(a, 4095, 0x00);
  std::vector<std::uint8_t> poked = word_bytes(0x6162636465666768ULL);
  poked[4095] = 0x00;
  CHECK(!cs.checksum_known(a));
  CHECK(cs.checksum(a) == ref_checksum(poked));
  cs.poke(a, 4094, 0x00); // in place (a's alone): the kept sum is dropped
  poked[4094] = 0x00;
  CHECK(cs.checksum(a) == ref_checksum(poked));
  CHECK(cs.checksum(b) == sum);
  PageContent z;
  CHECK(cs.checksum(z) == ref_checksum(word_bytes(0)));
}

TEST_CASE("content table: many distinct contents, growing, shrinking and reused", "[content]") {
  ContentStore cs;
  constexpr std::size_t N = 20000; // the table grows from 1024 slots several times
  std::vector<PageContent> pages(N);
  std::vector<std::uint64_t> words(N);
  std::uint64_t s = 12345;
  for (std::size_t i = 0; i < N; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    // Some words share their low or high half, some repeat.
    words[i] = i % 7 == 3 ? words[i / 2] : i % 5 == 1 ? (s & 0xffffffff00000000ULL) | i : s;
    cs.set_word(pages[i], words[i]);
  }
  std::vector<std::uint64_t> sorted = words;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t distinct = std::unique(sorted.begin(), sorted.end()) - sorted.begin();
  CHECK(cs.entries() == distinct);
  std::vector<PageContent *> ptrs;
  for (auto &p : pages)
    ptrs.push_back(&p);
  cs.prepare_checksums(ptrs.data(), ptrs.size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < N; i++) {
    if (cs.base_word(pages[i]) != words[i])
      wrong++;
    if (i % 97 == 0 && cs.checksum(pages[i]) != ref_checksum(word_bytes(words[i])))
      wrong++;
    std::size_t j = (i * 7919) % N;
    int want = sign(std::memcmp(word_bytes(words[i]).data(), word_bytes(words[j]).data(), 4096));
    if (i % 13 == 0 && sign(cs.compare(pages[i], pages[j])) != want)
      wrong++;
  }
  CHECK(wrong == 0);
  // Free every other page (deletions shift the probe chains back), then
  // every word must still be found: set again, no new entry.
  for (std::size_t i = 0; i < N; i += 2)
    cs.reset(pages[i]);
  std::vector<std::uint64_t> kept;
  for (std::size_t i = 1; i < N; i += 2)
    kept.push_back(words[i]);
  std::sort(kept.begin(), kept.end());
  const std::size_t live = std::unique(kept.begin(), kept.end()) - kept.begin();
  CHECK(cs.entries() == live);
  for (std::size_t i = 1; i < N; i += 2) {
    PageContent again;
    cs.set_word(again, words[i]);
    if (cs.entries() != live || cs.compare(again, pages[i]) != 0 || !cs.checksum_known(again))
      wrong++;
    cs.reset(again);
  }
  CHECK(wrong == 0);
  for (std::size_t i = 0; i < N; i += 2)
    cs.set_word(pages[i], words[i]); // reused ids
  CHECK(cs.entries() == distinct);
  for (auto &p : pages)
    cs.reset(p);
  CHECK(cs.entries() == 0);
}

TEST_CASE("content table: words equal to its internal markers are ordinary words", "[content]") {
  // 0 is both the zero page's entry id and an empty slot; the old marker of
  // a poked page (POKED_WORD, "ksmsim*P") and all-ones are plain words.
  ContentStore cs;
  const std::uint64_t words[] = {0, 0x6b736d73696d2a50ULL, ~0ULL, 1, 0x8000000000000000ULL};
  PageContent p[5], q[5];
  for (int i = 0; i < 5; i++) {
    cs.set_word(p[i], words[i]);
    cs.set_word(q[i], words[i]);
  }
  CHECK(cs.entries() == 4); // word 0 holds none
  for (int i = 0; i < 5; i++) {
    INFO("word " << words[i]);
    CHECK(cs.bytes(p[i]) == word_bytes(words[i]));
    CHECK(!cs.has_pokes(p[i]));
    CHECK(cs.base_word(p[i]) == words[i]);
    CHECK(cs.word_of(p[i]) == words[i]);
    CHECK(cs.compare(p[i], q[i]) == 0);
    CHECK(cs.compare(p[i], words[i]) == 0);
    CHECK(cs.compared_length(p[i], words[i]) == PAGE_SIZE);
    CHECK(cs.checksum(p[i]) == ref_checksum(word_bytes(words[i])));
    for (int j = 0; j < 5; j++) {
      int want = sign(std::memcmp(word_bytes(words[i]).data(), word_bytes(words[j]).data(), 4096));
      CHECK(sign(cs.compare(p[i], p[j])) == want);
      CHECK(sign(cs.compare(p[i], words[j])) == want);
    }
  }
  // A zero page poked and poked back is the zero page's content again.
  cs.poke(p[0], 7, 0x5a);
  CHECK(cs.entries() == 5);
  CHECK(cs.compare(p[0], std::uint64_t(0)) > 0);
  CHECK(cs.compared_length(p[0], std::uint64_t(0)) == 8);
  cs.poke(p[0], 7, 0);
  CHECK(cs.entries() == 4);
  CHECK(cs.compare(p[0], q[0]) == 0);
}

TEST_CASE("content table: compare against a word reads as memcmp against its page", "[content]") {
  ContentStore cs;
  PageContent a;
  cs.set_word(a, fill_word('a'));
  cs.poke(a, 4095, 'b');
  CHECK(cs.compare(a, fill_word('a')) > 0);
  CHECK(cs.compared_length(a, fill_word('a')) == 4096);
  CHECK(cs.compare(a, fill_word('b')) < 0);
  CHECK(cs.compared_length(a, fill_word('b')) == 1);
  cs.poke(a, 0, 'b');
  CHECK(cs.compare(a, fill_word('b')) < 0); // offset 1 decides
  CHECK(cs.compared_length(a, fill_word('b')) == 2);
}

// A holder put twice is a simulator bug (each PageContent holds its entry
// once): the second put finds no holders and must be reported, never wrap
// the 30-bit count into the entry's flag bits.
TEST_CASE("content table: a put on a content with no holders is a detector report", "[content]") {
  ContentStore cs;
  PageContent a;
  cs.set_word(a, 0x1111);
  PageContent stale; // a second handle to a's entry that the store never counted
  stale.id = a.id;
  cs.reset(a); // the last holder: the entry is freed
  CHECK(cs.entries() == 0);
  CHECK_THROWS_AS(cs.reset(stale), OopsException);
  // The freed entry's flags are untouched: a new word is interned afresh.
  PageContent b;
  cs.set_word(b, 0x2222);
  CHECK(cs.entries() == 1);
  CHECK(cs.holders(b) == 1);
  CHECK_FALSE(cs.has_pokes(b));
  cs.reset(b);
}

// A copy of a PageContent would hold its entry without being counted
// (content.h): only ContentStore::copy copies; moving hands the hold over.
TEST_CASE("content table: a PageContent cannot be copied, only moved", "[content]") {
  CHECK_FALSE(std::is_copy_constructible_v<PageContent>);
  CHECK_FALSE(std::is_copy_assignable_v<PageContent>);
  CHECK_FALSE(std::is_move_assignable_v<PageContent>);
  CHECK(std::is_nothrow_move_constructible_v<PageContent>);
  ContentStore cs;
  PageContent a;
  cs.set_word(a, 0x3333);
  PageContent b(std::move(a));
  CHECK(a.id == 0); // the zero page's content, holding nothing
  CHECK(cs.holders(b) == 1);
  cs.reset(a);
  CHECK(cs.entries() == 1);
  cs.reset(b);
  CHECK(cs.entries() == 0);
}
