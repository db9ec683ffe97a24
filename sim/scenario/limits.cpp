// SPDX-License-Identifier: GPL-2.0-only
#include "sim/scenario/limits.h"

#include <fmt/format.h>
#include <unistd.h>

namespace ksmsim::scenario {

MappedPageLimit mapped_page_limit(std::uint64_t ram_bytes, std::uint64_t bytes_per_page) {
  MappedPageLimit l;
  l.ram_bytes = ram_bytes;
  l.bytes_per_page = bytes_per_page == 0 ? 1 : bytes_per_page;
  l.pages = ram_bytes / l.bytes_per_page;
  if (l.pages > kMaxIndexablePages)
    l.pages = kMaxIndexablePages;
  return l;
}

std::uint64_t host_ram_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || size <= 0)
    return 0;
  std::uint64_t p = static_cast<std::uint64_t>(pages), s = static_cast<std::uint64_t>(size);
  return p > UINT64_MAX / s ? UINT64_MAX : p * s;
}

namespace {
std::string gib(std::uint64_t bytes) {
  constexpr std::uint64_t kGiB = 1ULL << 30;
  if (bytes % kGiB == 0)
    return fmt::format("{} GiB", bytes / kGiB);
  return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / static_cast<double>(kGiB));
}
} // namespace

std::string describe(const MappedPageLimit &l) {
  if (l.pages == kMaxIndexablePages && l.ram_bytes / l.bytes_per_page > kMaxIndexablePages)
    return fmt::format("at most {} pages: page indexes are 32-bit", l.pages);
  return fmt::format("at most {} pages: {} of RAM at {} bytes a page", l.pages, gib(l.ram_bytes),
                     l.bytes_per_page);
}

} // namespace ksmsim::scenario
