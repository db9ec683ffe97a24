// SPDX-License-Identifier: GPL-2.0-only
//
// 6.15 /sys/kernel/mm/ksm: the stores with the kernel's parsing and errnos, and
// the shows. kstrto* accept one trailing newline.
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fmt/format.h>

#include "model/ksm/v6.15/ksm.h"
#include "model/ksm/v6.15/ksm_tree.h"
#include "model/mm/kernel.h"
#include "model/mm/proc_ksm_stat.h"

namespace ksmsim::v6_15 {

namespace {
constexpr int ERANGE_ = 34;
// kstrtoull(buf, 10, &val): digits only (a leading '+' allowed), one
// trailing newline, no overflow (-ERANGE).
int kstrtoull(const std::string &buf, unsigned long long *res) {
  std::string s = buf;
  if (!s.empty() && s.back() == '\n')
    s.pop_back();
  if (!s.empty() && s[0] == '+')
    s.erase(0, 1);
  if (s.empty())
    return -EINVAL;
  unsigned long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return -EINVAL;
    unsigned long long d = static_cast<unsigned long long>(c - '0');
    if (v > (ULLONG_MAX - d) / 10)
      return -ERANGE_;
    v = v * 10 + d;
  }
  *res = v;
  return 0;
}
int kstrtoul(const std::string &buf, unsigned long *res) {
  unsigned long long v;
  int err = kstrtoull(buf, &v);
  if (err)
    return err;
  *res = static_cast<unsigned long>(v);
  return 0;
}
int kstrtouint(const std::string &buf, unsigned int *res) {
  unsigned long long v;
  int err = kstrtoull(buf, &v);
  if (err)
    return err;
  if (v > UINT_MAX)
    return -ERANGE_;
  *res = static_cast<unsigned int>(v);
  return 0;
}
// kstrtoint: an optional '-' (then kstrtoull), within int.
int kstrtoint(const std::string &buf, int *res) {
  if (!buf.empty() && buf[0] == '-') {
    unsigned long long v;
    int err = kstrtoull(buf.substr(1), &v);
    if (err)
      return err;
    if (v > static_cast<unsigned long long>(INT_MAX) + 1)
      return -ERANGE_;
    *res = static_cast<int>(-static_cast<long long>(v));
    return 0;
  }
  unsigned long long v;
  int err = kstrtoull(buf, &v);
  if (err)
    return err;
  if (v > INT_MAX)
    return -ERANGE_;
  *res = static_cast<int>(v);
  return 0;
}
// kstrtobool: y/Y/t/T/1 true, n/N/f/F/0 false, "on"/"off" (any case).
int kstrtobool(const std::string &s, bool *res) {
  if (s.empty())
    return -EINVAL;
  switch (s[0]) {
  case 'y':
  case 'Y':
  case 't':
  case 'T':
  case '1':
    *res = true;
    return 0;
  case 'n':
  case 'N':
  case 'f':
  case 'F':
  case '0':
    *res = false;
    return 0;
  case 'o':
  case 'O':
    if (s.size() > 1 && (s[1] == 'n' || s[1] == 'N')) {
      *res = true;
      return 0;
    }
    if (s.size() > 1 && (s[1] == 'f' || s[1] == 'F')) {
      *res = false;
      return 0;
    }
    break;
  default:
    break;
  }
  return -EINVAL;
}
// sysfs_streq: equal but for one trailing newline on either.
bool sysfs_streq(std::string a, std::string b) {
  if (!a.empty() && a.back() == '\n')
    a.pop_back();
  if (!b.empty() && b.back() == '\n')
    b.pop_back();
  return a == b;
}
// sizeof(struct ksm_rmap_item) on x86_64 6.15: general_profit's and
// ksm_process_profit's cost of an rmap_item.
constexpr long KSM_RMAP_ITEM_SIZE = 64;
} // namespace

void Ksm::mutex_lock() {
  if (ksm_thread_mutex_held)
    k.lock_conflict(__func__, "ksm_thread_mutex");
  ksm_thread_mutex_held = true;
}

void Ksm::mutex_unlock() {
  VM_BUG_ON(!ksm_thread_mutex_held);
  ksm_thread_mutex_held = false;
}

