// SPDX-License-Identifier: GPL-2.0-only
//
// Virtual time and ksmd. Events are ordered by (time, insertion sequence);
// ksmd is a simulated kthread that behaves as ksm_scan_thread: take the
// mutex, scan pages_to_scan pages if ksmd_should_run(), then sleep
// sleep_millisecs, or wait on ksm_thread_wait until woken.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "model/mm/kernel.h"
#include "sim/cost/cost_model.h"
#include "sim/cost/ksmd_busy.h"

namespace ksmsim {

// A budget of the run passed (RunOptions): the run ends there.
struct BudgetExceeded {
  std::string what;
};

class Engine {
public:
  explicit Engine(Kernel &k) : k_(k) {}
  // Virtual time never passes max_time_us; ksmd runs at most max_batches
  // batches. Passing either throws BudgetExceeded.
  void set_budgets(std::uint64_t max_time_us, std::uint64_t max_batches) {
    max_time_ = max_time_us;
    max_batches_ = max_batches;
  }

  // Deliver a wake_up_interruptible(&ksm_thread_wait) raised by a step.
  void deliver_wakeups();
  // Advance virtual time to t, running every event due at or before t.
  void advance_to(std::uint64_t t);
  // Run events until done() holds or the next event is after deadline;
  // returns done(). Time ends at the last event run, or at deadline.
  bool run_until(const std::function<bool()> &done, std::uint64_t deadline);
  // With a cost model, each batch keeps ksmd busy for its cost (its effects
  // are there at its start: the steps run on other CPUs meanwhile); the
  // next batch begins sleep_millisecs (and the model's sleep) after it ends.
  // Without one (nullptr), a batch takes no time.
  void set_cost_model(const CostModel *m);
  const CostModel *cost_model() const { return cost_; }
  const KsmdBusy &busy() const { return busy_; }

  // ksmd's batch, of n pages, now (ksmsim step's `scan`): its timed wake-ups
  // stay as they are.
  void scan_now(unsigned n);

  static constexpr int KSMD_PID = 42;
  // Called with true as ksmd starts a batch (ksm_do_scan) and with false as
  // it ends, an oops unwinding it included (the trace's marks).
  std::function<void(bool)> on_batch;
  // Called after each ksmd batch (a ksm_do_scan), e.g. for a timeline row.
  std::function<void()> after_batch;

private:
  struct Event {
    std::uint64_t time;
    std::uint64_t seq;
    bool operator>(const Event &o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  void schedule_ksmd(std::uint64_t t);
  void run_event(const Event &e);
  void ksm_scan_thread_iteration();

  Kernel &k_;
  const CostModel *cost_ = nullptr;
  KsmdBusy busy_;
  std::uint64_t busy_until_ = 0; // the end of ksmd's last batch
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  std::uint64_t seq_ = 0;
  bool ksmd_waiting_ = true; // in wait_event_freezable, not in a timed sleep
  std::uint64_t max_time_ = UINT64_MAX, max_batches_ = UINT64_MAX, batches_ = 0;
  [[noreturn]] void time_budget(std::uint64_t t) const;
};

} // namespace ksmsim
