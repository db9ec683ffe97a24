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

// Runs a shell command: its exit code and what it wrote to stdout.
inline CliOutput run_shell(const std::string &cmd) {
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

// Runs the ksmsim binary with the given (already quoted) arguments.
inline CliOutput run_cli(const std::string &args) {
  return run_shell(fmt::format("'{}' {} 2>&1", KSMSIM_BINARY, args));
}

struct SplitOutput {
  int code = -1;
  std::string out, err;
};

// Runs the ksmsim binary with the given (already quoted) arguments, which
// may redirect stdin, with stdout and stderr apart (through files in dir;
// with cd, the command runs in dir).
inline SplitOutput run_split(const std::filesystem::path &dir, const std::string &args, bool cd) {
  static int n = 0;
  const std::filesystem::path out = dir / ("stdout." + std::to_string(n));
  const std::filesystem::path err = dir / ("stderr." + std::to_string(n));
  n++;
  const std::string cmd = (cd ? "cd '" + dir.string() + "' && " : std::string()) + "'" +
                          KSMSIM_BINARY + "' " + args + " >'" + out.string() + "' 2>'" +
                          err.string() + "'";
  const int status = std::system(cmd.c_str());
  REQUIRE(status != -1);
  REQUIRE(WIFEXITED(status));
  auto slurp = [](const std::filesystem::path &f) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  SplitOutput r{WEXITSTATUS(status), slurp(out), slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
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
