// SPDX-License-Identifier: GPL-2.0-only
#include "ksmsim/scenario.h"
#include "model/mm/content.h"

#include <algorithm>

namespace ksmsim::scenario {

namespace {

// The word of a page of class c (not a zero page).
std::uint64_t class_word(const Distribution &d, std::uint64_t c) {
  return d.differ_at != 0 ? splitmix64(d.seed) : splitmix64(d.seed + c);
}

} // namespace

std::uint64_t class_pages(const Distribution &d, std::uint64_t c) {
  if (c >= d.classes)
    return 0;
  if (!d.ends.empty())
    return d.ends[c] - (c == 0 ? 0 : d.ends[c - 1]);
  std::uint64_t m = d.pages - d.zero_pages;
  return m / d.classes + (c < m % d.classes ? 1 : 0);
}

std::uint64_t content_class(const Distribution &d, std::uint64_t k) {
  using u128 = unsigned __int128;
  std::uint64_t slot =
      d.pages == 0 ? 0 : static_cast<std::uint64_t>((u128(d.stride) * k + d.offset) % d.pages);
  if (slot < d.zero_pages)
    return kZeroClass;
  std::uint64_t j = slot - d.zero_pages;
  if (!d.ends.empty())
    return static_cast<std::uint64_t>(std::upper_bound(d.ends.begin(), d.ends.end(), j) -
                                      d.ends.begin());
  // Equal weights: the first r classes have q + 1 pages, the others q.
  std::uint64_t m = d.pages - d.zero_pages, q = m / d.classes, r = m % d.classes;
  if (j < r * (q + 1))
    return j / (q + 1);
  return r + (j - r * (q + 1)) / q;
}

std::optional<std::uint64_t> base_word(const Content &c, std::size_t i) {
  switch (c.base) {
  case Content::Base::Fill:
    return fill_word(static_cast<std::uint8_t>(c.value));
  case Content::Base::Word:
    return c.value;
  case Content::Base::Random:
    return splitmix64(c.value + i);
  case Content::Base::Zero:
    return 0;
  case Content::Base::Distinct: {
    std::uint64_t cls = content_class(*c.distribution, i);
    return cls == kZeroClass ? 0 : class_word(*c.distribution, cls);
  }
  case Content::Base::None:
    break;
  }
  return std::nullopt;
}

PageWrite page_write(const Content &c, std::uint64_t i) {
  PageWrite w;
  w.word = base_word(c, i);
  if (c.base == Content::Base::Distinct && c.distribution->differ_at != 0) {
    std::uint64_t cls = content_class(*c.distribution, i);
    if (cls != kZeroClass) {
      // Bytes differ_at..4095 hold the class number, big-endian.
      for (unsigned off = c.distribution->differ_at; off < 4096; ++off)
        w.pokes[w.npokes++] = Poke{off, static_cast<std::uint8_t>(cls >> (8 * (4095 - off)))};
    }
  }
  if (c.poke)
    w.pokes[w.npokes++] = *c.poke;
  return w;
}

void PageSet::add(std::uint32_t first, std::uint32_t count) {
  if (count == 0)
    return;
  if (!runs.empty() && std::uint64_t(runs.back().first) + runs.back().count == first)
    runs.back().count += count;
  else
    runs.push_back({first, count});
}

std::uint64_t PageSet::size() const {
  std::uint64_t n = 0;
  for (const PageRun &r : runs)
    n += r.count;
  return n;
}

std::vector<std::uint32_t> PageSet::indexes() const {
  return std::vector<std::uint32_t>(begin(), end());
}

std::vector<std::pair<std::uint32_t, std::uint32_t>>
page_runs(const std::vector<std::uint32_t> &indexes) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (std::uint32_t idx : indexes) {
    if (!runs.empty() && runs.back().first + runs.back().second == idx)
      runs.back().second++;
    else
      runs.emplace_back(idx, 1);
  }
  return runs;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> page_runs(const PageSet &pages) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (const PageRun &r : pages.runs)
    runs.emplace_back(r.first, r.count);
  return runs;
}

} // namespace ksmsim::scenario
