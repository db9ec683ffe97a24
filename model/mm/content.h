// SPDX-License-Identifier: GPL-2.0-only
//
// The 4096 bytes of a simulated page, stored compactly and interned: a page
// holds a 4-byte handle to an entry of its ContentStore, one entry per
// distinct content in use. A content is a 64-bit word repeated 512 times
// (big-endian, so fill/word/random/zero are all exact), plus a few poked
// bytes. Comparison has exact memcmp semantics and calc_checksum computes
// the kernel's jhash2 over the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "model/mm/align2.h"

namespace ksmsim {

constexpr unsigned PAGE_SIZE = 4096;

// Poked bytes of contents: a list per poked entry.
class PokeTable;

// A page's content in 4 bytes (struct page is 22: model/mm/mm_types.h): the
// id of its entry in the ContentStore. Entry 0 is the all-zero page, held
// by every page that was never written and never counted or freed, so a
// default PageContent is zero-filled and needs no store. Otherwise an entry
// is one of two kinds:
// - a word alone (no poked bytes): interned, found by a hash of the word,
//   so that every page repeating one word holds the same entry;
// - a word with poked bytes: its own poke list, shared by the copies of a
//   page (copy) and copied before a change while shared (poke).
// An entry keeps the content's jhash2 once computed, and a count of the
// PageContents that hold it (pages, swap slots): it is freed with the last.
// Entry ids and the hash table's order are never output: two pages are
// equal when their bytes are, whichever entries they hold.
//
// A PageContent holds its entry once, so it is never copied (a copy would
// hold the entry uncounted, and a put through it would take a hold that is
// another's): ContentStore::copy copies, counting the new holder. Moving
// hands the hold over and leaves the zero page's content behind; assigning
// would drop the old hold uncounted, so there is none (the store's set_word,
// copy and reset change a content).
// 2-byte aligned, so that struct page can be 22 bytes (align2.h).
#pragma pack(push, 2)
struct PageContent {
  align2<std::uint32_t> id = 0;
  PageContent() = default;
  PageContent(const PageContent &) = delete;
  PageContent &operator=(const PageContent &) = delete;
  PageContent(PageContent &&other) noexcept : id(other.id) { other.id = 0; }
  PageContent &operator=(PageContent &&) = delete;
};
#pragma pack(pop)
static_assert(sizeof(PageContent) == 4 && alignof(PageContent) == 2,
              "a page's content is 4 bytes, 2-byte aligned");
static_assert(!std::is_copy_constructible_v<PageContent> &&
                  !std::is_copy_assignable_v<PageContent> &&
                  !std::is_move_assignable_v<PageContent>,
              "a PageContent is copied only through ContentStore::copy");

class ContentStore {
public:
  ContentStore();
  ~ContentStore();
  ContentStore(const ContentStore &) = delete;
  ContentStore &operator=(const ContentStore &) = delete;

  // Set a page's content to a repeated word, dropping any pokes.
  void set_word(PageContent &c, std::uint64_t word);
  // A hint that set_word(word) comes soon: its table slot is fetched.
  void prefetch(std::uint64_t word) const { __builtin_prefetch(&slots_[home(tag_of(word))]); }
  // Change one byte.
  void poke(PageContent &c, unsigned offset, std::uint8_t byte);
  // dst = src (a page copy); dst's old content is let go.
  void copy(PageContent &dst, const PageContent &src);
  // Forget a page's pokes (when the frame is freed): as a freed frame's
  // bytes stay until it is reused, it is then its base word alone.
  void release(PageContent &c);
  // Let go of c's entry altogether: c is the zero page's content (when a
  // frame is allocated again).
  void reset(PageContent &c);

