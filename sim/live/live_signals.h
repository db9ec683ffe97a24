// SPDX-License-Identifier: GPL-2.0-only
//
// While a recording changes the live kernel, every catchable signal whose
// default action ends the process (SIGHUP, SIGINT, SIGQUIT, SIGTERM,
// SIGALRM, SIGUSR1/2, SIGXCPU, SIGVTALRM, real-time signals...) ends the
// recording instead, so that everything is restored; SIGPIPE is ignored (a
// dead worker is an error on its socket). Handlers are installed without
// SA_RESTART: a blocking call returns EINTR and its loop looks at
// interrupted_by(). SIGKILL cannot be caught: the journal covers it.
#pragma once

#include <signal.h>

#include <vector>

namespace ksmsim::live {

class SignalGuard {
public:
  SignalGuard();  // install the handlers; interrupted_by() is 0
  ~SignalGuard(); // the dispositions as they were
  SignalGuard(const SignalGuard &) = delete;
  SignalGuard &operator=(const SignalGuard &) = delete;

private:
  std::vector<std::pair<int, struct sigaction>> old_;
};

// The signal that asked the recording to end, or 0.
int interrupted_by();
// The signals SignalGuard turns into an end of the recording.
const std::vector<int> &terminating_signals();
// In a worker process: every one of them back to its default, SIGPIPE too.
void default_signals();

} // namespace ksmsim::live
