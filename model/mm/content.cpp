// SPDX-License-Identifier: GPL-2.0-only
#include "model/mm/content.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ksmsim {

namespace {
inline std::uint32_t rol32(std::uint32_t w, unsigned s) {
  return (w << s) | (w >> (32 - s));
}

// __jhash_mix and __jhash_final of include/linux/jhash.h (3.9)
[[gnu::always_inline]] inline void jhash_mix(std::uint32_t &a, std::uint32_t &b, std::uint32_t &c) {
  a -= c;
  a ^= rol32(c, 4);
  c += b;
  b -= a;
  b ^= rol32(a, 6);
  a += c;
  c -= b;
  c ^= rol32(b, 8);
  b += a;
  a -= c;
  a ^= rol32(c, 16);
  c += b;
  b -= a;
  b ^= rol32(a, 19);
  a += c;
  c -= b;
  c ^= rol32(b, 4);
  b += a;
}

[[gnu::always_inline]] inline void jhash_final(std::uint32_t &a, std::uint32_t &b,
                                               std::uint32_t &c) {
  c ^= b;
  c -= rol32(b, 14);
  a ^= c;
  a -= rol32(c, 11);
  b ^= a;
  b -= rol32(a, 25);
  c ^= b;
  c -= rol32(b, 16);
  a ^= c;
  a -= rol32(c, 4);
  b ^= a;
  b -= rol32(a, 14);
  c ^= b;
  c -= rol32(b, 24);
}

inline std::uint8_t word_byte(std::uint64_t word, unsigned offset) {
  return static_cast<std::uint8_t>(word >> (56 - 8 * (offset % 8)));
}
} // namespace

std::uint32_t jhash2(const std::uint32_t *k, std::uint32_t length, std::uint32_t initval) {
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeef + (length << 2) + initval;
  while (length > 3) {
    a += k[0];
    b += k[1];
    c += k[2];
    jhash_mix(a, b, c);
    length -= 3;
    k += 3;
  }
  switch (length) {
  case 3:
    c += k[2];
    [[fallthrough]];
  case 2:
    b += k[1];
    [[fallthrough]];
  case 1:
    a += k[0];
    jhash_final(a, b, c);
    break;
  case 0:
    break;
  }
  return c;
}

std::uint64_t fill_word(std::uint8_t byte) {
  return 0x0101010101010101ULL * byte;
}

