// SPDX-License-Identifier: GPL-2.0-only
//
// The journal of a recording: the KSM knobs as found and what else the
// recording changed (a tracing instance, a tracefs mount), written
// atomically before anything is changed and removed after a full restore.
// A recording that was killed (SIGKILL, a crash) leaves it behind, and the
// next `record`/`compare` restores from it before saving anything anew.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ksmsim::live {

struct Journal {
  pid_t pid = 0;
  std::string command;     // "record FILE"
  std::string boot_id;     // /proc/sys/kernel/random/boot_id: a journal of another boot is stale
  std::string ksm_dir;     // where the knobs are
  std::string tracing_dir; // where tracefs is
  std::string instance;    // the tracing instance's directory, or ""
  bool mounted_tracefs = false;
  std::vector<std::pair<std::string, std::string>> knobs; // name, value as found
};

// The directory of ksmsim's journal and lock: /run/ksmsim, or
// /var/tmp/ksmsim where /run cannot hold it; created (0700) if missing.
// "" (and *err) if neither can be made.
std::string state_dir(std::string *err);
std::string journal_path(const std::string &dir);
std::string current_boot_id();

std::string journal_text(const Journal &j);
std::optional<Journal> parse_journal(const std::string &text);

// Write to a temporary file, fsync, rename over path: 0 or -errno.
int write_journal(const std::string &path, const Journal &j);
// nullopt if there is none; *err says why one could not be read.
std::optional<Journal> read_journal(const std::string &path, std::string *err);

} // namespace ksmsim::live
