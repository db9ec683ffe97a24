// SPDX-License-Identifier: GPL-2.0-only
#include "sim/io/scenario_paths.h"

#include <algorithm>
#include <filesystem>

namespace ksmsim::io {

namespace fs = std::filesystem;

namespace {

bool is_yaml(const fs::directory_entry &e) {
  std::error_code ec;
  const std::string name = e.path().filename().string();
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0 && e.is_regular_file(ec);
}

// Every *.yaml under dir, sorted; "" or what went wrong.
std::string yaml_under(const std::string &dir, std::vector<std::string> &out) {
  std::error_code ec;
  std::vector<std::string> found;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec))
    if (is_yaml(*it))
      found.push_back(it->path().string());
  if (ec)
    return dir + ": " + ec.message();
  if (found.empty())
    return dir + ": a directory without any *.yaml scenario";
  std::sort(found.begin(), found.end()); // std::string compares bytes as unsigned char
  out.insert(out.end(), found.begin(), found.end());
  return "";
}

} // namespace

ScenarioPaths scenario_paths(const std::vector<std::string> &args) {
  ScenarioPaths p;
  for (const std::string &arg : args) {
    std::error_code ec;
    if (arg != "-" && fs::is_directory(arg, ec)) {
      p.had_directory = true;
      if (std::string err = yaml_under(arg, p.files); !err.empty()) {
        p.error = err;
        return p;
      }
    } else {
      p.files.push_back(arg); // a missing file is the run's error (exit 2), as for one FILE
    }
  }
  return p;
}

} // namespace ksmsim::io
