// SPDX-License-Identifier: GPL-2.0-only
#include "sim/run/engine.h"

#include <fmt/format.h>

#include <algorithm>

namespace ksmsim {

namespace {
// on_batch(true) now, on_batch(false) when the batch is left.
struct BatchHook {
  explicit BatchHook(const std::function<void(bool)> &f) : f(f) {
    if (f)
      f(true);
  }
  ~BatchHook() {
    if (f)
      f(false);
  }
  const std::function<void(bool)> &f;
};
} // namespace

void Engine::schedule_ksmd(std::uint64_t t) {
  events_.push({t, seq_++});
}

void Engine::deliver_wakeups() {
  if (!k_.ksm.wake_pending)
    return;
  k_.ksm.wake_pending = false;
  // A ksmd in schedule_timeout is not on ksm_thread_wait: only a waiting
  // one is woken, and it goes on only if ksmd_should_run().
  if (ksmd_waiting_ && k_.ksm.ksmd_should_run()) {
    ksmd_waiting_ = false;
    schedule_ksmd(std::max(k_.now_us, busy_until_)); // not before its last batch ended
  }
}

void Engine::time_budget(std::uint64_t t) const {
  throw BudgetExceeded{fmt::format("virtual time would reach {} ms, past the budget of {} ms "
                                   "(--max-virtual-time)",
                                   t / 1000, max_time_ / 1000)};
}

void Engine::set_cost_model(const CostModel *m) {
  cost_ = m;
  if (m)
    k_.ksm.ksmd_runtime_ns = [this] { return busy_.cpu_ps / 1000; };
  else
    k_.ksm.ksmd_runtime_ns = nullptr;
  if (KsmOps *ops = k_.ksm.operation_counts())
    ops->count_bytes = m != nullptr;
}

void Engine::scan_now(unsigned n) {
  Task saved = k_.current;
  k_.current = Task{"ksmd", KSMD_PID, 1};
  FrameGuard frame("ksm_scan_thread");
  k_.ksm.mutex_lock();
  bool scanned = false;
  if (k_.ksm.ksmd_should_run()) {
    KsmOps *ops = k_.ksm.operation_counts();
    const KsmOps before = ops ? *ops : KsmOps{};
    {
      BatchHook hook(on_batch);
      k_.ksm.ksm_do_scan(n);
    }
    scanned = true;
    if (cost_ && ops) {
      std::uint64_t sharing = 0;
      k_.ksm.sysfs_show("pages_sharing", &sharing);
      busy_until_ =
          busy_.add_batch(k_.now_us, batch_cost_ps(*cost_, before, *ops), before, *ops, sharing);
    }
  }
  k_.ksm.mutex_unlock();
  k_.current = saved;
  if (scanned && after_batch)
    after_batch();
}

void Engine::ksm_scan_thread_iteration() {
  if (++batches_ > max_batches_)
    throw BudgetExceeded{
        fmt::format("ksmd would run more than {} batches (--max-ksmd-batches)", max_batches_)};
  scan_now(k_.ksm.thread_pages_to_scan());
  if (k_.ksm.ksmd_should_run()) {
    // schedule_timeout_interruptible(msecs_to_jiffies(sleep_millisecs));
    // 0 is modelled as one jiffy (1 ms), so virtual time always advances.
    std::uint64_t ms = std::max<std::uint64_t>(1, k_.ksm.thread_sleep_millisecs());
    if (cost_) // after the batch's busy time, and the sleep's overshoot
      schedule_ksmd(std::max(k_.now_us, busy_until_) + ms * 1000 + cost_->sleep_ps / 1'000'000);
    else
      schedule_ksmd(k_.now_us + ms * 1000);
  } else {
    ksmd_waiting_ = true; // wait_event_freezable(ksm_thread_wait, ...)
  }
  k_.ksm.wake_pending = false; // a wake-up raised by ksmd itself finds it running
}

void Engine::run_event(const Event &e) {
  k_.now_us = std::max(k_.now_us, e.time);
  ksm_scan_thread_iteration();
}

void Engine::advance_to(std::uint64_t t) {
  if (t > max_time_)
    time_budget(t);
  deliver_wakeups();
  while (!events_.empty() && events_.top().time <= t) {
    Event e = events_.top();
    events_.pop();
    run_event(e);
  }
  k_.now_us = std::max(k_.now_us, t);
}

bool Engine::run_until(const std::function<bool()> &done, std::uint64_t deadline) {
  std::uint64_t wanted = deadline;
  deadline = std::min(deadline, max_time_);
  deliver_wakeups();
  bool ran = false;
  while (!done()) {
    if (events_.empty() || events_.top().time > deadline) {
      if (wanted > deadline)
        time_budget(wanted);
      k_.now_us = std::max(k_.now_us, deadline);
      return false;
    }
    Event e = events_.top();
    events_.pop();
    run_event(e);
    ran = true;
  }
  // What was waited for is done when the batch that did it ends.
  if (cost_ && ran && busy_until_ > k_.now_us) {
    if (busy_until_ > max_time_)
      time_budget(busy_until_);
    k_.now_us = busy_until_;
  }
  return true;
}

} // namespace ksmsim