  std::uint8_t byte_at(const PageContent &c, unsigned offset) const;
  // memcmp(a, b, PAGE_SIZE): <0, 0 or >0.
  int compare(const PageContent &a, const PageContent &b) const;
  // memcmp(a, page of word repeated, PAGE_SIZE): no entry of that page is read.
  int compare(const PageContent &a, std::uint64_t word) const;
  // The same for two pages that are plain words (for the port's seen words).
  static int compare_words(std::uint64_t a, std::uint64_t b);
  // How many bytes that memcmp looks at: the first differing offset + 1, or
  // PAGE_SIZE when the pages are equal (for the cost model's counts).
  unsigned compared_length(const PageContent &a, const PageContent &b) const;
  unsigned compared_length(const PageContent &a, std::uint64_t word) const;
  // jhash2((u32 *)page, PAGE_SIZE / 4, 17) as a little-endian machine computes
  // it: computed once per entry (so once per distinct content) and kept there.
  std::uint32_t checksum(const PageContent &c);
  // Work out (and keep) the checksums of entries that will need them,
  // several at a time: the same values checksum gives, sooner and faster.
  void prepare_checksums(PageContent *const *pages, std::size_t count);
  // The 4096 bytes (for tests and debugging).
  std::vector<std::uint8_t> bytes(const PageContent &c) const;
  // The 64-bit word the page repeats under its pokes, and whether it has any.
  std::uint64_t base_word(const PageContent &c) const;
  std::uint64_t word_of(const PageContent &c) const { return base_word(c); }
  bool has_pokes(const PageContent &c) const;
  // How many PageContents hold c's entry (for tests; 0 for the zero page's).
  std::uint32_t holders(const PageContent &c) const { return entry(c.id).refs & REFS; }
  // Whether c's entry already has its checksum (for tests).
  bool checksum_known(const PageContent &c) const;
  // Number of live poke lists and of live entries besides the zero page's
  // (for memory accounting and tests), and the bytes the table takes.
  std::size_t poke_lists() const;
  std::size_t entries() const;
  std::size_t table_bytes() const;

private:
  // A content: its word (for a poked one, its poke list's index), its
  // checksum when SUM_KNOWN, and in refs the count of its holders with the
  // two flags above it. 16 bytes.
  struct Entry {
    std::uint64_t word;
    std::uint32_t sum;
    std::uint32_t refs;
  };
  static constexpr std::uint32_t REFS = (1u << 30) - 1;
  static constexpr std::uint32_t SUM_KNOWN = 1u << 30;
  static constexpr std::uint32_t POKED = 1u << 31;
  // Entries live in chunks of CHUNK, never moved.
  static constexpr unsigned CHUNK_SHIFT = 16;
  static constexpr std::uint32_t CHUNK = 1u << CHUNK_SHIFT;

  using Pokes = std::vector<std::pair<std::uint16_t, std::uint8_t>>;
  // A content's base word and its poked bytes (nullptr: none).
  struct View {
    std::uint64_t word;
    const Pokes *pokes;
  };
  View view(const PageContent &c) const;

  Entry &entry(std::uint32_t id) { return chunks_[id >> CHUNK_SHIFT][id & (CHUNK - 1)]; }
  const Entry &entry(std::uint32_t id) const {
    return chunks_[id >> CHUNK_SHIFT][id & (CHUNK - 1)];
  }
  std::uint32_t new_entry(std::uint64_t word, std::uint32_t refs);
  void get(std::uint32_t id);
  void put(std::uint32_t id);
  // The interned entry of a word (counted for its new holder).
  std::uint32_t intern(std::uint64_t word);
  static std::uint32_t tag_of(std::uint64_t word);
  std::size_t home(std::uint32_t tag) const;
  void unhash(std::uint32_t id, std::uint64_t word);
  void grow_slots();

  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::uint32_t next_id_ = 1; // ids below were handed out at least once
  std::vector<std::uint32_t> free_ids_;
  // Open addressing, linear probing, by a hash of the word: the entry ids
  // of the words alone, each with its word's tag (content.cpp), at most 3/4
  // full; 0 (the zero page's entry, never hashed) for empty.
  std::vector<std::uint64_t> slots_;
  unsigned slot_shift_ = 0;
  std::size_t hashed_ = 0;
  std::unique_ptr<PokeTable> pokes_;
};

// Content words of the spec's forms.
std::uint64_t fill_word(std::uint8_t byte);
std::uint64_t splitmix64(std::uint64_t x); // one call with state x, as the spec says

// The kernel's jhash2 (include/linux/jhash.h, 3.9).
std::uint32_t jhash2(const std::uint32_t *k, std::uint32_t length, std::uint32_t initval);

} // namespace ksmsim
