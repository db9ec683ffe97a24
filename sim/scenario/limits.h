// SPDX-License-Identifier: GPL-2.0-only
//
// How large a scenario may be: what this machine can simulate. A mapped
// page costs the simulator memory (its frame, its pte, its rmap_item once
// ksmd has seen it); the parser refuses a vma larger than the host's
// physical memory can hold at that cost, and says the limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ksmsim::scenario {

// Bytes of host memory the simulation needs per mapped page: its frame
// (22), its pte (8), its rmap_item once ksmd has seen it (32), and 10 of
// margin, for pages of repeated contents; the peak measured in
// docs/perf.md (tools/bench: 61-63 at 16-256 Mi pages) must stay below it.
// Distinct contents cost more (their interned entries, about 24 bytes a
// page, and the unstable tree walk's seen entries, 16); that, and whatever
// else grows with the run, is checked as it is allocated
// (model/lib/host_memory.h: "out of memory at step N").
constexpr std::uint64_t kSimBytesPerMappedPage = 72;

// Page indexes are 32-bit (page->index keeps pgoff_t's low 32 bits), so no
// vma has more pages than this whatever the host's memory.
constexpr std::uint64_t kMaxIndexablePages = (1ULL << 32) - 1;

// The pages the steps name (writes, reads, ...), summed over the scenario:
// a bound on the work of user page operations (page ranges are kept as
// ranges, so this costs no memory).
constexpr std::uint64_t kMaxPagesNamed = 1ULL << 32;
// Page ranges stored (one per item of a `pages:` list), over the scenario.
constexpr std::uint64_t kMaxPageRuns = 1ULL << 24;

// The largest vma the parser accepts on a host with ram_bytes of physical
// memory.
struct MappedPageLimit {
  std::uint64_t ram_bytes = 0;
  std::uint64_t bytes_per_page = kSimBytesPerMappedPage;
  std::uint64_t pages = 0; // min(ram_bytes / bytes_per_page, kMaxIndexablePages)
};

MappedPageLimit mapped_page_limit(std::uint64_t ram_bytes,
                                  std::uint64_t bytes_per_page = kSimBytesPerMappedPage);
// This host's physical memory: sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE).
std::uint64_t host_ram_bytes();

// "at most N pages: 24 GiB of RAM at 72 bytes a page" (or the 32-bit bound).
std::string describe(const MappedPageLimit &limit);

} // namespace ksmsim::scenario
