// SPDX-License-Identifier: GPL-2.0-only
//
// The 4096 bytes of a simulated page, stored compactly: a 64-bit word
// repeated 512 times (big-endian, so fill/word/random/zero are all exact),
// plus a few poked bytes. Comparison has exact memcmp semantics and
// calc_checksum computes the kernel's jhash2 over the same bytes.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ksmsim {

constexpr unsigned PAGE_SIZE = 4096;

// Poked bytes of pages, shared by all pages: index 0 means "none".
class PokeTable;

// A page's content in 12 bytes (struct page is 32: model/mm/mm_types.h).
// Most pages are their word alone: then checksum caches calc_checksum's
// value (0: not computed). A page with poked bytes (or whose word is
// POKED_WORD itself) is kept in the poke table: its word is POKED_WORD and
// checksum is the index of its entry there (its base word, its poked
// bytes, its checksum).
constexpr std::uint64_t POKED_WORD = 0x6b736d73696d2a50; // "ksmsim*P"
struct __attribute__((packed, aligned(4))) PageContent {
  std::uint64_t word = 0;
  std::uint32_t checksum = 0;
};
static_assert(sizeof(PageContent) == 12, "a page's content is 12 bytes");
// Is c kept in the poke table (not its word alone)?
inline bool content_in_poke_table(const PageContent &c) {
  return c.word == POKED_WORD;
}

class ContentStore {
public:
  ContentStore();
  ~ContentStore();
  ContentStore(const ContentStore &) = delete;
  ContentStore &operator=(const ContentStore &) = delete;

  // Set a page's content to a repeated word, dropping any pokes.
  void set_word(PageContent &c, std::uint64_t word);
  // Change one byte.
  void poke(PageContent &c, unsigned offset, std::uint8_t byte);
  // dst = src (a page copy); dst's old pokes are released.
  void copy(PageContent &dst, const PageContent &src);
  // Forget a page's content (when the frame is freed).
  void release(PageContent &c);

  std::uint8_t byte_at(const PageContent &c, unsigned offset) const;
  // memcmp(a, b, PAGE_SIZE): <0, 0 or >0.
  int compare(const PageContent &a, const PageContent &b) const;
  // How many bytes that memcmp looks at: the first differing offset + 1, or
  // PAGE_SIZE when the pages are equal (for the cost model's counts).
  unsigned compared_length(const PageContent &a, const PageContent &b) const;
  // jhash2((u32 *)page, PAGE_SIZE / 4, 17) as a little-endian machine computes it.
  std::uint32_t checksum(PageContent &c);
  // Work out (and cache) the checksums of pages that will need them, several
  // at a time: the same values calc_checksum gives, sooner and faster.
  void prepare_checksums(PageContent *const *pages, std::size_t count);
  // The 4096 bytes (for tests and debugging).
  std::vector<std::uint8_t> bytes(const PageContent &c) const;
  // The 64-bit word the page repeats under its pokes, and whether it has any.
  std::uint64_t base_word(const PageContent &c) const;
  bool has_pokes(const PageContent &c) const;
  // Number of live poke lists (for memory accounting).
  std::size_t poke_lists() const;

private:
  // A content's base word and its poke list's index (0: no poked bytes).
  struct View {
    std::uint64_t word;
    std::uint32_t pokes;
  };
  View view(const PageContent &c) const;
  PokeTable *table_;
};

// Content words of the spec's forms.
std::uint64_t fill_word(std::uint8_t byte);
std::uint64_t splitmix64(std::uint64_t x); // one call with state x, as the spec says

// The kernel's jhash2 (include/linux/jhash.h, 3.9).
std::uint32_t jhash2(const std::uint32_t *k, std::uint32_t length, std::uint32_t initval);

} // namespace ksmsim