std::uint64_t splitmix64(std::uint64_t x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A page kept in the poke table: its base word and its poked bytes,
// sorted by offset, never equal to the base byte (empty only when the word
// is POKED_WORD).
struct PokeList {
  std::uint64_t word = 0;
  std::vector<std::pair<std::uint16_t, std::uint8_t>> bytes;
  bool checksum_valid = false;
  std::uint32_t checksum = 0;
};

class PokeTable {
public:
  PokeTable() : lists_(1) {}
  std::uint32_t alloc() {
    if (!free_.empty()) {
      std::uint32_t id = free_.back();
      free_.pop_back();
      return id;
    }
    lists_.emplace_back();
    return static_cast<std::uint32_t>(lists_.size() - 1);
  }
  void release(std::uint32_t id) {
    if (!id)
      return;
    lists_[id] = PokeList{};
    free_.push_back(id);
  }
  PokeList &get(std::uint32_t id) { return lists_[id]; }
  const PokeList &get(std::uint32_t id) const { return lists_[id]; }
  std::size_t live() const { return lists_.size() - 1 - free_.size(); }
  struct WordSum {
    std::uint64_t word = 0;
    std::uint32_t sum = 0;
    bool valid = false;
  };
  // A cache only: 64 Ki entries (1 MiB), so that a content repeated in
  // many pages (what KSM is for) is hashed once.
  std::vector<WordSum> word_checksums = std::vector<WordSum>(1u << 16);

private:
  std::vector<PokeList> lists_;
  std::vector<std::uint32_t> free_;
};

ContentStore::ContentStore() : table_(new PokeTable) {}
ContentStore::~ContentStore() {
  delete table_;
}

namespace {
// Free c's poke-table entry, if any: c is then its base word alone.
void drop(PokeTable &table, PageContent &c) {
  if (!content_in_poke_table(c))
    return;
  c.word = table.get(c.checksum).word;
  table.release(c.checksum);
  c.checksum = 0;
}
} // namespace

// What a content is: its base word and its poke list (0: none, as before
// a page was kept in 12 bytes).
ContentStore::View ContentStore::view(const PageContent &c) const {
  if (!content_in_poke_table(c))
    return {c.word, 0};
  const PokeList &pl = table_->get(c.checksum);
  return {pl.word, pl.bytes.empty() ? 0 : c.checksum};
}

void ContentStore::set_word(PageContent &c, std::uint64_t word) {
  drop(*table_, c);
  c.word = word;
  c.checksum = 0;
  if (word == POKED_WORD) { // the marker itself: a poke-table entry with no pokes
    c.checksum = table_->alloc();
    table_->get(c.checksum).word = word;
  }
}

void ContentStore::poke(PageContent &c, unsigned offset, std::uint8_t byte) {
  if (!content_in_poke_table(c)) {
    if (word_byte(c.word, offset) == byte)
      return;
    std::uint32_t id = table_->alloc();
    table_->get(id).word = c.word;
    c.word = POKED_WORD;
    c.checksum = id;
  }
  PokeList &pl = table_->get(c.checksum);
  pl.checksum_valid = false;
  bool is_base = word_byte(pl.word, offset) == byte;
  auto it = std::lower_bound(pl.bytes.begin(), pl.bytes.end(),
                             std::make_pair(static_cast<std::uint16_t>(offset), std::uint8_t{0}));
  bool found = it != pl.bytes.end() && it->first == offset;
  if (is_base) {
    if (found)
      pl.bytes.erase(it);
  } else if (found) {
    it->second = byte;
  } else {
    pl.bytes.insert(it, {static_cast<std::uint16_t>(offset), byte});
  }
  if (pl.bytes.empty() && pl.word != POKED_WORD)
    drop(*table_, c); // its word alone again
}

void ContentStore::copy(PageContent &dst, const PageContent &src) {
  if (&dst == &src)
    return;
  drop(*table_, dst);
  dst = src;
  if (content_in_poke_table(src)) {
    std::uint32_t id = table_->alloc();
    table_->get(id) = table_->get(src.checksum);
    dst.checksum = id;
  }
}

// As before a page was kept in 12 bytes, a released content is its base
// word alone: for POKED_WORD itself, its entry stays, without pokes.
void ContentStore::release(PageContent &c) {
  if (content_in_poke_table(c) && table_->get(c.checksum).word == POKED_WORD) {
    PokeList &pl = table_->get(c.checksum);
    pl.bytes.clear();
    pl.checksum_valid = false;
    return;
  }
  drop(*table_, c);
}

std::uint64_t ContentStore::base_word(const PageContent &c) const {
  return view(c).word;
}
bool ContentStore::has_pokes(const PageContent &c) const {
  return view(c).pokes != 0;
}

std::uint8_t ContentStore::byte_at(const PageContent &content, unsigned offset) const {
  const View c = view(content);
  if (c.pokes) {
    const auto &v = table_->get(c.pokes).bytes;
    auto it = std::lower_bound(v.begin(), v.end(),
                               std::make_pair(static_cast<std::uint16_t>(offset), std::uint8_t{0}));
    if (it != v.end() && it->first == offset)
      return it->second;
  }
  return word_byte(c.word, offset);
}

namespace {
bool poked(const std::vector<std::pair<std::uint16_t, std::uint8_t>> *v, unsigned offset) {
  if (!v)
    return false;
  auto it = std::lower_bound(v->begin(), v->end(),
                             std::make_pair(static_cast<std::uint16_t>(offset), std::uint8_t{0}));
  return it != v->end() && it->first == offset;
}
} // namespace

unsigned ContentStore::compared_length(const PageContent &ca, const PageContent &cb) const {
  const View a = view(ca), b = view(cb);
  if (!a.pokes && !b.pokes) {
    if (a.word == b.word)
      return PAGE_SIZE;
    for (unsigned r = 0; r < 8; r++)
      if (word_byte(a.word, r) != word_byte(b.word, r))
        return r + 1;
  }
  // As compare: a poked offset of either page, or the first offset poked by
  // neither whose residue differs in the base words.
  const auto *pa = a.pokes ? &table_->get(a.pokes).bytes : nullptr;
  const auto *pb = b.pokes ? &table_->get(b.pokes).bytes : nullptr;
  unsigned first = PAGE_SIZE;
  for (const auto *v : {pa, pb})
    if (v)
      for (auto [off, byte] : *v)
        if (off < first && byte_at(ca, off) != byte_at(cb, off))
          first = off;
  for (unsigned r = 0; r < 8; r++) {
    if (word_byte(a.word, r) == word_byte(b.word, r))
      continue;
    for (unsigned off = r; off < first; off += 8)
      if (!poked(pa, off) && !poked(pb, off)) {
        first = off;
        break;
      }
  }
  return first == PAGE_SIZE ? PAGE_SIZE : first + 1;
}

int ContentStore::compare(const PageContent &ca, const PageContent &cb) const {
  if (!content_in_poke_table(ca) && !content_in_poke_table(cb) && ca.word == cb.word)
    return 0;
  const View a = view(ca), b = view(cb);
  const auto *pa = a.pokes ? &table_->get(a.pokes).bytes : nullptr;
  const auto *pb = b.pokes ? &table_->get(b.pokes).bytes : nullptr;
  if (!pa && !pb) {
    if (a.word == b.word)
      return 0;
    for (unsigned r = 0; r < 8; r++) {
      int d = int(word_byte(a.word, r)) - int(word_byte(b.word, r));
      if (d)
        return d;
    }
  }
  // First differing offset: a poked offset of either page, or the first
  // offset not poked by either whose residue differs in the base words.
  unsigned first = PAGE_SIZE;
  auto consider_poked = [&](const std::vector<std::pair<std::uint16_t, std::uint8_t>> *v) {
    if (!v)
      return;
    for (auto [off, byte] : *v) {
      if (off >= first)
        break;
      if (byte_at(ca, off) != byte_at(cb, off))
        first = off;
    }
  };
  consider_poked(pa);
  consider_poked(pb);
  for (unsigned r = 0; r < 8; r++) {
    if (word_byte(a.word, r) == word_byte(b.word, r))
      continue;
    for (unsigned off = r; off < first; off += 8) {
      if (!poked(pa, off) && !poked(pb, off)) {
        first = off;
        break;
      }
    }
  }
  if (first == PAGE_SIZE)
    return 0;
  return int(byte_at(ca, first)) - int(byte_at(cb, first));
}

std::vector<std::uint8_t> ContentStore::bytes(const PageContent &content) const {
  const View c = view(content);
  std::vector<std::uint8_t> out(PAGE_SIZE);
  for (unsigned i = 0; i < PAGE_SIZE; i++)
    out[i] = word_byte(c.word, i);
  if (c.pokes)
    for (auto [off, byte] : table_->get(c.pokes).bytes)
      out[off] = byte;
  return out;
}

namespace {
// jhash2((u32 *)page, 1024, 17) for a page that is one 64-bit word
// repeated: the little-endian u32 loads alternate lo, hi, lo, ... so each
// round of three takes (lo, hi, lo) or (hi, lo, hi); no bytes are built.
// N such hashes at once: the chains are independent, so interleaving them
// lets the processor overlap them (one alone is bound by its latency).
template <std::size_t N>
[[gnu::always_inline]] inline void jhash2_repeated_n(const std::uint64_t *words,
                                                     std::uint32_t *out) {
  std::uint32_t lo[N], hi[N], a[N], b[N], c[N];
  for (std::size_t n = 0; n < N; n++) {
    lo[n] = hi[n] = 0;
    for (int i = 0; i < 4; i++) {
      lo[n] |= std::uint32_t(word_byte(words[n], i)) << (8 * i);
      hi[n] |= std::uint32_t(word_byte(words[n], 4 + i)) << (8 * i);
    }
    a[n] = b[n] = c[n] = 0xdeadbeef + ((PAGE_SIZE / 4) << 2) + 17;
  }
  // 1024 words: 341 rounds of three, (lo, hi, lo) then (hi, lo, hi) ...
  for (std::uint32_t round = 0; round < (PAGE_SIZE / 4 - 1) / 3; round++) {
    bool even = (round & 1) == 0;
    for (std::size_t n = 0; n < N; n++) {
      a[n] += even ? lo[n] : hi[n];
      b[n] += even ? hi[n] : lo[n];
      c[n] += even ? lo[n] : hi[n];
      jhash_mix(a[n], b[n], c[n]);
    }
  }
  // ... and one word is left: index 1023, odd, so hi
  for (std::size_t n = 0; n < N; n++) {
    a[n] += hi[n];
    jhash_final(a[n], b[n], c[n]);
    out[n] = c[n];
  }
}

std::uint32_t jhash2_repeated(std::uint64_t word) {
  std::uint32_t sum;
  jhash2_repeated_n<1>(&word, &sum);
  return sum;
}

// 32 lanes: two AVX-512 vectors of u32 (whose rotate is one instruction),
// so that two independent chains overlap, or four AVX2 ones; the same integer arithmetic on every
// path, so the sums are the same bytes whichever the processor runs.
constexpr std::size_t WIDE_LANES = 32;
__attribute__((target("avx512f"))) void jhash2_wide_avx512(const std::uint64_t *w,
                                                           std::uint32_t *out) {
  jhash2_repeated_n<WIDE_LANES>(w, out);
}
__attribute__((target("avx2"))) void jhash2_wide_avx2(const std::uint64_t *w, std::uint32_t *out) {
  jhash2_repeated_n<WIDE_LANES>(w, out);
}
void jhash2_wide_sse2(const std::uint64_t *w, std::uint32_t *out) {
  jhash2_repeated_n<WIDE_LANES>(w, out);
}
using WideHash = void (*)(const std::uint64_t *, std::uint32_t *);
WideHash pick_wide_hash() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    return jhash2_wide_avx512;
  if (__builtin_cpu_supports("avx2"))
    return jhash2_wide_avx2;
  return jhash2_wide_sse2;
}
const WideHash jhash2_wide = pick_wide_hash();
} // namespace

