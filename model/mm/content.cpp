// SPDX-License-Identifier: GPL-2.0-only
#include "model/mm/content.h"
#include "model/lib/host_memory.h"
#include "model/lib/oops.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

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
// A poked entry's content: its base word and its poked bytes, sorted by
// offset, never equal to the base byte, never empty (a content whose last
// poke is undone is its word alone again, interned).
struct PokeList {
  std::uint64_t word = 0;
  std::vector<std::pair<std::uint16_t, std::uint8_t>> bytes;
};

class PokeTable {
public:
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
    lists_[id] = PokeList{};
    free_.push_back(id);
  }
  PokeList &get(std::uint32_t id) { return lists_[id]; }
  const PokeList &get(std::uint32_t id) const { return lists_[id]; }
  std::size_t live() const { return lists_.size() - free_.size(); }
  std::size_t bytes() const {
    std::size_t n = lists_.capacity() * sizeof(PokeList) + free_.capacity() * 4;
    for (const PokeList &pl : lists_)
      n += pl.bytes.capacity() * sizeof(pl.bytes[0]);
    return n;
  }

private:
  std::vector<PokeList> lists_;
  std::vector<std::uint32_t> free_;
};

ContentStore::ContentStore() : pokes_(std::make_unique<PokeTable>()) {
  chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(CHUNK));
  entry(0) = {0, 0, 0}; // the zero page's content: never counted, never freed
  slots_.assign(1024, 0);
  slot_shift_ = 64 - 10;
}
ContentStore::~ContentStore() = default;

// A word's 32-bit tag: the high half of a multiplicative hash (of the
// word's halves mixed, so that words differing only in their low or high
// half spread). Its high bits are the slot a search starts at.
std::uint32_t ContentStore::tag_of(std::uint64_t word) {
  return static_cast<std::uint32_t>(((word ^ (word >> 31)) * 0x9e3779b97f4a7c15ULL) >> 32);
}
std::size_t ContentStore::home(std::uint32_t tag) const {
  return static_cast<std::size_t>((std::uint64_t(tag) << 32) >> slot_shift_);
}

std::uint32_t ContentStore::new_entry(std::uint64_t word, std::uint32_t refs) {
  std::uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    if (next_id_ == 0) // 2^32 entries: more than any machine holds
      throw std::bad_alloc();
    id = next_id_++;
    if ((id >> CHUNK_SHIFT) == chunks_.size()) {
      ensure_host_memory(CHUNK * sizeof(Entry)); // a clear stop, not the OOM killer
      chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(CHUNK));
    }
  }
  entry(id) = {word, 0, refs};
  return id;
}

// A holder more. The count has 30 bits: more than the frames and swap
// slots of any machine this host can simulate (2^30 frames are 24 GiB of
// struct page alone); beyond, out of memory as for page->mapping's ids.
void ContentStore::get(std::uint32_t id) {
  if (!id)
    return;
  Entry &e = entry(id);
  if ((e.refs & REFS) == REFS)
    throw std::bad_alloc();
  e.refs++;
}

// A holder less: the entry is freed with its last. An entry without
// holders was freed by its last put: a put on it is one holder put twice,
// or one never counted (a simulator bug, not the kernel's: page bytes have
// no count in the kernel), reported as such and the run stopped, never a
// count wrapped into the flag bits.
void ContentStore::put(std::uint32_t id) {
  if (!id)
    return;
  Entry &e = entry(id);
  if ((e.refs & REFS) == 0)
    detector_stop("ContentStore::put", "negative-content-holders",
                  "ksmsim: put of a page content that has no holders");
  if ((--e.refs & REFS) != 0)
    return;
  if (e.refs & POKED)
    pokes_->release(static_cast<std::uint32_t>(e.word));
  else
    unhash(id, e.word);
  free_ids_.push_back(id);
}

// A slot is an entry id (low half) and its word's tag (high half), so that
// a search reads only the entry whose tag matches; 0 is empty (entry 0 is
// never hashed).
std::uint32_t ContentStore::intern(std::uint64_t word) {
  if (word == 0)
    return 0;
  const std::uint32_t tag = tag_of(word);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(tag);
  for (; slots_[i]; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    const std::uint32_t id = static_cast<std::uint32_t>(slot);
    if (static_cast<std::uint32_t>(slot >> 32) == tag && entry(id).word == word) {
      get(id);
      return id;
    }
  }
  const std::uint32_t id = new_entry(word, 1);
  slots_[i] = std::uint64_t(tag) << 32 | id;
  if (++hashed_ * 4 > slots_.size() * 3) // at most 3/4 full
    grow_slots();
  return id;
}

