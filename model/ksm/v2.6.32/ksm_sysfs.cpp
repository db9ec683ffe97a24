// SPDX-License-Identifier: GPL-2.0-only
//
// The seed's /sys/kernel/mm/ksm: sleep_millisecs, pages_to_scan, run,
// max_kernel_pages, pages_shared, pages_sharing (ksm_attrs), parsed with
// 2.6.32's strict_strtoul.
#include <cerrno>
#include <climits>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/lib/oops.h"
#include "model/mm/kernel.h"

namespace ksmsim::v2_6_32 {

namespace {
// strict_strtoul(buf, 10, &val) of 2.6.32: simple_strtoul (no sign, no
// overflow check: it wraps), then only "\0" or one "\n" may follow.
int strict_strtoul(const std::string &cp, unsigned long *res) {
  if (cp.empty())
    return -EINVAL;
  unsigned long val = 0;
  std::size_t tail = 0;
  while (tail < cp.size() && cp[tail] >= '0' && cp[tail] <= '9')
    val = val * 10 + static_cast<unsigned long>(cp[tail++] - '0');
  if (tail == 0)
    return -EINVAL;
  if (tail == cp.size() || (cp.size() == tail + 1 && cp[tail] == '\n')) {
    *res = val;
    return 0;
  }
  return -EINVAL;
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
  int err = strict_strtoul(buf, &msecs);
  if (err || msecs > UINT_MAX)
    return -EINVAL;
  ksm_thread_sleep_millisecs = static_cast<unsigned>(msecs);
  return static_cast<long>(buf.size());
}

long Ksm::pages_to_scan_store(const std::string &buf) {
  unsigned long nr_pages;
  int err = strict_strtoul(buf, &nr_pages);
  if (err || nr_pages > UINT_MAX)
    return -EINVAL;
  ksm_thread_pages_to_scan = static_cast<unsigned>(nr_pages);
  return static_cast<long>(buf.size());
}

long Ksm::run_store(const std::string &buf) {
  KFUNC();
  unsigned long flags;
  int err = strict_strtoul(buf, &flags);
  if (err || flags > UINT_MAX)
    return -EINVAL;
  if (flags > KSM_RUN_UNMERGE)
    return -EINVAL;
  // KSM_RUN_MERGE sets ksmd running, and 0 stops it running.
  // KSM_RUN_UNMERGE stops it running and unmerges all rmap_items, breaking
  // COW to free the unswappable pages_shared (but leaves mm_slots on the
  // list for when ksmd may be set running again).
  mutex_lock();
  if (ksm_run != flags) {
    ksm_run = static_cast<unsigned>(flags);
    if (flags & KSM_RUN_UNMERGE)
      unmerge_and_remove_all_rmap_items();
  }
  mutex_unlock();
  if (flags & KSM_RUN_MERGE)
    wake_pending = true; // wake_up_interruptible(&ksm_thread_wait)
  return static_cast<long>(buf.size());
}

long Ksm::max_kernel_pages_store(const std::string &buf) {
  unsigned long nr_pages;
  int err = strict_strtoul(buf, &nr_pages);
  if (err)
    return -EINVAL;
  ksm_max_kernel_pages = nr_pages;
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
  else if (name == "max_kernel_pages")
    r = max_kernel_pages_store(buf);
  else if (name == "pages_shared" || name == "pages_sharing")
    r = -EACCES; // KSM_ATTR_RO: mode 0444
  else
    r = -ENOENT; // not in the seed's /sys/kernel/mm/ksm
  if (r < 0)
    k.trace_fmt("ksmsim_sysfs_error", "{} {}", name, errno_name(static_cast<int>(r)));
  return r;
}

bool Ksm::sysfs_show(const std::string &name, std::uint64_t *value) const {
  if (name == "sleep_millisecs")
    *value = ksm_thread_sleep_millisecs;
  else if (name == "pages_to_scan")
    *value = ksm_thread_pages_to_scan;
  else if (name == "run")
    *value = ksm_run;
  else if (name == "max_kernel_pages")
    *value = ksm_max_kernel_pages;
  else if (name == "pages_shared")
    *value = ksm_pages_shared;
  else if (name == "pages_sharing")
    *value = ksm_pages_sharing - ksm_pages_shared; // "%lu": as an unsigned long
  else
    return false;
  return true;
}

const std::vector<std::string> &Ksm::sysfs_files() const {
  static const std::vector<std::string> files = {
      "sleep_millisecs",  "pages_to_scan", "run",
      "max_kernel_pages", "pages_shared",  "pages_sharing"};
  return files;
}

} // namespace ksmsim::v2_6_32
