// SPDX-License-Identifier: GPL-2.0-only
#include "tools/listings.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "ksmsim/runner.h"
#include "model/ksm/profile.h"
#include "model/lib/points.h"

namespace ksmsim::cli {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

std::string columns(const Rows &rows) {
  std::size_t width = 0;
  for (const auto &[name, text] : rows)
    width = std::max(width, name.size());
  std::string out;
  for (const auto &[name, text] : rows)
    out += fmt::format("{:<{}}  {}\n", name, width, text);
  return out;
}

} // namespace

std::string fix_description(const std::string &fix) {
  if (fix == "stale-stable-sweep")
    return "the old stable tree is swept (remove_all_stable_nodes) when unmerging or switching "
           "merge_across_nodes";
  if (fix == "unmerge-enter-at-tail")
    return "__ksm_enter inserts the new mm at the list tail while run is 2";
  if (fix == "unmerge-swapin-copy")
    return "a KSM page faulted back from the swap cache during unmerge is copied";
  if (fix == "uptodate-copy")
    return "a !PageUptodate page (a swap-in I/O error) is not copied";
  return "";
}

std::string kernel_list() {
  Rows rows;
  for (const std::string &version : ksm_versions()) {
    rows.emplace_back(version, ksm_version_description(version));
    if (version != "v3.9")
      continue;
    for (const std::string &fix : known_fix_names()) {
      std::string what = fix_description(fix);
      rows.emplace_back("v3.9 without " + fix,
                        "without the fix: " + (what.empty() ? "(not described)" : what));
    }
  }
  return columns(rows);
}

std::string point_list() {
  Rows rows;
  for (const PreemptionPoint &p : preemption_points())
    rows.emplace_back(p.name, p.where);
  return columns(rows);
}

} // namespace ksmsim::cli
