// SPDX-License-Identifier: GPL-2.0-only
//
// ksmsim's own exclusive lock over the live kernel's KSM: one recording at
// a time, so that two never save each other's settings as "original".
#pragma once

#include <memory>
#include <string>

namespace ksmsim::live {

class LiveLock {
public:
  // flock(LOCK_EX | LOCK_NB) on DIR/lock, then "PID COMMAND" written into
  // it. nullptr if another process holds it: *why names that process.
  static std::unique_ptr<LiveLock> take(const std::string &dir, const std::string &command,
                                        std::string *why);
  ~LiveLock();
  LiveLock(const LiveLock &) = delete;
  LiveLock &operator=(const LiveLock &) = delete;
  int fd() const { return fd_; }

private:
  explicit LiveLock(int fd) : fd_(fd) {}
  int fd_;
};

} // namespace ksmsim::live
