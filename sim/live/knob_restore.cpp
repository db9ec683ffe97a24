// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/knob_restore.h"

#include <cerrno>
#include <fmt/format.h>
#include <thread>

#include "sim/live/live_sysfs.h"

namespace ksmsim::live {

std::string KnobFailure::text() const {
  return fmt::format("{}={}: {}", knob, value, errno_str(err));
}

namespace {

int write_until(const KnobWriter &write, const std::string &name, const std::string &value,
                std::chrono::steady_clock::time_point until, std::chrono::milliseconds pause) {
  for (;;) {
    int r = write(name, value);
    if ((r != -EBUSY && r != -EINTR) || std::chrono::steady_clock::now() >= until)
      return r;
    std::this_thread::sleep_for(pause);
  }
}

} // namespace

std::vector<KnobFailure> restore_knobs(const Knobs &knobs, const KnobWriter &write,
                                       std::chrono::milliseconds busy_for,
                                       std::chrono::milliseconds pause) {
  std::vector<KnobFailure> failures;
  auto until = std::chrono::steady_clock::now() + busy_for; // for all of them together
  const std::pair<std::string, std::string> *run = nullptr;
  for (const auto &knob : knobs)
    if (knob.first == "run")
      run = &knob;
  if (run)
    if (int r = write_until(write, "run", "2", until, pause))
      failures.push_back({"run", "2", -r});
  for (const auto &[name, value] : knobs)
    if (name != "run")
      if (int r = write_until(write, name, value, until, pause))
        failures.push_back({name, value, -r});
  if (run)
    if (int r = write_until(write, "run", run->second, until, pause))
      failures.push_back({"run", run->second, -r});
  return failures;
}

} // namespace ksmsim::live
