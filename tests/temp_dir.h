// SPDX-License-Identifier: GPL-2.0-only
//
// A fresh temporary directory for a test (removed with everything in it),
// and reading a file whole: what the tests running the binary share.
#pragma once

#include "catch.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace test_files {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ksmsim-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    REQUIRE(mkdtemp(buf.data()) != nullptr);
    path = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string &name, const std::string &text) const {
    fs::path p = path / name;
    std::ofstream f(p, std::ios::binary);
    f << text;
    REQUIRE(f.good());
    return p;
  }
};

inline std::string slurp(const fs::path &p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

} // namespace test_files
