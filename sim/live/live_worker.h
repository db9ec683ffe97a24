// SPDX-License-Identifier: GPL-2.0-only
//
// A real process that `ksmsim record` drives: it does the mm operations of
// one scenario process (mmap, writes, reads, madvise, fork, exit,
// prctl(PR_SET_MEMORY_MERGE)) on the
// running kernel, one command at a time over a unix socket.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ksmsim::live {

enum class Op : int { Mmap, Munmap, Write, Read, Madvise, Fork, Exit, Prctl };

struct Command {
  Op op = Op::Exit;
  std::uint64_t addr = 0; // Munmap, Write, Read, Madvise
  std::uint64_t len = 0;  // bytes: Mmap, Munmap, Madvise
  int advice = 0;         // Madvise
  std::uint64_t word = 0; // Write: the 64-bit word repeated, big-endian; Prctl: arg2
  int poke_offset = -1;   // Write: a byte to change after, or -1
  int poke_byte = 0;
  bool set_word = true; // Write: false for a poke alone
};

struct Reply {
  long result = 0;         // 0 or -errno
  std::uint64_t value = 0; // Mmap: the address; Fork: the child's pid
};

class WorkerGroup;

class Worker {
public:
  Worker() = default;
  Worker(Worker &&o) noexcept { *this = std::move(o); }
  Worker &operator=(Worker &&o) noexcept;
  Worker(const Worker &) = delete;
  Worker &operator=(const Worker &) = delete;
  ~Worker();
  // A transport failure (the process died: killed, the OOM killer; or a
  // signal ended the recording) gives result -EPIPE and lost() true. The
  // socket never raises SIGPIPE (MSG_NOSIGNAL).
  Reply send(const Command &c); // Fork: the new worker is returned by fork_child
  Worker fork_child(Reply *r);  // the process forks; its child is a new worker
  void exit_and_wait();         // the process exits; returns once its mm is gone
  pid_t pid() const { return pid_; }
  bool alive() const { return fd_ >= 0; }
  bool lost() const { return lost_; }

private:
  friend class WorkerGroup;
  Worker(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  void close_socket();
  pid_t pid_ = -1;
  int fd_ = -1;
  bool lost_ = false;
};

// Every worker of a recording, forked ones too, is in a process group of
// the recording's own, and the recording is their subreaper: a worker
// whose parent worker ended is still our child. So all of them can be
// killed and reaped before the knobs go back (a KSM page still mapped makes
// the kernel refuse max_page_sharing with EBUSY).
class WorkerGroup {
public:
  WorkerGroup(); // PR_SET_CHILD_SUBREAPER on this process
  ~WorkerGroup() { kill_and_reap(); }
  // Start a new process (forked from this one) that waits for commands; it
  // dies with this one (PR_SET_PDEATHSIG) and holds no descriptor of ours.
  Worker spawn();
  // SIGKILL to every group, then reap until none is left, for at most
  // `limit`; returns the pids still there after it (none, normally).
  std::vector<pid_t> kill_and_reap(std::chrono::milliseconds limit = std::chrono::seconds(10));
  const std::vector<pid_t> &groups() const { return groups_; }

private:
  std::vector<pid_t> groups_; // process group ids, newest last
};

} // namespace ksmsim::live
