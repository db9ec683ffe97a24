// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_worker.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sim/live/live_signals.h"

namespace ksmsim::live {

namespace {

constexpr std::size_t kPage = 4096;

bool read_all(int fd, void *buf, std::size_t n) {
  auto *p = static_cast<char *>(buf);
  while (n) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR && !interrupted_by())
      continue;
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const void *buf, std::size_t n) {
  const auto *p = static_cast<const char *>(buf);
  while (n) {
    ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR && !interrupted_by())
      continue;
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// Send a reply, with a file descriptor attached when fd >= 0.
void send_reply(int sock, const Reply &r, int fd) {
  msghdr msg{};
  iovec iov{const_cast<Reply *>(&r), sizeof r};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

bool recv_reply(int sock, Reply *r, int *fd) {
  msghdr msg{};
  iovec iov{r, sizeof *r};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  ssize_t n;
  while ((n = recvmsg(sock, &msg, 0)) < 0 && errno == EINTR && !interrupted_by()) {
  }
  if (n != static_cast<ssize_t>(sizeof *r))
    return false;
  if (fd) {
    *fd = -1;
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        std::memcpy(fd, CMSG_DATA(c), sizeof *fd);
  }
  return true;
}

void fill_page(unsigned char *p, const Command &c) {
  if (c.set_word)
    for (std::size_t i = 0; i < kPage; i++)
      p[i] = static_cast<unsigned char>(c.word >> (56 - 8 * (i % 8)));
  if (c.poke_offset >= 0)
    p[c.poke_offset] = static_cast<unsigned char>(c.poke_byte);
}

// The scenario's own areas, [start, end): a forked worker inherits its
// parent's list with the copy of its memory.
std::vector<std::pair<std::uint64_t, std::uint64_t>> scenario_areas;

// prctl(PR_SET_MEMORY_MERGE, 1) makes every compatible vma of the process
// mergeable: a simulated process has only the scenario's areas, while this
// worker also has its heap, stack and libraries' data (on the first live
// run, 226 rmap_items of them against 10). So every range that is not the
// scenario's is made unmergeable again (ksmd is paused while steps run: no
// scan has seen them). MMF_VM_MERGE_ANY stays set, as in the simulation.
void unmerge_all_but_scenario_areas() {
  FILE *maps = std::fopen("/proc/self/maps", "r");
  if (!maps)
    return;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  char line[512];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long long a = 0, b = 0;
    if (std::sscanf(line, "%llx-%llx", &a, &b) == 2 && b <= 0x800000000000ULL)
      ranges.emplace_back(a, b);
  }
  std::fclose(maps);
  for (auto [a, b] : ranges) {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces = {{a, b}};
    for (auto [s, e] : scenario_areas) {
      std::vector<std::pair<std::uint64_t, std::uint64_t>> next;
      for (auto [x, y] : pieces) {
        if (e <= x || s >= y) {
          next.emplace_back(x, y);
          continue;
        }
        if (x < s)
          next.emplace_back(x, s);
        if (e < y)
          next.emplace_back(e, y);
      }
      pieces = std::move(next);
    }
    for (auto [x, y] : pieces)
      madvise(reinterpret_cast<void *>(x), y - x, MADV_UNMERGEABLE); // EINVAL, ENOMEM: no matter
  }
}

// The command loop of a worker process; never returns.
[[noreturn]] void serve(int sock) {
  default_signals();        // ended by the recording, not by a handler of its
  signal(SIGCHLD, SIG_IGN); // forked workers are reaped by the kernel
  for (Command c; read_all(sock, &c, sizeof c);) {
    Reply r;
    int pass_fd = -1;
    switch (c.op) {
    case Op::Mmap: {
      void *p = mmap(nullptr, c.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED)
        r.result = -errno;
      else
        r.value = reinterpret_cast<std::uint64_t>(p);
      if (p != MAP_FAILED)
        scenario_areas.emplace_back(r.value, r.value + c.len);
      break;
    }
    case Op::Munmap:
      r.result = munmap(reinterpret_cast<void *>(c.addr), c.len) ? -errno : 0;
      break;
    case Op::Write:
      fill_page(reinterpret_cast<unsigned char *>(c.addr), c);
      break;
    case Op::Read:
      r.value = *reinterpret_cast<volatile unsigned char *>(c.addr);
      break;
    case Op::Madvise:
      r.result = madvise(reinterpret_cast<void *>(c.addr), c.len, c.advice) ? -errno : 0;
      break;
    case Op::Fork: {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
        r.result = -errno;
        break;
      }
      pid_t pid = fork();
      if (pid == 0) {
        close(sv[0]);
        close(sock);
        serve(sv[1]);
      }
      close(sv[1]);
      if (pid < 0) {
        r.result = -errno;
        close(sv[0]);
        break;
      }
      r.value = static_cast<std::uint64_t>(pid);
      pass_fd = sv[0];
      break;
    }
    case Op::Prctl: // PR_SET_MEMORY_MERGE (67, Linux 6.4+): EINVAL before
      r.result = prctl(67, static_cast<unsigned long>(c.word), 0UL, 0UL, 0UL) ? -errno : 0;
      if (r.result == 0 && c.word)
        unmerge_all_but_scenario_areas();
      break;
    case Op::Exit:
      _exit(0);
    }
    send_reply(sock, r, pass_fd);
    if (pass_fd >= 0)
      close(pass_fd);
  }
  _exit(0);
}

} // namespace

