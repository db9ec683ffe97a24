// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_worker.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ksmsim::live {

namespace {

constexpr std::size_t kPage = 4096;

bool read_all(int fd, void *buf, std::size_t n) {
  auto *p = static_cast<char *>(buf);
  while (n) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR)
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
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR)
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
  while (sendmsg(sock, &msg, 0) < 0 && errno == EINTR) {
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
  while ((n = recvmsg(sock, &msg, 0)) < 0 && errno == EINTR) {
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

// The command loop of a worker process; never returns.
[[noreturn]] void serve(int sock) {
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

Worker Worker::spawn() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    close(sv[0]);
    serve(sv[1]);
  }
  close(sv[1]);
  return Worker(pid, sv[0]);
}

Reply Worker::send(const Command &c) {
  Reply r;
  if (!write_all(fd_, &c, sizeof c) || !recv_reply(fd_, &r, nullptr))
    r.result = -EPIPE;
  return r;
}

Worker Worker::fork_child(Reply *r) {
  Command c;
  c.op = Op::Fork;
  int fd = -1;
  if (!write_all(fd_, &c, sizeof c) || !recv_reply(fd_, r, &fd)) {
    r->result = -EPIPE;
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
  while (::read(fd_, &byte, 1) > 0) { // EOF: the process has exited (exit_mm before exit_files)
  }
  close(fd_);
  fd_ = -1;
  waitpid(pid_, nullptr, WNOHANG); // our own child: reap it; a forked one is reaped by its parent
}

void Worker::kill_now() {
  if (fd_ < 0)
    return;
  ::kill(pid_, SIGKILL);
  close(fd_);
  fd_ = -1;
  waitpid(pid_, nullptr, 0);
}

} // namespace ksmsim::live