long Ksm::sleep_millisecs_store(const std::string &buf) {
  unsigned int msecs;
  if (kstrtouint(buf, &msecs))
    return -EINVAL;
  ksm_thread_sleep_millisecs = msecs;
  // wake_up_interruptible(&ksm_iter_wait): the engine reads the new value
  // when ksmd next sleeps (a sleeping ksmd is not cut short).
  return static_cast<long>(buf.size());
}

long Ksm::pages_to_scan_store(const std::string &buf) {
  if (ksm_advisor != KSM_ADVISOR_NONE)
    return -EINVAL;
  unsigned int nr_pages;
  if (kstrtouint(buf, &nr_pages))
    return -EINVAL;
  ksm_thread_pages_to_scan = nr_pages;
  return static_cast<long>(buf.size());
}

long Ksm::run_store(const std::string &buf) {
  KFUNC();
  unsigned int flags;
  if (kstrtouint(buf, &flags))
    return -EINVAL;
  if (flags > KSM_RUN_UNMERGE)
    return -EINVAL;
  long count = static_cast<long>(buf.size());
  // KSM_RUN_MERGE sets ksmd running, and 0 stops it running.
  // KSM_RUN_UNMERGE stops it running and unmerges all rmap_items.
  mutex_lock();
  if (ksm_run != flags) {
    ksm_run = flags;
    if (flags & KSM_RUN_UNMERGE) {
      int err = unmerge_and_remove_all_rmap_items(); // (set_current_oom_origin)
      if (err) {
        ksm_run = KSM_RUN_STOP;
        count = err;
      }
    }
  }
  mutex_unlock();
  if (flags & KSM_RUN_MERGE)
    wake_pending = true; // wake_up_interruptible(&ksm_thread_wait)
  return count;
}

long Ksm::merge_across_nodes_store(const std::string &buf) {
  KFUNC();
  unsigned long knob;
  int err = kstrtoul(buf, &knob);
  if (err)
    return err;
  if (knob > 1)
    return -EINVAL;
  mutex_lock();
  if (ksm_merge_across_nodes != knob) {
    if (ksm_pages_shared || remove_all_stable_nodes()) {
      err = -EBUSY;
    } else if (root_stable_tree == one_stable_tree) {
      // The first switch away from merging across nodes: a buffer of roots
      // for every node, stable and unstable together. The stable tree is
      // empty but not the unstable one.
      roots_buf.reset(new rb_root[2 * k.machine.nodes]()); // kcalloc: all RB_ROOT
      root_stable_tree = roots_buf.get();
      root_unstable_tree = roots_buf.get() + k.machine.nodes;
      root_unstable_tree[0] = one_unstable_tree[0];
    }
    if (!err) {
      ksm_merge_across_nodes = static_cast<unsigned>(knob);
      ksm_nr_node_ids = knob ? 1 : k.machine.nodes;
    }
  }
  mutex_unlock();
  return err ? err : static_cast<long>(buf.size());
}

long Ksm::use_zero_pages_store(const std::string &buf) {
  bool value;
  if (kstrtobool(buf, &value))
    return -EINVAL;
  ksm_use_zero_pages = value;
  return static_cast<long>(buf.size());
}

long Ksm::max_page_sharing_store(const std::string &buf) {
  KFUNC();
  int knob;
  int err = kstrtoint(buf, &knob);
  if (err)
    return err;
  // A KSM page is created shared by 2 mappings; signed, so not negative.
  if (knob < 2)
    return -EINVAL;
  if (ksm_max_page_sharing == knob)
    return static_cast<long>(buf.size());
  mutex_lock();
  if (ksm_max_page_sharing != knob) {
    if (ksm_pages_shared || remove_all_stable_nodes())
      err = -EBUSY;
    else
      ksm_max_page_sharing = knob;
  }
  mutex_unlock();
  return err ? err : static_cast<long>(buf.size());
}

long Ksm::stable_node_chains_prune_millisecs_store(const std::string &buf) {
  unsigned int msecs;
  if (kstrtouint(buf, &msecs))
    return -EINVAL;
  ksm_stable_node_chains_prune_millisecs = msecs;
  return static_cast<long>(buf.size());
}

long Ksm::smart_scan_store(const std::string &buf) {
  bool value;
  if (kstrtobool(buf, &value))
    return -EINVAL;
  ksm_smart_scan = value;
  return static_cast<long>(buf.size());
}

