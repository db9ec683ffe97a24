// SPDX-License-Identifier: GPL-2.0-only
//
// What the tests of sim/inspect/ share: running a scenario file or text
// with dump and timeline options, and the bundled scenarios.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "sim/scenario/parser.h"

namespace inspect_test {

inline std::string source(const std::string &rel) {
  return std::string(KSMSIM_SOURCE_DIR) + "/" + rel;
}

inline ksmsim::RunResult run_file(const std::string &path, const ksmsim::RunOptions &opt) {
  return ksmsim::run_scenario(ksmsim::scenario::parse_file(path), opt);
}

inline ksmsim::RunResult run_text(const std::string &text, const ksmsim::RunOptions &opt) {
  return ksmsim::run_scenario(ksmsim::scenario::parse_text(text, "t.yaml"), opt);
}

// Whether the file's own `kernel: vX` line (if any) names a profile this
// build has: a scenario for a profile still being written is bundled but
// not run (CMakeLists.txt's KSMSIM_KERNEL_VERSIONS does the same for CTest).
inline bool built_kernel(const std::string &path) {
  std::ifstream in(path);
  std::string line;
  static const std::regex own("^kernel:[ ]*(v[0-9.]+)");
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_search(line, m, own))
      return std::find(ksmsim::scenario::detail::kKernelVersions.begin(),
                       ksmsim::scenario::detail::kKernelVersions.end(),
                       m[1].str()) != ksmsim::scenario::detail::kKernelVersions.end();
  return true;
}

// Every scenario `ksmsim run` replays (scenarios/explore/ holds inputs of
// `ksmsim explore`), sorted; those of a kernel without a profile here are
// left out.
inline std::vector<std::string> bundled_scenarios() {
  std::vector<std::string> out;
  for (const auto &e : std::filesystem::recursive_directory_iterator(source("scenarios"))) {
    std::string p = e.path().string();
    if (e.path().extension() == ".yaml" && p.find("/scenarios/explore/") == std::string::npos &&
        built_kernel(p))
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace inspect_test
