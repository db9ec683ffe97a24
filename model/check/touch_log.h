// SPDX-License-Identifier: GPL-2.0-only
//
// What a step (or a run of ksmd) changed, for the incremental invariant
// check (--check=step): the present ptes stored (a +1 for the pfn a pte now
// maps, a -1 for the one it mapped), each frame's mapcount before its first
// change, and the frames whose refcount fell or whose stable_node changed.
// The check then looks at those frames only (InvariantChecker::
// check_touched), and at KSM's structures only if the port was entered
// since (KsmProfile::entries). A swap or migration entry stored, a swap
// count or swap cache change, or more entries than the limit, and the step
// is checked over the whole machine instead (full()).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/mm/mm_types.h"

namespace ksmsim {

class TouchLog {
public:
  enum Kind : std::uint8_t { MAPCOUNT_BEFORE = 0, PTE_DELTA = 1, FRAME = 2 };
  struct Entry {
    std::uint64_t pfn;
    std::int32_t value;
    Kind kind;
  };

  // Entries past which a whole-machine check is cheaper.
  explicit TouchLog(std::size_t limit) : limit_(limit) {}
  // After a check: ksm_entries is KsmProfile::entries() then.
  void reset(std::uint64_t ksm_entries) {
    entries_.clear();
    full_ = false;
    ksm_entries_ = ksm_entries;
  }
  bool full() const { return full_; }
  // Whether the port has been entered since the last check (or nothing has
  // been checked yet), given KsmProfile::entries() now.
  bool ksm_entered_since(std::uint64_t ksm_entries) const { return ksm_entries_ != ksm_entries; }
  const std::vector<Entry> &entries() const { return entries_; }

  // A pte store: old was there, now replaces it.
  void pte(pte_t old, pte_t now) {
    if (is_swap_pte(old) || is_swap_pte(now))
      return need_full(); // swap and migration entries: checked in full
    const bool was = pte_present(old) && !pte_special(old);
    const bool is = pte_present(now) && !pte_special(now);
    if (was && is && pte_pfn(old) == pte_pfn(now))
      return; // the same page (write-protect, mkclean, mkold)
    if (was)
      add(pte_pfn(old), -1, PTE_DELTA);
    if (is)
      add(pte_pfn(now), +1, PTE_DELTA);
  }
  // Before the mapcount of pfn changes from mapcount.
  void mapcount_before(std::uint64_t pfn, int mapcount) { add(pfn, mapcount, MAPCOUNT_BEFORE); }
  // The refcount of pfn fell, or its stable_node changed.
  void frame(std::uint64_t pfn) { add(pfn, 0, FRAME); }
  void need_full() {
    full_ = true;
    std::vector<Entry>().swap(entries_); // its memory too: the full check needs its own
  }

private:
  void add(std::uint64_t pfn, std::int32_t value, Kind kind) {
    if (full_)
      return;
    if (entries_.size() >= limit_)
      return need_full();
    entries_.push_back({pfn, value, kind});
  }

  std::vector<Entry> entries_;
  std::size_t limit_;
  bool full_ = false;
  std::optional<std::uint64_t> ksm_entries_; // at the last check (none yet: empty)
};

} // namespace ksmsim