std::uint32_t ContentStore::checksum(PageContent &c) {
  if (!content_in_poke_table(c) && c.checksum)
    return c.checksum;
  std::uint32_t sum;
  if (!content_in_poke_table(c)) {
    // A direct-mapped cache by word: duplicated contents are hashed once.
    auto &slot = table_->word_checksums[(c.word * 0x9e3779b97f4a7c15ULL) >> 48];
    if (!slot.valid || slot.word != c.word)
      slot = {c.word, jhash2_repeated(c.word), true};
    sum = slot.sum;
  } else {
    PokeList &pl = table_->get(c.checksum);
    if (!pl.checksum_valid) {
      std::vector<std::uint8_t> raw = bytes(c);
      std::array<std::uint32_t, PAGE_SIZE / 4> words;
      for (unsigned i = 0; i < PAGE_SIZE / 4; i++) // little-endian loads, as on x86
        words[i] = std::uint32_t(raw[4 * i]) | std::uint32_t(raw[4 * i + 1]) << 8 |
                   std::uint32_t(raw[4 * i + 2]) << 16 | std::uint32_t(raw[4 * i + 3]) << 24;
      pl.checksum = jhash2(words.data(), PAGE_SIZE / 4, 17);
      pl.checksum_valid = true;
    }
    return pl.checksum; // cached in the poke table
  }
  c.checksum = sum; // a real checksum of 0 is simply recomputed each time
  return sum;
}

