// SPDX-License-Identifier: GPL-2.0-only
//
// Other users of KSM on the machine: their pages make the recording's
// counts wrong, and the recording's `run=2` (before pinning the knobs and
// after the run) would unmerge them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace ksmsim::live {

struct OtherUsers {
  std::uint64_t pages_shared = 0, pages_sharing = 0;
  std::vector<pid_t> pids; // processes with mergeable memory or rmap_items (/proc/PID/ksm_stat)
  bool any() const { return pages_shared || pages_sharing || !pids.empty(); }
  std::string text() const; // "pages_shared=3, pages_sharing=9; processes 12 345"
};

// Before the recording starts anything: every user of KSM is another's.
OtherUsers find_other_users(const std::string &ksm_dir, const std::string &proc_dir = "/proc");

// The mms in a ksm trace that are not the recording's: an mm is the
// recording's if a ksm_enter of it was traced in one of `pids` (a worker,
// madvise or fork). Sorted, each once.
std::vector<std::string> foreign_mms(const std::string &trace, const std::set<pid_t> &pids);

} // namespace ksmsim::live
