// SPDX-License-Identifier: GPL-2.0-only
//
// For tests that run the ksmsim binary: its exit code and output, and a
// directory of the test's own for the files it writes.
#pragma once

#include "catch.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <string>

namespace ksmsim::test {

struct CliOutput {
  int code = -1;
  std::string text; // stdout and stderr
};

// Runs the ksmsim binary with the given (already quoted) arguments.
inline CliOutput run_cli(const std::string &args) {
  const std::string cmd = fmt::format("'{}' {} 2>&1", KSMSIM_BINARY, args);
  FILE *p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  CliOutput o;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;)
    o.text.append(buf, n);
  const int status = pclose(p);
  REQUIRE(WIFEXITED(status));
  o.code = WEXITSTATUS(status);
  return o;
}

// Removed, with what the test wrote in it, when the test ends.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string &tag)
      : path(std::filesystem::temp_directory_path() / fmt::format("ksmsim-{}-{}", tag, getpid())) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  // The file's path, quoted for the shell.
  std::string file(const std::string &name) const { return "'" + (path / name).string() + "'"; }
  std::string slurp(const std::string &name) const {
    std::ifstream f(path / name, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }
};

} // namespace ksmsim::test
