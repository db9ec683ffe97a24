// SPDX-License-Identifier: GPL-2.0-only
#include "sim/io/output_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>

namespace ksmsim::io {

namespace {

// The temporary files not yet renamed, for the signal handler: fixed
// storage, so that it only reads memory and calls unlink().
constexpr int kSlots = 64;
char g_paths[kSlots][PATH_MAX];
volatile std::sig_atomic_t g_used[kSlots];
std::mutex g_mutex;
bool g_installed = false;
constexpr std::array<int, 3> kSignals{SIGTERM, SIGINT, SIGHUP};

void unlink_registered() {
  for (int i = 0; i < kSlots; i++)
    if (g_used[i]) {
      ::unlink(g_paths[i]);
      g_used[i] = 0;
    }
}

extern "C" void on_fatal_signal(int sig) {
  unlink_registered();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

extern "C" void on_exit_cleanup() {
  unlink_registered();
}

void install_handlers() {
  if (g_installed)
    return;
  g_installed = true;
  for (int sig : kSignals) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
      continue; // nohup: stay ignored
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
  std::atexit(on_exit_cleanup);
}

int register_temp(const std::string &path) {
  std::lock_guard lock(g_mutex);
  install_handlers();
  if (path.size() >= PATH_MAX)
    return -1;
  for (int i = 0; i < kSlots; i++)
    if (!g_used[i]) {
      std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
      g_used[i] = 1;
      return i;
    }
  return -1;
}

void unregister_temp(int slot) {
  if (slot < 0)
    return;
  std::lock_guard lock(g_mutex);
  g_used[slot] = 0;
}

std::string error_text(const std::string &path, const std::string &why) {
  return fmt::format("cannot write {}: {}", path, why);
}

std::string same_name(const std::string &path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(path, ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : p.string();
}

// Is the output the same file as an input?
bool is_input(const std::string &path, const std::vector<std::string> &inputs) {
  struct stat out {};
  bool exists = ::stat(path.c_str(), &out) == 0;
  for (const std::string &in : inputs) {
    if (in == "-")
      continue;
    struct stat st {};
    if (exists && ::stat(in.c_str(), &st) == 0 && st.st_dev == out.st_dev &&
        st.st_ino == out.st_ino)
      return true;
    if (same_name(in) == same_name(path))
      return true;
  }
  return false;
}

// The descriptor that /dev/stdout, /dev/stderr, /dev/fd/N or
// /proc/self/fd/N name, or -1.
int fd_alias(const std::string &path) {
  if (path == "/dev/stdout")
    return STDOUT_FILENO;
  if (path == "/dev/stderr")
    return STDERR_FILENO;
  for (const char *prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    const std::size_t len = std::strlen(prefix);
    if (path.compare(0, len, prefix) != 0 || path.size() == len || path.size() > len + 6)
      continue;
    int n = 0;
    for (std::size_t i = len; i < path.size(); i++) {
      if (path[i] < '0' || path[i] > '9')
        return -1;
      n = n * 10 + (path[i] - '0');
    }
    return ::fcntl(n, F_GETFD) >= 0 ? n : -1;
  }
  return -1;
}

mode_t new_file_mode() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

} // namespace

OutputFile::OutputFile(const std::string &path, const std::vector<std::string> &inputs)
    : path_(path), target_(path) {
  if (path.empty())
    throw OutputError("an output path is empty");
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    straight_ = true;
    return;
  }
  // A name of one of this process's open files: written through that very
  // file description (at its offset, as the shell's redirection set it).
  if (int n = fd_alias(path); n >= 0) {
    fd_ = ::fcntl(n, F_DUPFD_CLOEXEC, 3);
    if (fd_ < 0)
      throw OutputError(error_text(path, std::strerror(errno)));
    straight_ = true;
    return;
  }
  if (is_input(path, inputs))
    throw OutputError(error_text(path, "it is an input of this command"));
  struct stat lst {};
  mode_t mode = new_file_mode();
  if (::lstat(path.c_str(), &lst) == 0) {
    struct stat st = lst;
    if (S_ISLNK(lst.st_mode)) {
      if (::stat(path.c_str(), &st) != 0)
        throw OutputError(error_text(path, "a symlink to a file that does not exist"));
      if (S_ISREG(st.st_mode)) {
        char real[PATH_MAX];
        if (!::realpath(path.c_str(), real))
          throw OutputError(error_text(path, std::strerror(errno)));
        target_ = real;
      }
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      fd_ = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (fd_ < 0)
        throw OutputError(error_text(path, std::strerror(errno)));
      straight_ = true;
      return;
    }
    if (!S_ISREG(st.st_mode))
      throw OutputError(error_text(path, "not a regular file, a character device or a FIFO"));
    mode = st.st_mode & 07777;
  }
  std::filesystem::path t(target_);
  std::string dir = t.has_parent_path() ? t.parent_path().string() : ".";
  std::string tmpl = fmt::format("{}/.{}.tmp.XXXXXX", dir, t.filename().string());
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  fd_ = ::mkostemp(buf.data(), O_CLOEXEC | O_NOFOLLOW);
  if (fd_ < 0)
    throw OutputError(error_text(path, std::strerror(errno)));
  temp_ = buf.data();
  slot_ = register_temp(temp_);
  if (slot_ < 0) {
    discard();
    throw OutputError(error_text(path, "too many outputs open at once"));
  }
  ::fchmod(fd_, mode);
}

OutputFile::~OutputFile() {
  if (!committed_)
    discard();
}

void OutputFile::discard() {
  if (fd_ >= 0 && !straight_)
    ::close(fd_);
  fd_ = -1;
  if (!temp_.empty())
    ::unlink(temp_.c_str());
  unregister_temp(slot_);
  slot_ = -1;
  temp_.clear();
}

void OutputFile::write(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw OutputError(error_text(path_, n < 0 ? std::strerror(errno) : "short write"));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

void OutputFile::commit() {
  if (straight_) {
    committed_ = true;
    if (fd_ != STDOUT_FILENO)
      ::close(fd_);
    fd_ = -1;
    return;
  }
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0 || ::rename(temp_.c_str(), target_.c_str()) != 0) {
    std::string why = std::strerror(errno);
    discard();
    throw OutputError(error_text(path_, why));
  }
  unregister_temp(slot_);
  slot_ = -1;
  temp_.clear();
  committed_ = true;
}

std::string write_output(const std::string &path, std::string_view text,
                         const std::vector<std::string> &inputs) {
  try {
    OutputFile f(path, inputs);
    f.write(text);
    f.commit();
  } catch (const OutputError &e) {
    return e.what();
  }
  return "";
}

std::string distinct_outputs(const std::vector<std::string> &paths) {
  for (std::size_t i = 0; i < paths.size(); i++)
    for (std::size_t j = i + 1; j < paths.size(); j++)
      if (!paths[i].empty() && paths[i] != "-" && is_input(paths[j], {paths[i]}))
        return fmt::format("{} is given as two outputs", paths[j]);
  return "";
}

} // namespace ksmsim::io
