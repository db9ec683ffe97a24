// SPDX-License-Identifier: GPL-2.0-only
#include "sim/io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace ksmsim::io {

namespace {

std::string too_big() {
  return fmt::format("larger than the limit of {} bytes (64 MiB)", MAX_INPUT_BYTES);
}

// Reads fd to its end, at most MAX_INPUT_BYTES.
std::optional<std::string> read_all(int fd, std::string &why) {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      why = fmt::format("cannot read: {}", std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0)
      return text;
    if (text.size() + static_cast<std::size_t>(n) > MAX_INPUT_BYTES) {
      why = too_big();
      return std::nullopt;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
}

} // namespace

std::optional<std::string> read_input(const std::string &path, std::string &why) {
  if (path == "-")
    return read_all(STDIN_FILENO, why);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    why = "cannot read file";
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "cannot read file: not a regular file (give a file, or - for stdin)";
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(st.st_size) > MAX_INPUT_BYTES) {
    why = too_big();
    return std::nullopt;
  }
  // O_NONBLOCK: should the name have become a FIFO since stat, open()
  // must not wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    why = fmt::format("cannot read file: {}", std::strerror(errno));
    return std::nullopt;
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    why = "cannot read file: not a regular file (give a file, or - for stdin)";
    return std::nullopt;
  }
  std::optional<std::string> text = read_all(fd, why);
  ::close(fd);
  return text;
}

} // namespace ksmsim::io
