// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "sim/live/live_sysfs.h"

namespace ksmsim::live {

std::unique_ptr<LiveLock> LiveLock::take(const std::string &dir, const std::string &command,
                                         std::string *why) {
  std::string path = dir + "/lock";
  // O_CLOEXEC is not enough: workers fork without exec, so they close it
  // themselves (an inherited descriptor would hold the lock past our end).
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *why = fmt::format("cannot open the lock {}: {}", path, errno_str(errno));
    return nullptr;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    std::string holder = read_text(path);
    *why = err == EWOULDBLOCK
               ? fmt::format("another ksmsim is recording on this kernel (pid and command: {}; "
                             "lock {}): wait for it to end",
                             holder.empty() ? "unknown" : holder, path)
               : fmt::format("cannot lock {}: {}", path, errno_str(err));
    return nullptr;
  }
  std::string text = fmt::format("{} {}\n", ::getpid(), command);
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
    // the lock is held all the same; only the note of who holds it is missing
  }
  return std::unique_ptr<LiveLock>(new LiveLock(fd));
}

LiveLock::~LiveLock() {
  if (::ftruncate(fd_, 0) != 0) {
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

} // namespace ksmsim::live
