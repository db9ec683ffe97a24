// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_sysfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace ksmsim::live {

std::string read_text(const std::string &path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  std::string t = s.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
    t.pop_back();
  return t;
}

int write_text(const std::string &path, const std::string &value, int flags) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags);
  if (fd < 0)
    return -errno;
  std::string v = value + "\n";
  ssize_t n = ::write(fd, v.data(), v.size());
  int err = n < 0 ? -errno : 0;
  ::close(fd);
  return err;
}

bool is_regular_file(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string errno_str(int err) {
  if (err < 0)
    err = -err;
  const char *name = strerrorname_np(err);
  return name ? name : fmt::format("errno {}", err);
}

} // namespace ksmsim::live