void Ksm::set_advisor_defaults() {
  if (ksm_advisor == KSM_ADVISOR_NONE) {
    ksm_thread_pages_to_scan = 100; // DEFAULT_PAGES_TO_SCAN
  } else if (ksm_advisor == KSM_ADVISOR_SCAN_TIME) {
    advisor_ctx = {};
    ksm_thread_pages_to_scan = static_cast<unsigned int>(ksm_advisor_min_pages_to_scan);
  }
}

long Ksm::advisor_mode_store(const std::string &buf) {
  ksm_advisor_type curr_advisor = ksm_advisor;
  if (sysfs_streq("scan-time", buf))
    ksm_advisor = KSM_ADVISOR_SCAN_TIME;
  else if (sysfs_streq("none", buf))
    ksm_advisor = KSM_ADVISOR_NONE;
  else
    return -EINVAL;
  if (curr_advisor != ksm_advisor)
    set_advisor_defaults();
  return static_cast<long>(buf.size());
}

long Ksm::advisor_max_cpu_store(const std::string &buf) {
  unsigned long value;
  if (kstrtoul(buf, &value))
    return -EINVAL;
  ksm_advisor_max_cpu = static_cast<unsigned int>(value);
  return static_cast<long>(buf.size());
}

long Ksm::advisor_min_pages_to_scan_store(const std::string &buf) {
  unsigned long value;
  if (kstrtoul(buf, &value))
    return -EINVAL;
  ksm_advisor_min_pages_to_scan = value;
  return static_cast<long>(buf.size());
}

long Ksm::advisor_max_pages_to_scan_store(const std::string &buf) {
  unsigned long value;
  if (kstrtoul(buf, &value))
    return -EINVAL;
  ksm_advisor_max_pages_to_scan = value;
  return static_cast<long>(buf.size());
}

long Ksm::advisor_target_scan_time_store(const std::string &buf) {
  unsigned long value;
  if (kstrtoul(buf, &value))
    return -EINVAL;
  if (value < 1)
    return -EINVAL;
  ksm_advisor_target_scan_time = value;
  return static_cast<long>(buf.size());
}

long Ksm::sysfs_store(const std::string &name, const std::string &buf) {
  entered(); // KsmProfile::entries
  k.trace_fmt("ksmsim_sysfs_write", "{} {}", name, buf);
  long r;
  if (name == "run")
    r = run_store(buf);
  else if (name == "pages_to_scan")
    r = pages_to_scan_store(buf);
  else if (name == "sleep_millisecs")
    r = sleep_millisecs_store(buf);
  else if (name == "merge_across_nodes")
    r = merge_across_nodes_store(buf);
  else if (name == "use_zero_pages")
    r = use_zero_pages_store(buf);
  else if (name == "max_page_sharing")
    r = max_page_sharing_store(buf);
  else if (name == "stable_node_chains_prune_millisecs")
    r = stable_node_chains_prune_millisecs_store(buf);
  else if (name == "smart_scan")
    r = smart_scan_store(buf);
  else if (name == "advisor_mode")
    r = advisor_mode_store(buf);
  else if (name == "advisor_max_cpu")
    r = advisor_max_cpu_store(buf);
  else if (name == "advisor_min_pages_to_scan")
    r = advisor_min_pages_to_scan_store(buf);
  else if (name == "advisor_max_pages_to_scan")
    r = advisor_max_pages_to_scan_store(buf);
  else if (name == "advisor_target_scan_time")
    r = advisor_target_scan_time_store(buf);
  else if (has_sysfs_file(name))
    r = -EACCES; // read-only files (KSM_ATTR_RO, mode 0444)
  else
    r = -ENOENT; // not in 6.15's /sys/kernel/mm/ksm
  if (r < 0)
    k.trace_fmt("ksmsim_sysfs_error", "{} {}", name, errno_name(static_cast<int>(r)));
  return r;
}

