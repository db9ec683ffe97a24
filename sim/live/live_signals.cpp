// SPDX-License-Identifier: GPL-2.0-only
#include "sim/live/live_signals.h"

namespace ksmsim::live {

namespace {

volatile sig_atomic_t caught = 0;

void on_signal(int sig) {
  if (!caught)
    caught = sig;
}

} // namespace

const std::vector<int> &terminating_signals() {
  static const std::vector<int> sigs = [] {
    std::vector<int> v = {SIGHUP,  SIGINT,  SIGQUIT,   SIGTERM, SIGALRM, SIGUSR1, SIGUSR2,
                          SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,  SIGSTKFLT};
    for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
      v.push_back(s);
    return v;
  }();
  return sigs;
}

SignalGuard::SignalGuard() {
  caught = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigfillset(&sa.sa_mask);
  sa.sa_flags = 0; // no SA_RESTART
  for (int s : terminating_signals()) {
    struct sigaction old {};
    if (sigaction(s, &sa, &old) == 0)
      old_.emplace_back(s, old);
  }
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  if (sigaction(SIGPIPE, &ign, &old) == 0)
    old_.emplace_back(SIGPIPE, old);
}

SignalGuard::~SignalGuard() {
  for (const auto &[s, old] : old_)
    sigaction(s, &old, nullptr);
}

int interrupted_by() {
  return caught;
}

void default_signals() {
  for (int s : terminating_signals())
    signal(s, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
}

} // namespace ksmsim::live
