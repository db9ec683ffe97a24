// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/trace_instance.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <thread>

#include "sim/live/live_sysfs.h"

namespace ksmsim::live {

namespace {
constexpr long kTracefsMagic = 0x74726163; // TRACEFS_MAGIC
} // namespace

std::string TraceInstance::path_for(const std::string &tracing_dir) {
  return fmt::format("{}/instances/ksmsim-{}", tracing_dir, ::getpid());
}

std::string TraceInstance::start() {
  if (::mkdir(path_.c_str(), 0755) != 0 && errno != EEXIST)
    return fmt::format("cannot create the tracing instance {}: {}", path_, errno_str(errno));
  made_ = true;
  if (int r = write_text(path_ + "/tracing_on", "0"))
    return fmt::format("{}/tracing_on: {}", path_, errno_str(r));
  if (int r = write_text(path_ + "/trace", "", O_TRUNC)) // this instance's buffer only
    return fmt::format("{}/trace: {}", path_, errno_str(r));
  if (int r = write_text(path_ + "/events/ksm/enable", "1"))
    return fmt::format("{}/events/ksm/enable: {} (no ksm tracepoints?)", path_, errno_str(r));
  if (int r = write_text(path_ + "/tracing_on", "1"))
    return fmt::format("{}/tracing_on: {}", path_, errno_str(r));
  return "";
}

std::string TraceInstance::stop_and_read() {
  write_text(path_ + "/tracing_on", "0");
  return read_text(path_ + "/trace") + "\n";
}

std::string TraceInstance::remove() {
  if (!made_)
    return "";
  made_ = false;
  return remove_instance(path_);
}

std::string remove_instance(const std::string &path) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT)
      return "";
    int err = errno;
    struct statfs fs;
    if (err == ENOTEMPTY && ::statfs(path.c_str(), &fs) == 0 && fs.f_type != kTracefsMagic) {
      std::error_code ec; // a plain directory standing in for tracefs
      std::filesystem::remove_all(path, ec);
      return ec ? fmt::format("cannot remove {}: {}", path, ec.message()) : "";
    }
    if (err != EBUSY || std::chrono::steady_clock::now() >= until)
      return fmt::format("cannot remove the tracing instance {}: {}", path, errno_str(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace ksmsim::live
