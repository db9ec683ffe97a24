// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/knob_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>
#include <sstream>

#include "sim/live/live_sysfs.h"

namespace ksmsim::live {

namespace {

constexpr const char *kMagic = "ksmsim-journal 1";

bool usable_dir(const std::string &dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return false;
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(dir.c_str(), W_OK) == 0;
}

} // namespace

std::string state_dir(std::string *err) {
  for (const char *dir : {"/run/ksmsim", "/var/tmp/ksmsim"})
    if (usable_dir(dir))
      return dir;
  *err = "neither /run/ksmsim nor /var/tmp/ksmsim can be created to hold the journal";
  return "";
}

std::string journal_path(const std::string &dir) {
  return dir + "/journal";
}

std::string current_boot_id() {
  return read_text("/proc/sys/kernel/random/boot_id");
}

std::string journal_text(const Journal &j) {
  std::string out = fmt::format("{}\npid {}\ncommand {}\nboot_id {}\nksm_dir {}\ntracing_dir {}\n"
                                "instance {}\nmounted_tracefs {}\n",
                                kMagic, j.pid, j.command, j.boot_id, j.ksm_dir, j.tracing_dir,
                                j.instance, j.mounted_tracefs ? 1 : 0);
  for (const auto &[name, value] : j.knobs)
    out += fmt::format("knob {} {}\n", name, value);
  return out;
}

std::optional<Journal> parse_journal(const std::string &text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kMagic)
    return std::nullopt;
  Journal j;
  while (std::getline(in, line)) {
    std::size_t sp = line.find(' ');
    std::string key = line.substr(0, sp), rest = sp == std::string::npos ? "" : line.substr(sp + 1);
    if (key == "pid")
      j.pid = static_cast<pid_t>(std::strtol(rest.c_str(), nullptr, 10));
    else if (key == "command")
      j.command = rest;
    else if (key == "boot_id")
      j.boot_id = rest;
    else if (key == "ksm_dir")
      j.ksm_dir = rest;
    else if (key == "tracing_dir")
      j.tracing_dir = rest;
    else if (key == "instance")
      j.instance = rest;
    else if (key == "mounted_tracefs")
      j.mounted_tracefs = rest == "1";
    else if (key == "knob") {
      std::size_t v = rest.find(' ');
      if (v == std::string::npos)
        return std::nullopt;
      j.knobs.emplace_back(rest.substr(0, v), rest.substr(v + 1));
    } else
      return std::nullopt;
  }
  if (j.ksm_dir.empty())
    return std::nullopt;
  return j;
}

int write_journal(const std::string &path, const Journal &j) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return -errno;
  std::string text = journal_text(j);
  int err = 0;
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd) != 0)
    err = errno ? -errno : -EIO;
  ::close(fd);
  if (!err && ::rename(tmp.c_str(), path.c_str()) != 0)
    err = -errno;
  if (err) {
    ::unlink(tmp.c_str());
    return err;
  }
  std::string dir = path.substr(0, path.rfind('/'));
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd); // the rename itself is durable
    ::close(dfd);
  }
  return 0;
}

std::optional<Journal> read_journal(const std::string &path, std::string *err) {
  if (::access(path.c_str(), F_OK) != 0)
    return std::nullopt;
  std::optional<Journal> j = parse_journal(read_text(path) + "\n");
  if (!j)
    *err = fmt::format("{} is not a ksmsim journal that can be read", path);
  return j;
}

} // namespace ksmsim::live
