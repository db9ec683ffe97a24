// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/other_users.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <regex>
#include <sstream>

#include "sim/live/live_sysfs.h"

namespace ksmsim::live {

std::string OtherUsers::text() const {
  std::string out = fmt::format("pages_shared={}, pages_sharing={}", pages_shared, pages_sharing);
  if (!pids.empty())
    out += fmt::format("; processes using KSM: {}", fmt::join(pids, " "));
  return out;
}

OtherUsers find_other_users(const std::string &ksm_dir, const std::string &proc_dir) {
  OtherUsers u;
  u.pages_shared = std::strtoull(read_text(ksm_dir + "/pages_shared").c_str(), nullptr, 10);
  u.pages_sharing = std::strtoull(read_text(ksm_dir + "/pages_sharing").c_str(), nullptr, 10);
  std::error_code ec;
  for (const auto &e : std::filesystem::directory_iterator(proc_dir, ec)) {
    std::string name = e.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit))
      continue;
    std::istringstream stat(read_text(e.path().string() + "/ksm_stat"));
    bool uses = false;
    for (std::string key, val; stat >> key >> val;)
      uses |= (key == "ksm_rmap_items" && val != "0") ||
              (key == "ksm_merging_pages" && val != "0") ||
              ((key == "ksm_mergeable:" || key == "ksm_merge_any:") && val == "yes");
    if (uses)
      u.pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  std::sort(u.pids.begin(), u.pids.end());
  return u;
}

std::vector<std::string> foreign_mms(const std::string &trace, const std::set<pid_t> &pids) {
  static const std::regex task(R"(^\s*\S.*?-(\d+)\s+\[\d+\])");
  static const std::regex mm(R"(\bmm=(\w+))");
  std::set<std::string> ours, all;
  std::istringstream in(trace);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), mm); it != std::sregex_iterator();
         ++it)
      all.insert((*it)[1]);
    std::smatch m, t;
    if (line.find("ksm_enter:") != std::string::npos && std::regex_search(line, t, task) &&
        pids.count(static_cast<pid_t>(std::stol(t[1]))) && std::regex_search(line, m, mm))
      ours.insert(m[1]);
  }
  std::vector<std::string> out;
  std::set_difference(all.begin(), all.end(), ours.begin(), ours.end(), std::back_inserter(out));
  return out;
}

} // namespace ksmsim::live