void ContentStore::prepare_checksums(PageContent *const *pages, std::size_t count) {
  constexpr std::size_t LANES = WIDE_LANES;
  PageContent *todo[LANES];
  std::uint64_t words[LANES];
  std::uint32_t sums[LANES];
  std::size_t n = 0;
  auto flush = [&]() {
    if (n == LANES)
      jhash2_wide(words, sums);
    else
      for (std::size_t i = 0; i < n; i++)
        sums[i] = jhash2_repeated(words[i]);
    for (std::size_t i = 0; i < n; i++) {
      todo[i]->checksum = sums[i];
      table_->word_checksums[(words[i] * 0x9e3779b97f4a7c15ULL) >> 48] = {words[i], sums[i], true};
    }
    n = 0;
  };
  for (std::size_t i = 0; i < count; i++) {
    PageContent &c = *pages[i];
    if (c.checksum || content_in_poke_table(c))
      continue;
    const auto &slot = table_->word_checksums[(c.word * 0x9e3779b97f4a7c15ULL) >> 48];
    if (slot.valid && slot.word == c.word) {
      c.checksum = slot.sum;
      continue;
    }
    todo[n] = &c;
    words[n++] = c.word;
    if (n == LANES)
      flush();
  }
  flush();
}

std::size_t ContentStore::poke_lists() const {
  return table_->live();
}

} // namespace ksmsim
