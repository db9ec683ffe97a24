// SPDX-License-Identifier: GPL-2.0-only
//
// A tracing instance of ksmsim's own (TRACING/instances/ksmsim-PID, as
// trace-cmd makes them): the ksm events are enabled there only and the
// trace is read from its own ring buffer, so the global buffer, tracer and
// event enables of the machine are never touched.
#pragma once

#include <string>

namespace ksmsim::live {

class TraceInstance {
public:
  // The path it will have: TRACING/instances/ksmsim-PID.
  static std::string path_for(const std::string &tracing_dir);
  explicit TraceInstance(std::string path) : path_(std::move(path)) {}
  // mkdir (an instance of our own name already there is a dead ksmsim's
  // with our pid: it is reused), then its buffer cleared and every ksm
  // event enabled in it: "" or what failed.
  std::string start();
  // Tracing off in the instance, and its trace.
  std::string stop_and_read();
  // rmdir (retried while busy): "" or what failed. On a directory that is
  // not tracefs (the tests' stand-in) its files go with it.
  std::string remove();
  const std::string &path() const { return path_; }

private:
  std::string path_;
  bool made_ = false;
};

// Remove an instance left by a killed recording: "" or what failed.
std::string remove_instance(const std::string &path);

} // namespace ksmsim::live
