// SPDX-License-Identifier: GPL-2.0-only
//
// /sys/kernel/mm/ksm: the stores with the kernel's parsing and errnos, and
// the shows. strict_strtoul/kstrtoul accept one trailing newline.
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fmt/format.h>

#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v3.9/ksm_tree.h"
#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
// kstrtoul(buf, 10, &val): digits only (a leading '+' allowed), one
// trailing newline, no overflow.
int kstrtoul(const std::string &buf, unsigned long *res) {
  std::string s = buf;
  if (!s.empty() && s.back() == '\n')
    s.pop_back();
  if (!s.empty() && s[0] == '+')
    s.erase(0, 1);
  if (s.empty())
    return -EINVAL;
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return -EINVAL;
    unsigned long d = static_cast<unsigned long>(c - '0');
    if (v > (ULONG_MAX - d) / 10)
      return -34; // -ERANGE
    v = v * 10 + d;
  }
  *res = v;
  return 0;
}
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
  unsigned long msecs;
  int err = kstrtoul(buf, &msecs);
  if (err || msecs > UINT_MAX)
    return -EINVAL;
  ksm_thread_sleep_millisecs = static_cast<unsigned>(msecs);
  return static_cast<long>(buf.size());
}

long Ksm::pages_to_scan_store(const std::string &buf) {
  unsigned long nr_pages;
  int err = kstrtoul(buf, &nr_pages);
  if (err || nr_pages > UINT_MAX)
    return -EINVAL;
  ksm_thread_pages_to_scan = static_cast<unsigned>(nr_pages);
  return static_cast<long>(buf.size());
}

long Ksm::run_store(const std::string &buf) {
  KFUNC();
  unsigned long flags;
  int err = kstrtoul(buf, &flags);
  if (err || flags > UINT_MAX)
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
      err = unmerge_and_remove_all_rmap_items();
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
    // Not the kernel's: the roots move, or the next scan resets fewer of
    // them (ksm_nr_node_ids), so the inserts put off are linked now.
    settle_unstable_tree();
    // Before cbf86cfe04 only pages_shared was checked.
    if (ksm_pages_shared || (k.profile.stale_stable_sweep && remove_all_stable_nodes())) {
      err = -EBUSY;
    } else if (root_stable_tree == one_stable_tree) {
      // The first switch away from merging across nodes: a buffer of roots
      // for every node, stable and unstable together. The stable tree is
      // empty (or so it is assumed) but not the unstable one.
      roots_buf.reset(new rb_root[k.machine.nodes]()); // kcalloc: all RB_ROOT
      unstable_roots_buf.reset(new rb_root_id[k.machine.nodes]());
      root_stable_tree = roots_buf.get();
      root_unstable_tree = unstable_roots_buf.get();
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
  else if (name == "pages_shared" || name == "pages_sharing" || name == "pages_unshared" ||
           name == "pages_volatile" || name == "full_scans")
    r = -EACCES; // read-only files (mode 0444)
  else
    r = -ENOENT; // not in 3.9's /sys/kernel/mm/ksm
  if (r < 0)
    k.trace_fmt("ksmsim_sysfs_error", "{} {}", name, errno_name(static_cast<int>(r)));
  return r;
}

bool Ksm::sysfs_show(const std::string &name, std::uint64_t *value) const {
  if (name == "run")
    *value = ksm_run;
  else if (name == "pages_to_scan")
    *value = ksm_thread_pages_to_scan;
  else if (name == "sleep_millisecs")
    *value = ksm_thread_sleep_millisecs;
  else if (name == "merge_across_nodes")
    *value = ksm_merge_across_nodes;
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
  } else if (name == "full_scans")
    *value = ksm_scan.seqnr;
  else
    return false;
  return true;
}

} // namespace ksmsim

namespace ksmsim {

// ksm_attrs (mm/ksm.c:2381), CONFIG_NUMA.
const std::vector<std::string> &Ksm::sysfs_files() const {
  static const std::vector<std::string> files = {
      "sleep_millisecs", "pages_to_scan",  "run",        "pages_shared",      "pages_sharing",
      "pages_unshared",  "pages_volatile", "full_scans", "merge_across_nodes"};
  return files;
}

} // namespace ksmsim
