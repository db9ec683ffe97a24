// SPDX-License-Identifier: GPL-2.0-only
//
// A real process that `ksmsim record` drives: it does the mm operations of
// one scenario process (mmap, writes, reads, madvise, fork, exit) on the
// running kernel, one command at a time over a unix socket.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace ksmsim::live {

enum class Op : int { Mmap, Munmap, Write, Read, Madvise, Fork, Exit };

struct Command {
  Op op = Op::Exit;
  std::uint64_t addr = 0; // Munmap, Write, Read, Madvise
  std::uint64_t len = 0;  // bytes: Mmap, Munmap, Madvise
  int advice = 0;         // Madvise
  std::uint64_t word = 0; // Write: the 64-bit word repeated, big-endian
  int poke_offset = -1;   // Write: a byte to change after, or -1
  int poke_byte = 0;
  bool set_word = true; // Write: false for a poke alone
};

struct Reply {
  long result = 0;         // 0 or -errno
  std::uint64_t value = 0; // Mmap: the address; Fork: the child's pid
};

class Worker {
public:
  // Start a new process (forked from this one) that waits for commands.
  static Worker spawn();
  Worker() = default;
  Reply send(const Command &c); // Fork: the new worker is returned by fork_child
  Worker fork_child(Reply *r);  // the process forks; its child is a new worker
  void exit_and_wait();         // the process exits; returns once its mm is gone
  void kill_now();              // SIGKILL (on abort)
  pid_t pid() const { return pid_; }
  bool alive() const { return fd_ >= 0; }

private:
  Worker(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  pid_t pid_ = -1;
  int fd_ = -1;
};

} // namespace ksmsim::live