// The shows, as numbers: general_profit and ksm_zero_pages (%ld) as their
// two's complement; advisor_mode ("[none] scan-time") as 0 or 1.
bool Ksm::sysfs_show(const std::string &name, std::uint64_t *value) const {
  if (name == "run")
    *value = ksm_run;
  else if (name == "pages_to_scan")
    *value = ksm_thread_pages_to_scan;
  else if (name == "sleep_millisecs")
    *value = ksm_thread_sleep_millisecs;
  else if (name == "merge_across_nodes")
    *value = ksm_merge_across_nodes;
  else if (name == "pages_scanned")
    *value = ksm_pages_scanned;
  else if (name == "pages_shared")
    *value = ksm_pages_shared;
  else if (name == "pages_sharing")
    *value = ksm_pages_sharing;
  else if (name == "pages_unshared")
    *value = ksm_pages_unshared;
  else if (name == "pages_volatile") {
    long v = static_cast<long>(ksm_rmap_items) - static_cast<long>(ksm_pages_shared) -
             static_cast<long>(ksm_pages_sharing) - static_cast<long>(ksm_pages_unshared);
    // It was not worth any locking to calculate that statistic, but it
    // might therefore sometimes be negative: conceal that.
    *value = v < 0 ? 0 : static_cast<std::uint64_t>(v);
  } else if (name == "pages_skipped")
    *value = ksm_pages_skipped;
  else if (name == "ksm_zero_pages")
    *value = static_cast<std::uint64_t>(ksm_zero_pages);
  else if (name == "full_scans")
    *value = ksm_scan.seqnr;
  else if (name == "max_page_sharing")
    *value = static_cast<std::uint64_t>(ksm_max_page_sharing);
  else if (name == "stable_node_chains")
    *value = ksm_stable_node_chains;
  else if (name == "stable_node_dups")
    *value = ksm_stable_node_dups;
  else if (name == "stable_node_chains_prune_millisecs")
    *value = ksm_stable_node_chains_prune_millisecs;
  else if (name == "use_zero_pages")
    *value = ksm_use_zero_pages;
  else if (name == "general_profit") {
    long general_profit = (static_cast<long>(ksm_pages_sharing) + ksm_zero_pages) * PAGE_SIZE -
                          static_cast<long>(ksm_rmap_items) * KSM_RMAP_ITEM_SIZE;
    *value = static_cast<std::uint64_t>(general_profit);
  } else if (name == "smart_scan")
    *value = ksm_smart_scan;
  else if (name == "advisor_mode")
    *value = ksm_advisor == KSM_ADVISOR_SCAN_TIME ? 1 : 0;
  else if (name == "advisor_max_cpu")
    *value = ksm_advisor_max_cpu;
  else if (name == "advisor_min_pages_to_scan")
    *value = ksm_advisor_min_pages_to_scan;
  else if (name == "advisor_max_pages_to_scan")
    *value = ksm_advisor_max_pages_to_scan;
  else if (name == "advisor_target_scan_time")
    *value = ksm_advisor_target_scan_time;
  else
    return false;
  return true;
}

// ksm_attrs (6.15 mm/ksm.c), CONFIG_NUMA.
const std::vector<std::string> &Ksm::sysfs_files() const {
  static const std::vector<std::string> files = {"sleep_millisecs",
                                                 "pages_to_scan",
                                                 "run",
                                                 "pages_scanned",
                                                 "pages_shared",
                                                 "pages_sharing",
                                                 "pages_unshared",
                                                 "pages_volatile",
                                                 "pages_skipped",
                                                 "ksm_zero_pages",
                                                 "full_scans",
                                                 "merge_across_nodes",
                                                 "max_page_sharing",
                                                 "stable_node_chains",
                                                 "stable_node_dups",
                                                 "stable_node_chains_prune_millisecs",
                                                 "use_zero_pages",
                                                 "general_profit",
                                                 "smart_scan",
                                                 "advisor_mode",
                                                 "advisor_max_cpu",
                                                 "advisor_min_pages_to_scan",
                                                 "advisor_max_pages_to_scan",
                                                 "advisor_target_scan_time"};
  return files;
}

// /proc/PID/ksm_stat (fs/proc/base.c) from mm_struct's figures, and
// ksmsim's `merged` from the rmap_lists.
bool Ksm::mm_stat(const mm_struct *mm, std::string_view name, std::int64_t *value) const {
  if (name == "merged")
    return KsmProfile::mm_stat(mm, name, value);
  return proc_pid_ksm_stat(mm, name, KSM_RMAP_ITEM_SIZE, value);
}

bool Ksm::has_mm_stat(std::string_view name) const {
  if (name == "merged")
    return true;
  for (const std::string &n : proc_pid_ksm_stat_names())
    if (n == name)
      return true;
  return false;
}

} // namespace ksmsim::v6_15