Worker &Worker::operator=(Worker &&o) noexcept {
  if (this != &o) {
    close_socket();
    pid_ = o.pid_;
    fd_ = o.fd_;
    lost_ = o.lost_;
    o.fd_ = -1;
  }
  return *this;
}

Worker::~Worker() {
  close_socket();
}

void Worker::close_socket() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

Reply Worker::send(const Command &c) {
  Reply r;
  if (fd_ < 0 || !write_all(fd_, &c, sizeof c) || !recv_reply(fd_, &r, nullptr)) {
    r.result = -EPIPE;
    lost_ = true;
  }
  return r;
}

Worker Worker::fork_child(Reply *r) {
  Command c;
  c.op = Op::Fork;
  int fd = -1;
  if (fd_ < 0 || !write_all(fd_, &c, sizeof c) || !recv_reply(fd_, r, &fd)) {
    r->result = -EPIPE;
    lost_ = true;
    return Worker();
  }
  if (r->result)
    return Worker();
  return Worker(static_cast<pid_t>(r->value), fd);
}

void Worker::exit_and_wait() {
  if (fd_ < 0)
    return;
  Command c;
  c.op = Op::Exit;
  write_all(fd_, &c, sizeof c);
  char byte;
  for (;;) { // EOF: the process has exited (exit_mm before exit_files)
    ssize_t n = ::read(fd_, &byte, 1);
    if (n > 0 || (n < 0 && errno == EINTR && !interrupted_by()))
      continue;
    break;
  }
  close_socket();
  waitpid(pid_, nullptr, WNOHANG); // our own child: reap it; the rest are reaped by kill_and_reap
}

WorkerGroup::WorkerGroup() {
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

Worker WorkerGroup::spawn() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(sv[0]);
    close(sv[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
      _exit(1);
    // No descriptor of ksmsim's (the lock, other workers' sockets) stays open here.
    if (sv[1] != 3 && dup2(sv[1], 3) != 3)
      _exit(1);
    close_range(4, ~0U, 0);
    serve(3);
  }
  close(sv[1]);
  // The child does nothing before its first command: join it to the group
  // here (the first group, or a new one if every member of that is gone).
  if (groups_.empty() || setpgid(pid, groups_.back()) != 0) {
    setpgid(pid, pid);
    groups_.push_back(pid);
  }
  return Worker(pid, sv[0]);
}

std::vector<pid_t> WorkerGroup::kill_and_reap(std::chrono::milliseconds limit) {
  for (pid_t g : groups_)
    ::kill(-g, SIGKILL);
  auto until = std::chrono::steady_clock::now() + limit;
  std::vector<pid_t> left;
  for (;;) {
    left.clear();
    for (pid_t g : groups_) {
      pid_t r;
      while ((r = waitpid(-g, nullptr, WNOHANG)) > 0) {
      }
      // A child not dead yet, or a member not yet reparented to us.
      if (r == 0 || ::kill(-g, 0) == 0) {
        ::kill(-g, SIGKILL);
        left.push_back(g);
      }
    }
    if (left.empty() || std::chrono::steady_clock::now() >= until)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  groups_ = left;
  return left;
}

} // namespace ksmsim::live
