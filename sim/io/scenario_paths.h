// SPDX-License-Identifier: GPL-2.0-only
//
// The scenarios `ksmsim run` is given: each argument is a file (or "-",
// stdin), taken as it is, or a directory, standing for every *.yaml file
// under it (recursively; symbolic links to directories are not followed),
// sorted by path bytewise. Arguments keep their order.
#pragma once

#include <string>
#include <vector>

namespace ksmsim::io {

struct ScenarioPaths {
  std::vector<std::string> files;
  bool had_directory = false; // an argument was a directory
  std::string error;          // non-empty: what is wrong (exit 2)
};

ScenarioPaths scenario_paths(const std::vector<std::string> &args);

} // namespace ksmsim::io
