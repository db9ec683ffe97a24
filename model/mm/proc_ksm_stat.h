// SPDX-License-Identifier: GPL-2.0-only
//
// 6.x fs/proc/base.c's per-process KSM figures, read from mm_struct:
// /proc/PID/ksm_stat (proc_pid_ksm_stat) and /proc/PID/ksm_merging_pages.
// A port of a kernel that has them answers KsmProfile::mm_stat with this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/mm/mm_types.h"

namespace ksmsim {

// The figures of /proc/PID/ksm_stat, in the order it prints them:
// ksm_rmap_items, ksm_zero_pages, ksm_merging_pages, ksm_process_profit,
// ksm_merge_any, ksm_mergeable (the last two "yes"/"no": 1/0 here).
const std::vector<std::string> &proc_pid_ksm_stat_names();

// The figure `name` of mm, as proc_pid_ksm_stat prints it; false for a name
// it does not print. ksm_process_profit is mm/ksm.c's
// (ksm_merging_pages + ksm_zero_pages) * PAGE_SIZE - ksm_rmap_items *
// sizeof(struct ksm_rmap_item), with that size the port's (rmap_item_size).
bool proc_pid_ksm_stat(const mm_struct *mm, std::string_view name, std::size_t rmap_item_size,
                       std::int64_t *value);

// ksm_process_mergeable (mm/ksm.c, CONFIG_PROC_FS): any vma is VM_MERGEABLE.
bool ksm_process_mergeable(const mm_struct *mm);

} // namespace ksmsim