void ContentStore::grow_slots() {
  ensure_host_memory(slots_.size() * 2 * sizeof(std::uint64_t));
  std::vector<std::uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  slot_shift_--;
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t slot : old) {
    if (!slot)
      continue;
    std::size_t i = home(static_cast<std::uint32_t>(slot >> 32));
    while (slots_[i])
      i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

// Remove a word's entry from the table: linear probing's deletion by
// shifting back the slots after it that would no longer be found.
void ContentStore::unhash(std::uint32_t id, std::uint64_t word) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(tag_of(word));
  while (static_cast<std::uint32_t>(slots_[i]) != id)
    i = (i + 1) & mask;
  for (std::size_t j = (i + 1) & mask; slots_[j]; j = (j + 1) & mask) {
    std::size_t k = home(static_cast<std::uint32_t>(slots_[j] >> 32));
    // slots_[j] stays if its home lies cyclically in (i, j]
    bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = 0;
  hashed_--;
}

ContentStore::View ContentStore::view(const PageContent &c) const {
  const Entry &e = entry(c.id);
  if (!(e.refs & POKED))
    return {e.word, nullptr};
  const PokeList &pl = pokes_->get(static_cast<std::uint32_t>(e.word));
  return {pl.word, &pl.bytes};
}

void ContentStore::set_word(PageContent &c, std::uint64_t word) {
  std::uint32_t id = intern(word); // before the old one goes: it may be the same
  put(c.id);
  c.id = id;
}

void ContentStore::copy(PageContent &dst, const PageContent &src) {
  if (&dst == &src)
    return;
  get(src.id);
  put(dst.id);
  dst.id = src.id;
}

void ContentStore::release(PageContent &c) {
  if (has_pokes(c))
    set_word(c, base_word(c));
}

void ContentStore::reset(PageContent &c) {
  put(c.id);
  c.id = 0;
}

std::uint64_t ContentStore::base_word(const PageContent &c) const {
  return view(c).word;
}
bool ContentStore::has_pokes(const PageContent &c) const {
  return (entry(c.id).refs & POKED) != 0;
}
bool ContentStore::checksum_known(const PageContent &c) const {
  return (entry(c.id).refs & SUM_KNOWN) != 0;
}

namespace {
using Pokes = std::vector<std::pair<std::uint16_t, std::uint8_t>>;

Pokes::const_iterator find_poke(const Pokes &v, unsigned offset) {
  return std::lower_bound(v.begin(), v.end(),
                          std::make_pair(static_cast<std::uint16_t>(offset), std::uint8_t{0}));
}

bool poked(const Pokes *v, unsigned offset) {
  if (!v)
    return false;
  auto it = find_poke(*v, offset);
  return it != v->end() && it->first == offset;
}

std::uint8_t byte_of(std::uint64_t word, const Pokes *pokes, unsigned offset) {
  if (pokes) {
    auto it = find_poke(*pokes, offset);
    if (it != pokes->end() && it->first == offset)
      return it->second;
  }
  return word_byte(word, offset);
}

// The first offset at which two contents differ, or PAGE_SIZE: a poked
// offset of either, or the first offset poked by neither whose residue
// differs in the base words.
unsigned first_difference(std::uint64_t wa, const Pokes *pa, std::uint64_t wb, const Pokes *pb) {
  if (!pa && !pb) {
    if (wa == wb)
      return PAGE_SIZE;
    for (unsigned r = 0; r < 8; r++)
      if (word_byte(wa, r) != word_byte(wb, r))
        return r;
  }
  unsigned first = PAGE_SIZE;
  for (const Pokes *v : {pa, pb})
    if (v)
      for (auto [off, byte] : *v) {
        if (off >= first)
          break;
        if (byte_of(wa, pa, off) != byte_of(wb, pb, off))
          first = off;
      }
  for (unsigned r = 0; r < 8; r++) {
    if (word_byte(wa, r) == word_byte(wb, r))
      continue;
    for (unsigned off = r; off < first; off += 8)
      if (!poked(pa, off) && !poked(pb, off)) {
        first = off;
        break;
      }
  }
  return first;
}

int compare_at(std::uint64_t wa, const Pokes *pa, std::uint64_t wb, const Pokes *pb) {
  unsigned first = first_difference(wa, pa, wb, pb);
  if (first == PAGE_SIZE)
    return 0;
  return int(byte_of(wa, pa, first)) - int(byte_of(wb, pb, first));
}
} // namespace

std::uint8_t ContentStore::byte_at(const PageContent &content, unsigned offset) const {
  const View c = view(content);
  return byte_of(c.word, c.pokes, offset);
}

void ContentStore::poke(PageContent &c, unsigned offset, std::uint8_t byte) {
  if (byte_at(c, offset) == byte)
    return; // the bytes stay as they are
  Entry &e = entry(c.id);
  std::uint32_t list;
  if ((e.refs & POKED) && (e.refs & REFS) == 1) { // c's alone: changed in place
    e.refs &= ~SUM_KNOWN;
    list = static_cast<std::uint32_t>(e.word);
  } else { // shared, or a word alone: a poke list of c's own
    list = pokes_->alloc();
    if (e.refs & POKED)
      pokes_->get(list) = pokes_->get(static_cast<std::uint32_t>(e.word));
    else
      pokes_->get(list).word = e.word;
    std::uint32_t id = new_entry(list, POKED | 1);
    put(c.id);
    c.id = id;
  }
  PokeList &pl = pokes_->get(list);
  auto it = std::lower_bound(pl.bytes.begin(), pl.bytes.end(),
                             std::make_pair(static_cast<std::uint16_t>(offset), std::uint8_t{0}));
  bool found = it != pl.bytes.end() && it->first == offset;
  if (word_byte(pl.word, offset) == byte) // back to the base byte (found: it differed)
    pl.bytes.erase(it);
  else if (found)
    it->second = byte;
  else
    pl.bytes.insert(it, {static_cast<std::uint16_t>(offset), byte});
  if (pl.bytes.empty())
    set_word(c, pl.word); // its word alone again
}

unsigned ContentStore::compared_length(const PageContent &ca, const PageContent &cb) const {
  if (ca.id == cb.id)
    return PAGE_SIZE;
  const View a = view(ca), b = view(cb);
  unsigned first = first_difference(a.word, a.pokes, b.word, b.pokes);
  return first == PAGE_SIZE ? PAGE_SIZE : first + 1;
}

unsigned ContentStore::compared_length(const PageContent &ca, std::uint64_t word) const {
  const View a = view(ca);
  unsigned first = first_difference(a.word, a.pokes, word, nullptr);
  return first == PAGE_SIZE ? PAGE_SIZE : first + 1;
}

int ContentStore::compare(const PageContent &ca, const PageContent &cb) const {
  if (ca.id == cb.id)
    return 0;
  const View a = view(ca), b = view(cb);
  return compare_at(a.word, a.pokes, b.word, b.pokes);
}

int ContentStore::compare_words(std::uint64_t a, std::uint64_t b) {
  return compare_at(a, nullptr, b, nullptr);
}

int ContentStore::compare(const PageContent &ca, std::uint64_t word) const {
  const View a = view(ca);
  return compare_at(a.word, a.pokes, word, nullptr);
}

std::vector<std::uint8_t> ContentStore::bytes(const PageContent &content) const {
  const View c = view(content);
  std::vector<std::uint8_t> out(PAGE_SIZE);
  for (unsigned i = 0; i < PAGE_SIZE; i++)
    out[i] = word_byte(c.word, i);
  if (c.pokes)
    for (auto [off, byte] : *c.pokes)
      out[off] = byte;
  return out;
}

std::uint32_t ContentStore::checksum(const PageContent &c) {
  Entry &e = entry(c.id);
  if (e.refs & SUM_KNOWN)
    return e.sum;
  if (!(e.refs & POKED)) {
    e.sum = jhash2_repeated(e.word);
  } else {
    std::vector<std::uint8_t> raw = bytes(c);
    std::array<std::uint32_t, PAGE_SIZE / 4> words;
    for (unsigned i = 0; i < PAGE_SIZE / 4; i++) // little-endian loads, as on x86
      words[i] = std::uint32_t(raw[4 * i]) | std::uint32_t(raw[4 * i + 1]) << 8 |
                 std::uint32_t(raw[4 * i + 2]) << 16 | std::uint32_t(raw[4 * i + 3]) << 24;
    e.sum = jhash2(words.data(), PAGE_SIZE / 4, 17);
  }
  e.refs |= SUM_KNOWN;
  return e.sum;
}

// Entries of words alone whose checksum is not known yet are hashed 32 at
// a time; each entry once (it is marked known when queued: its sum is
// written before this returns). Poked entries are left to checksum().
void ContentStore::prepare_checksums(PageContent *const *pages, std::size_t count) {
  constexpr std::size_t LANES = WIDE_LANES;
  Entry *todo[LANES];
  std::uint64_t words[LANES];
  std::uint32_t sums[LANES];
  std::size_t n = 0;
  auto flush = [&]() {
    if (n == LANES)
      jhash2_wide(words, sums);
    else
      for (std::size_t i = 0; i < n; i++)
        sums[i] = jhash2_repeated(words[i]);
    for (std::size_t i = 0; i < n; i++)
      todo[i]->sum = sums[i];
    n = 0;
  };
  for (std::size_t i = 0; i < count; i++) {
    Entry &e = entry(pages[i]->id);
    if (e.refs & (SUM_KNOWN | POKED))
      continue;
    e.refs |= SUM_KNOWN;
    todo[n] = &e;
    words[n++] = e.word;
    if (n == LANES)
      flush();
  }
  flush();
}

std::size_t ContentStore::poke_lists() const {
  return pokes_->live();
}
std::size_t ContentStore::entries() const {
  return next_id_ - 1 - free_ids_.size();
}
std::size_t ContentStore::table_bytes() const {
  return chunks_.size() * CHUNK * sizeof(Entry) + slots_.size() * 8 + free_ids_.capacity() * 4 +
         pokes_->bytes();
}

} // namespace ksmsim
