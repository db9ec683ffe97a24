// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_session.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "sim/live/live_sysfs.h"
#include "sim/live/other_users.h"

namespace ksmsim::live {

namespace {

// The writable knobs a recording may change, saved in this order.
const char *const kKnobs[] = {"run",
                              "pages_to_scan",
                              "sleep_millisecs",
                              "merge_across_nodes",
                              "max_page_sharing",
                              "use_zero_pages",
                              "smart_scan",
                              "stable_node_chains_prune_millisecs",
                              "advisor_mode",
                              "advisor_max_cpu",
                              "advisor_min_pages_to_scan",
                              "advisor_max_pages_to_scan",
                              "advisor_target_scan_time"};

// Knobs the simulated 3.9 kernel lacks, and the values that make the live
// kernel behave like 3.9 (no page chains, no zero-page merging, no
// skipping of unchanged pages, no auto-tuning).
const std::pair<const char *, const char *> kPins[] = {
    {"max_page_sharing", "2147483647"},
    {"use_zero_pages", "0"},
    {"smart_scan", "0"},
    {"advisor_mode", "none"},
};

// 6.15's mm/ksm.c defaults of the knobs that the simulation starts from on
// v6.15 (ksm_thread_pages_to_scan, ksm_thread_sleep_millisecs,
// ksm_merge_across_nodes, ksm_max_page_sharing, ksm_use_zero_pages,
// ksm_smart_scan, ksm_stable_node_chains_prune_millisecs, ksm_advisor and
// set_advisor_defaults' DEFAULT_MAX_CPU, _MIN/_MAX_PAGES_TO_SCAN,
// DEFAULT_TARGET_SCAN_TIME). Nothing is pinned on v6.15: a knob found
// otherwise is said, since the two sides then start apart.
const std::pair<const char *, const char *> kDefaults6x[] = {
    {"pages_to_scan", "100"},
    {"sleep_millisecs", "20"},
    {"merge_across_nodes", "1"},
    {"max_page_sharing", "256"},
    {"use_zero_pages", "0"},
    {"smart_scan", "1"},
    {"stable_node_chains_prune_millisecs", "2000"},
    {"advisor_mode", "none"},
    {"advisor_max_cpu", "70"},
    {"advisor_min_pages_to_scan", "500"},
    {"advisor_max_pages_to_scan", "30000"},
    {"advisor_target_scan_time", "200"},
};

KnobWriter writer_for(const std::string &dir) {
  return [dir](const std::string &name, const std::string &value) {
    return write_text(dir + "/" + name, value);
  };
}

std::vector<std::string> texts(const std::vector<KnobFailure> &failures) {
  std::vector<std::string> out;
  for (const KnobFailure &f : failures)
    out.push_back(f.text());
  return out;
}

} // namespace

std::string LiveSession::recover(const Journal &j, std::vector<std::string> *warnings) {
  std::string who = fmt::format("pid {}: {}", j.pid, j.command);
  if (!j.boot_id.empty() && j.boot_id != current_boot_id()) {
    ::unlink(journal_.c_str());
    warnings->push_back(fmt::format("removed {}, the journal of a recording ({}) of an earlier "
                                    "boot: the kernel's knobs were reset by the reboot",
                                    journal_, who));
    return "";
  }
  std::vector<std::string> failed = texts(restore_knobs(j.knobs, writer_for(j.ksm_dir)));
  if (!j.instance.empty())
    if (std::string e = remove_instance(j.instance); !e.empty())
      failed.push_back(e);
  if (j.mounted_tracefs)
    ::umount(j.tracing_dir.c_str());
  if (!failed.empty()) {
    std::string how;
    for (const auto &[name, value] : j.knobs)
      how += fmt::format("\n  echo {} > {}/{}", value, j.ksm_dir, name);
    return fmt::format("a recording ({}) ended without restoring the kernel, and its journal {} "
                       "could not be applied ({}). Put the knobs back by hand (run last):{}{}\n"
                       "then remove {} and try again",
                       who, journal_, fmt::join(failed, "; "), how,
                       j.instance.empty() ? "" : "\n  rmdir " + j.instance, journal_);
  }
  ::unlink(journal_.c_str());
  warnings->push_back(fmt::format("restored the KSM knobs that a recording ({}) killed before "
                                  "its end had left changed, from its journal {}",
                                  who, journal_));
  return "";
}

std::string LiveSession::begin(std::vector<std::string> *warnings,
                               std::vector<std::string> *pinned) {
  std::string why;
  std::string dir = opt_.state_dir.empty() ? state_dir(&why) : opt_.state_dir;
  if (dir.empty())
    return why;
  if (!(lock_ = LiveLock::take(dir, opt_.command, &why)))
    return why;
  journal_ = journal_path(dir);
  if (std::optional<Journal> old = read_journal(journal_, &why)) {
    if (std::string e = recover(*old, warnings); !e.empty())
      return e;
  } else if (!why.empty()) {
    return why + fmt::format(": remove it once the knobs it lists are as they should be");
  }

  OtherUsers others = find_other_users(opt_.ksm_dir);
  if (others.any()) {
    if (!opt_.unmerge_others)
      return fmt::format("other processes use KSM on this machine ({}): a recording's run=2 "
                         "would unmerge them and its counts would include theirs; give "
                         "--unmerge-others to record all the same",
                         others.text());
    warnings->push_back(fmt::format("other processes use KSM ({}): they are unmerged (run=2), "
                                    "and the counts include their pages",
                                    others.text()));
  }

  saved_.pid = ::getpid();
  saved_.command = opt_.command;
  saved_.boot_id = current_boot_id();
  saved_.ksm_dir = opt_.ksm_dir;
  saved_.tracing_dir = opt_.tracing_dir;
  for (const char *name : kKnobs) {
    std::string path = opt_.ksm_dir + "/" + name;
    if (!is_regular_file(path) || ::access(path.c_str(), W_OK) != 0)
      continue;
    std::string v = read_text(path);
    if (std::string(name) == "advisor_mode") { // "[none] scan-time": the bracketed one
      auto a = v.find('['), b = v.find(']');
      if (a != std::string::npos && b != std::string::npos)
        v = v.substr(a + 1, b - a - 1);
    }
    saved_.knobs.emplace_back(name, v);
  }
  saved_.mounted_tracefs = ::access((opt_.tracing_dir + "/trace").c_str(), F_OK) != 0;
  saved_.instance = TraceInstance::path_for(opt_.tracing_dir);
  if (int r = write_journal(journal_, saved_))
    return fmt::format("cannot write the journal {}: {}", journal_, errno_str(r));
  changed_ = true;

  if (saved_.mounted_tracefs &&
      ::mount("nodev", opt_.tracing_dir.c_str(), "tracefs", 0, nullptr) != 0) {
    saved_.mounted_tracefs = false;
    return fmt::format("cannot mount tracefs at {}: {}", opt_.tracing_dir, errno_str(errno));
  }
  instance_ = std::make_unique<TraceInstance>(saved_.instance);
  if (std::string e = instance_->start(); !e.empty())
    return e;

  // Pinning max_page_sharing needs no KSM page left (EBUSY otherwise); run=2
  // also starts full_scans from 0, as the simulation's.
  write_text(opt_.ksm_dir + "/run", "2");
  if (!opt_.pins_like_3_9())
    for (const auto &[name, value] : kDefaults6x)
      for (const auto &[saved, found] : saved_.knobs)
        if (saved == name && found != value)
          warnings->push_back(fmt::format("{} is {} here, not the kernel's default {} that the "
                                          "simulated {} starts from",
                                          name, found, value, opt_.kernel));
  for (const auto &[name, value] : kPins) {
    if (!opt_.pins_like_3_9())
      break; // 6.x: the kernel's own defaults on both sides
    std::string path = opt_.ksm_dir + "/" + name;
    if (!is_regular_file(path))
      continue;
    if (int r = write_text(path, value))
      warnings->push_back(fmt::format("could not pin {}={}: {}", name, value, errno_str(r)));
    else
      pinned->push_back(fmt::format("{}={}", name, value));
  }
  write_text(opt_.ksm_dir + "/run", "0");
  return "";
}

std::vector<std::string> LiveSession::end() {
  std::vector<std::string> failed;
  if (!changed_) {
    lock_.reset();
    return failed;
  }
  changed_ = false;
  failed = texts(restore_knobs(saved_.knobs, writer_for(opt_.ksm_dir)));
  if (instance_)
    if (std::string e = instance_->remove(); !e.empty())
      failed.push_back(e);
  if (saved_.mounted_tracefs && ::umount(opt_.tracing_dir.c_str()) != 0)
    failed.push_back(fmt::format("umount {}: {}", opt_.tracing_dir, errno_str(errno)));
  if (failed.empty())
    ::unlink(journal_.c_str());
  lock_.reset();
  return failed;
}

} // namespace ksmsim::live
