// SPDX-License-Identifier: GPL-2.0-only
//
// The factory of KSM ports by version, and what --list-kernels says of each.
#include "model/ksm/profile.h"

#include <algorithm>
#include <stdexcept>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/ksm/v6.15/ksm.h"
#include "model/mm/kernel.h"

namespace ksmsim {

bool KsmProfile::has_sysfs_file(const std::string &name) const {
  const std::vector<std::string> &f = sysfs_files();
  return std::find(f.begin(), f.end(), name) != f.end();
}

bool KsmProfile::mm_stat(const mm_struct *mm, std::string_view name, std::int64_t *value) const {
  const bool rmap_items = name == "ksm_rmap_items";
  if (!rmap_items && name != "merged")
    return false;
  std::uint64_t sum = 0;
  for (const SlotFigures &f : slot_figures())
    if (f.mm == mm)
      sum += rmap_items ? f.rmap_items : f.merged;
  *value = static_cast<std::int64_t>(sum);
  return true;
}

bool KsmProfile::has_mm_stat(std::string_view name) const {
  return name == "ksm_rmap_items" || name == "merged";
}

const std::vector<std::string> &ksm_versions() {
  static const std::vector<std::string> v = {"v3.9", "v2.6.32", "v6.15"};
  return v;
}

std::string ksm_version_description(const std::string &version) {
  if (version == "v3.9")
    return "Linux 3.9's mm/ksm.c with every fix (the default)";
  if (version == "v2.6.32")
    return "the seed: mm/ksm.c as first merged (2.6.32 development, the first mainline KSM "
           "commit), not the 2.6.32 release: a stable tree of rmap_items, max_kernel_pages, KSM "
           "pages never swapped or migrated";
  if (version == "v6.15")
    return "Linux 6.15's mm/ksm.c: stable_node chains and dups, use_zero_pages, smart_scan, "
           "the scan-time advisor";
  return "";
}

std::unique_ptr<KsmProfile> make_ksm_profile(Kernel &k, const KernelProfile &profile) {
  if (profile.version == "v3.9")
    return std::make_unique<Ksm>(k);
  if (profile.version == "v2.6.32")
    return std::make_unique<v2_6_32::Ksm>(k);
  if (profile.version == "v6.15")
    return std::make_unique<v6_15::Ksm>(k);
  throw std::invalid_argument("unknown kernel version '" + profile.version + "'");
}

Ksm *ksm_v3_9(Kernel &k) {
  return dynamic_cast<Ksm *>(&k.ksm);
}
const Ksm *ksm_v3_9(const Kernel &k) {
  return dynamic_cast<const Ksm *>(&k.ksm);
}

namespace v6_15 {
Ksm *ksm_v6_15(Kernel &k) {
  return dynamic_cast<Ksm *>(&k.ksm);
}
const Ksm *ksm_v6_15(const Kernel &k) {
  return dynamic_cast<const Ksm *>(&k.ksm);
}
} // namespace v6_15

} // namespace ksmsim
