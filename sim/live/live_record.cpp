// SPDX-License-Identifier: GPL-2.0-only
//
// ksmsim record: the scenario's real-machine steps on the running kernel.
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "ksmsim/record.h"
#include "ksmsim/runner.h"
#include "sim/live/live_limits.h"
#include "sim/live/live_session.h"
#include "sim/live/live_signals.h"
#include "sim/live/live_sysfs.h"
#include "sim/live/live_worker.h"
#include "sim/live/other_users.h"
#include "sim/report/json_text.h"

namespace ksmsim {

using namespace scenario;

namespace {

using live::read_text;
using live::write_text;

bool interrupted() {
  return live::interrupted_by() != 0;
}

struct LiveProcess {
  std::string name;
  live::Worker worker;
  std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> regions; // vma -> start, pages
  bool exited = false;
};

class Recorder {
public:
  Recorder(const Scenario &s, const RecordOptions &opt) : s_(s), opt_(opt) {}
  RecordResult run();
  void record_steps(RecordResult &res);

private:
  struct Skip {
    std::string why;
  };
  struct Fail {
    int err;
    std::string what;
  };
  void step(const Step &st, StepRecord &rec);
  std::string initial_knobs();
  LiveProcess &proc(const std::string &name);
  // A command to a worker; a worker that died (killed, the OOM killer) or a
  // signal ending the recording makes the step fail, never ksmsim.
  live::Reply send(LiveProcess &p, const live::Command &c);
  void check_lost(LiveProcess &p);
  void add_worker(const std::string &name, live::Worker w);
  std::uint64_t addr(LiveProcess &p, const std::string &vma, std::uint32_t idx);
  std::vector<std::uint32_t> all_or(LiveProcess &p, const std::string &vma,
                                    const std::optional<PageSet> &pages);
  void madvise_pages(LiveProcess &p, const std::string &vma, const std::vector<std::uint32_t> &idx,
                     int advice);
  std::map<std::string, std::uint64_t> counters();
  std::uint64_t counter(const std::string &name); // from the recording's start, where boot's
  std::map<std::string, std::map<std::string, std::int64_t>> mm_stats();
  bool applies(const Expect &x) const;
  std::vector<std::string> check(const Expect &x);
  void sleep_ms(std::uint64_t ms);
  std::string ksm(const std::string &f) { return opt_.ksm_dir + "/" + f; }

  // Steps take no time in a scenario: ksmd runs only while time advances
  // (sleep, wait, at). So run=1 is applied only then, and run is 0 while
  // the other steps are done; `run` reads as the scenario set it.
  void write_run(const std::string &value);
  void resume_ksmd() {
    if (run_ == "1")
      write_text(ksm("run"), "1");
  }
  void pause_ksmd() {
    if (run_ == "1")
      write_text(ksm("run"), "0");
  }

  // Real time ends at the bound (--max-live-time) whatever the steps say.
  std::chrono::steady_clock::time_point deadline() const {
    return start_ + std::chrono::milliseconds(opt_.max_live_ms);
  }

  const Scenario &s_;
  const RecordOptions &opt_;
  std::string run_ = "0";
  live::WorkerGroup group_; // before procs_: its workers outlive their sockets
  std::map<std::string, LiveProcess> procs_;
  std::set<pid_t> pids_; // every worker's, for the trace's mms
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, std::uint64_t> base_; // counters that count from boot, at the start
};

live::Reply Recorder::send(LiveProcess &p, const live::Command &c) {
  live::Reply r = p.worker.send(c);
  check_lost(p);
  return r;
}

void Recorder::check_lost(LiveProcess &p) {
  if (p.worker.lost()) {
    if (interrupted())
      throw Fail{EINTR, "interrupted"};
    p.exited = true;
    throw Fail{EPIPE, fmt::format("process '{}' (pid {}) died", p.name, p.worker.pid())};
  }
}

void Recorder::add_worker(const std::string &name, live::Worker w) {
  pids_.insert(w.pid());
  LiveProcess &p = procs_[name];
  p = LiveProcess{};
  p.name = name;
  p.worker = std::move(w);
}

LiveProcess &Recorder::proc(const std::string &name) {
  auto it = procs_.find(name);
  if (it == procs_.end() || it->second.exited)
    throw Skip{fmt::format("process '{}' does not exist (it exited)", name)};
  return it->second;
}

std::uint64_t Recorder::addr(LiveProcess &p, const std::string &vma, std::uint32_t idx) {
  auto it = p.regions.find(vma);
  if (it == p.regions.end())
    throw Skip{fmt::format("vma '{}' was not mapped here", vma)};
  return it->second.first + std::uint64_t(idx) * 4096;
}

std::vector<std::uint32_t> Recorder::all_or(LiveProcess &p, const std::string &vma,
                                            const std::optional<PageSet> &pages) {
  if (pages)
    return pages->indexes();
  std::vector<std::uint32_t> all(p.regions.count(vma) ? p.regions[vma].second : 0);
  for (std::uint32_t i = 0; i < all.size(); i++)
    all[i] = i;
  return all;
}

void Recorder::madvise_pages(LiveProcess &p, const std::string &vma,
                             const std::vector<std::uint32_t> &idx, int advice) {
  for (auto [first, count] : page_runs(idx)) {
    live::Command c;
    c.op = live::Op::Madvise;
    c.addr = addr(p, vma, first);
    c.len = std::uint64_t(count) * 4096;
    c.advice = advice;
    if (long r = send(p, c).result)
      throw Fail{static_cast<int>(-r), "madvise"};
  }
}

std::uint64_t Recorder::counter(const std::string &name) {
  // strtoull reads general_profit's and ksm_zero_pages' "%ld" as two's
  // complement, as the simulation shows them
  std::uint64_t v = std::strtoull(read_text(ksm(name)).c_str(), nullptr, 10);
  auto b = base_.find(name);
  return b == base_.end() ? v : v - b->second;
}

std::map<std::string, std::uint64_t> Recorder::counters() {
  std::map<std::string, std::uint64_t> out;
  for (const char *f : CHECKPOINT_COUNTERS)
    out[f] = counter(f);
  out["run"] = std::strtoull(run_.c_str(), nullptr, 10);
  if (!opt_.pins_like_3_9())
    for (const char *f : CHECKPOINT_COUNTERS_6X)
      if (!read_text(ksm(f)).empty())
        out[f] = counter(f);
  return out;
}

std::map<std::string, std::map<std::string, std::int64_t>> Recorder::mm_stats() {
  std::map<std::string, std::map<std::string, std::int64_t>> out;
  for (const auto &[name, p] : procs_) {
    if (p.exited)
      continue;
    std::istringstream stat(read_text(fmt::format("/proc/{}/ksm_stat", p.worker.pid())));
    for (std::string key, val; stat >> key >> val;)
      for (const char *f : CHECKPOINT_MM_STATS)
        if (key == f)
          out[name][key] = std::strtoll(val.c_str(), nullptr, 10);
  }
  return out;
}

// if_kernel / if_not_kernel, for the profile compared with.
bool Recorder::applies(const Expect &x) const {
  auto has = [&](const std::vector<std::string> &v) {
    return std::find(v.begin(), v.end(), opt_.kernel) != v.end();
  };
  return (x.if_kernel.empty() || has(x.if_kernel)) && !has(x.if_not_kernel);
}

void Recorder::write_run(const std::string &value) {
  if (value == "1") { // applied when time next advances
    run_ = value;
    return;
  }
  if (int err = write_text(ksm("run"), value))
    throw Fail{-err, "write run"};
  run_ = value;
}

void Recorder::sleep_ms(std::uint64_t ms) {
  resume_ksmd();
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  bool bounded = until > deadline();
  until = std::min(until, deadline());
  while (!interrupted() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::uint64_t>(ms, 10)));
  pause_ksmd();
  if (bounded)
    throw Fail{ETIME, "the bound on live time (--max-live-time) was reached"};
}

// One page's state through /proc/PID/pagemap, /proc/kpageflags, /proc/kpagecount.
struct LivePage {
  bool present = false, swapped = false, ksm = false, zero = false;
  std::uint64_t mapcount = 0;
  int node = -1;
};

LivePage live_page(pid_t pid, std::uint64_t addr) {
  LivePage lp;
  std::uint64_t entry = 0;
  int fd = ::open(fmt::format("/proc/{}/pagemap", pid).c_str(), O_RDONLY);
  if (fd < 0)
    return lp;
  ::pread(fd, &entry, sizeof entry, static_cast<off_t>(addr / 4096 * 8));
  ::close(fd);
  lp.present = entry >> 63 & 1;
  lp.swapped = entry >> 62 & 1;
  std::uint64_t pfn = entry & ((1ULL << 55) - 1);
  if (!lp.present || !pfn)
    return lp;
  std::uint64_t flags = 0, count = 0;
  if ((fd = ::open("/proc/kpageflags", O_RDONLY)) >= 0) {
    ::pread(fd, &flags, sizeof flags, static_cast<off_t>(pfn * 8));
    ::close(fd);
  }
  if ((fd = ::open("/proc/kpagecount", O_RDONLY)) >= 0) {
    ::pread(fd, &count, sizeof count, static_cast<off_t>(pfn * 8));
    ::close(fd);
  }
  lp.ksm = flags >> 21 & 1;  // KPF_KSM
  lp.zero = flags >> 24 & 1; // KPF_ZERO_PAGE
  lp.mapcount = count;
  void *page = reinterpret_cast<void *>(addr);
  int status = -1;
  if (syscall(SYS_move_pages, pid, 1UL, &page, nullptr, &status, 0) == 0)
    lp.node = status;
  return lp;
}

std::vector<std::string> Recorder::check(const Expect &x) {
  std::vector<std::string> out;
  for (const auto &[name, expected] : x.counters) {
    std::string v = name == "run" ? run_ : read_text(ksm(name));
    if (v.empty())
      out.push_back(fmt::format("{}: no such file on this kernel", name));
    else if ((name == "run" ? std::strtoull(v.c_str(), nullptr, 10) : counter(name)) != expected)
      out.push_back(fmt::format("{}: expected {}, found {}", name, expected,
                                name == "run" ? v : std::to_string(counter(name))));
  }
  for (const MmExpect &me : x.mms) {
    auto it = procs_.find(me.mm);
    if (it == procs_.end() || it->second.exited)
      continue; // /proc/PID is gone with the process
    std::istringstream stat(read_text(fmt::format("/proc/{}/ksm_stat", it->second.worker.pid())));
    std::map<std::string, std::uint64_t> st;
    for (std::string key, val; stat >> key >> val;)
      st[key] = std::strtoull(val.c_str(), nullptr, 10);
    if (me.ksm_rmap_items && st["ksm_rmap_items"] != *me.ksm_rmap_items)
      out.push_back(fmt::format("mm {} ksm_rmap_items: expected {}, found {}", me.mm,
                                *me.ksm_rmap_items, st["ksm_rmap_items"]));
    if (me.merged && st["ksm_merging_pages"] != *me.merged)
      out.push_back(fmt::format("mm {} merged: expected {}, found {}", me.mm, *me.merged,
                                st["ksm_merging_pages"]));
  }
  for (const PageExpect &pe : x.pages) {
    LiveProcess &p = proc(pe.mm);
    LivePage lp = live_page(p.worker.pid(), addr(p, pe.vma, pe.page));
    std::string where = fmt::format("page {}/{}/{}", pe.mm, pe.vma, pe.page);
    bool present = lp.present && !lp.zero;
    if (pe.present && *pe.present != present)
      out.push_back(fmt::format("{} present: expected {}, found {}", where, *pe.present, present));
    if (pe.swapped && *pe.swapped != lp.swapped)
      out.push_back(
          fmt::format("{} swapped: expected {}, found {}", where, *pe.swapped, lp.swapped));
    if (pe.ksm && *pe.ksm != lp.ksm)
      out.push_back(fmt::format("{} ksm: expected {}, found {}", where, *pe.ksm, lp.ksm));
    if (pe.shared_with && *pe.shared_with != lp.mapcount)
      out.push_back(fmt::format("{} shared_with: expected {}, found {}", where, *pe.shared_with,
                                lp.mapcount));
    if (pe.node && *pe.node != lp.node)
      out.push_back(fmt::format("{} node: expected {}, found {}", where, *pe.node, lp.node));
  }
  return out;
}

bool swap_is_on() {
  std::ifstream f("/proc/swaps");
  std::string line;
  int lines = 0;
  while (std::getline(f, line))
    lines++;
  return lines > 1;
}

void Recorder::step(const Step &st, StepRecord &rec) {
  if (st.at) {
    auto due = start_ + std::chrono::microseconds(*st.at);
    auto now = std::chrono::steady_clock::now();
    if (due > now)
      sleep_ms(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count()));
  }
  std::visit(
      [&](const auto &b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Spawn>) {
          add_worker(b.mm, group_.spawn());
        } else if constexpr (std::is_same_v<T, Mmap>) {
          if (b.node && *b.node > 0)
            throw Skip{"a NUMA node other than 0 (simulator only)"};
          LiveProcess &p = proc(b.mm);
          live::Command c;
          c.op = live::Op::Mmap;
          c.len = std::uint64_t(b.pages) * 4096;
          live::Reply r = send(p, c);
          if (r.result)
            throw Fail{static_cast<int>(-r.result), "mmap"};
          p.regions[b.vma] = {r.value, b.pages};
        } else if constexpr (std::is_same_v<T, Munmap>) {
          LiveProcess &p = proc(b.mm);
          for (std::uint32_t idx : all_or(p, b.vma, b.pages)) {
            live::Command c;
            c.op = live::Op::Munmap;
            c.addr = addr(p, b.vma, idx);
            c.len = 4096;
            send(p, c);
          }
        } else if constexpr (std::is_same_v<T, Write>) {
          LiveProcess &p = proc(b.mm);
          const Content &ct = b.content;
          if (ct.base == Content::Base::Distinct && ct.distribution->differ_at != 0 &&
              4096 - ct.distribution->differ_at + (ct.poke ? 1 : 0) > 1)
            throw Skip{"a differ_at content with several poked bytes (simulator only)"};
          std::uint64_t i = 0;
          for (std::uint32_t idx : b.pages) {
            live::Command c;
            c.op = live::Op::Write;
            c.addr = addr(p, b.vma, idx);
            PageWrite w = page_write(b.content, i++);
            c.set_word = w.word.has_value();
            c.word = w.word.value_or(0);
            if (w.npokes == 1) {
              c.poke_offset = static_cast<int>(w.pokes[0].offset);
              c.poke_byte = w.pokes[0].byte;
            }
            send(p, c);
          }
        } else if constexpr (std::is_same_v<T, Read> || std::is_same_v<T, Swapin>) {
          if constexpr (std::is_same_v<T, Swapin>)
            if (b.io_error)
              throw Skip{"a swap read error (simulator only)"};
          LiveProcess &p = proc(b.mm);
          for (std::uint32_t idx : b.pages) {
            live::Command c;
            c.op = live::Op::Read;
            c.addr = addr(p, b.vma, idx);
            send(p, c);
          }
        } else if constexpr (std::is_same_v<T, Madvise>) {
          if (b.advice == Advice::Pageout && !swap_is_on())
            throw Skip{"pageout needs a swap device, and this machine has none"};
          LiveProcess &p = proc(b.mm);
          int advice = b.advice == Advice::Mergeable     ? 12
                       : b.advice == Advice::Unmergeable ? 13
                       : b.advice == Advice::Pageout     ? 21
                                                         : 4;
          madvise_pages(p, b.vma, all_or(p, b.vma, b.pages), advice);
        } else if constexpr (std::is_same_v<T, Fork>) {
          LiveProcess &parent = proc(b.parent);
          live::Reply r;
          live::Worker child = parent.worker.fork_child(&r);
          check_lost(parent);
          if (r.result)
            throw Fail{static_cast<int>(-r.result), "fork"};
          auto regions = parent.regions;
          add_worker(b.child, std::move(child));
          procs_[b.child].regions = std::move(regions);
        } else if constexpr (std::is_same_v<T, Exit>) {
          LiveProcess &p = proc(b.mm);
          p.worker.exit_and_wait();
          p.exited = true;
        } else if constexpr (std::is_same_v<T, Swapout>) {
          if (b.keep_swapcache)
            throw Skip{"keep_swapcache (simulator only)"};
          if (!swap_is_on())
            throw Skip{"swapout needs a swap device, and this machine has none"};
          LiveProcess &p = proc(b.mm);
          madvise_pages(p, b.vma, b.pages.indexes(), 21); // MADV_PAGEOUT
        } else if constexpr (std::is_same_v<T, Migrate>) {
          throw Skip{"migration between NUMA nodes (simulator only)"};
        } else if constexpr (std::is_same_v<T, Sysfs>) {
          for (const auto &[knob, value] : b.writes)
            if (knob == "run")
              write_run(value);
            else if (int err = write_text(ksm(knob), value))
              throw Fail{-err, "write " + knob};
        } else if constexpr (std::is_same_v<T, Prctl>) {
          LiveProcess &p = proc(b.mm);
          live::Command c;
          c.op = live::Op::Prctl;
          c.word = b.memory_merge;
          if (long r = send(p, c).result)
            throw Fail{static_cast<int>(-r),
                       fmt::format("prctl(PR_SET_MEMORY_MERGE, {})", b.memory_merge)};
        } else if constexpr (std::is_same_v<T, Sleep>) {
          sleep_ms(b.duration / 1000);
        } else if constexpr (std::is_same_v<T, Wait>) {
          std::uint64_t goal =
              std::strtoull(read_text(ksm("full_scans")).c_str(), nullptr, 10) + b.full_scans;
          std::uint64_t limit = std::min<std::uint64_t>(b.timeout / 1000, opt_.max_wait_ms);
          auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit);
          resume_ksmd();
          while (std::strtoull(read_text(ksm("full_scans")).c_str(), nullptr, 10) < goal) {
            if (interrupted() || std::chrono::steady_clock::now() > until) {
              pause_ksmd();
              throw Fail{ETIMEDOUT, "waiting for full scans"};
            }
            if (std::chrono::steady_clock::now() > deadline()) {
              pause_ksmd();
              throw Fail{ETIME, "the bound on live time (--max-live-time) was reached"};
            }
            std::this_thread::sleep_for(std::chrono::microseconds(500));
          }
          pause_ksmd(); // ksmd now sleeps sleep_millisecs: it is stopped before its next batch
        } else if constexpr (std::is_same_v<T, Expect>) {
          if (!b.if_with.empty() || !b.if_without.empty())
            throw Skip{"an expectation for a kernel profile (simulator only)"};
          rec.mm_stats = mm_stats();
          if (!applies(b)) { // a checkpoint all the same: its counters are compared
            rec.status = fmt::format("done (an expectation not for {}: not checked)", opt_.kernel);
            return;
          }
          rec.failures = check(b);
          if (b.oops || b.invariants)
            rec.status = "done (oops and invariants are not checkable live)";
        }
      },
      st.body);
}

} // namespace

std::string record_preflight(const RecordOptions &opt) {
  if (::geteuid() != 0)
    return "ksmsim record changes global kernel state and needs root";
  if (::access((opt.ksm_dir + "/run").c_str(), W_OK) != 0)
    return fmt::format("no writable KSM at {} on this kernel", opt.ksm_dir);
  if (::access(opt.tracing_dir.c_str(), F_OK) != 0)
    return fmt::format("no tracefs mount point at {}", opt.tracing_dir);
  return "";
}

// The scenario's `ksm:` knobs, refused as the simulation refuses them.
std::string Recorder::initial_knobs() {
  for (std::size_t i = 0; i < s_.ksm.size(); i++) {
    const auto &[name, value] = s_.ksm[i];
    if (name == "run" && value == "1") {
      run_ = value; // applied when time advances
      continue;
    }
    if (int err = write_text(ksm(name), value))
      return ScenarioError(i < s_.ksm_locs.size() ? s_.ksm_locs[i] : Location{s_.file, 0, 0},
                           fmt::format("ksm: {}: the kernel refuses '{}' ({})", name, value,
                                       live::errno_str(err)))
          .what();
    if (name == "run")
      run_ = value;
  }
  return "";
}

RecordResult Recorder::run() {
  RecordResult res;
  res.kernel = opt_.kernel;
  struct utsname u;
  if (uname(&u) == 0)
    res.kernel_release = u.release;
  if (std::string why = live::check_limits(s_, opt_.max_live_ms); !why.empty()) {
    res.error = why; // nothing was changed
    res.exit_code = 2;
    return res;
  }
  live::SignalGuard signals;
  {
    live::LiveSession session(opt_);
    try {
      std::string why = session.begin(&res.warnings, &res.pinned);
      if (why.empty())
        why = initial_knobs();
      if (!why.empty()) {
        res.error = why;
        res.exit_code = 2;
      } else {
        start_ = std::chrono::steady_clock::now();
        for (const char *f : {"pages_scanned", "pages_skipped"}) // never reset by the kernel
          if (std::string v = read_text(ksm(f)); !v.empty())
            base_[f] = std::strtoull(v.c_str(), nullptr, 10);
        record_steps(res);
        res.trace = session.instance()->stop_and_read();
        if (std::vector<std::string> mms = live::foreign_mms(res.trace, pids_); !mms.empty())
          res.warnings.push_back(fmt::format(
              "the trace holds {} mm(s) that are not the recording's ({}): another process "
              "used KSM meanwhile, and the counts may include its pages",
              mms.size(), fmt::join(mms, " ")));
      }
    } catch (const std::exception &e) { // socketpair, fork: restored all the same
      res.error = e.what();
      res.exit_code = 2;
    }
    // Every worker gone before the knobs go back: a KSM page still mapped
    // makes the kernel refuse max_page_sharing (EBUSY).
    if (std::vector<pid_t> left = group_.kill_and_reap(); !left.empty())
      res.restore_failures.push_back(
          fmt::format("worker process groups still there after SIGKILL: {}", fmt::join(left, " ")));
    procs_.clear();
    for (std::string &f : session.end())
      res.restore_failures.push_back(std::move(f));
  }
  if (int sig = live::interrupted_by()) {
    res.interrupted = sig;
    res.exit_code = std::max(res.exit_code, 1);
  }
  if (!res.restore_failures.empty())
    res.exit_code = 2;
  return res;
}

void Recorder::record_steps(RecordResult &res) {
  {
    for (const Step &st : s_.steps) {
      StepRecord rec;
      rec.step = st.index;
      rec.line = st.loc.line;
      rec.kind = st.kind;
      rec.status = "done";
      if (interrupted()) {
        rec.status = "skipped: interrupted";
      } else {
        try {
          step(st, rec);
          if (st.expect_error)
            rec.status =
                fmt::format("failed: expected {}, but the step succeeded", *st.expect_error);
        } catch (const Skip &sk) {
          rec.status = "skipped: " + sk.why;
        } catch (const Fail &f) {
          std::string name = live::errno_str(f.err);
          rec.status = st.expect_error && *st.expect_error == name
                           ? fmt::format("done ({} as expected)", name)
                           : fmt::format("failed: {} ({})", name, f.what);
        }
        if (!st.interleave.empty() && rec.status.rfind("skipped", 0) != 0)
          rec.status += "; its interleave: was skipped (simulator only)";
      }
      rec.counters = counters();
      if (!rec.failures.empty() || rec.status.rfind("failed", 0) == 0)
        res.exit_code = 1;
      res.steps.push_back(std::move(rec));
    }
  }
}

RecordResult record_live(const Scenario &s, const RecordOptions &opt) {
  return Recorder(s, opt).run();
}

std::string RecordResult::notes(const std::string &command) const {
  std::string out;
  for (const std::string &w : warnings)
    out += fmt::format("ksmsim: {}: warning: {}\n", command, w);
  if (interrupted)
    out += fmt::format("ksmsim: {}: interrupted by SIG{}: the steps left were skipped\n", command,
                       sigabbrev_np(interrupted) ? sigabbrev_np(interrupted) : "?");
  if (!error.empty())
    out += fmt::format("ksmsim: {}: {}\n", command, error);
  for (const std::string &f : restore_failures)
    out += fmt::format("ksmsim: {}: NOT RESTORED: {}\n", command, f);
  return out;
}

std::string RecordResult::summary() const {
  std::string out =
      pins_like_3_9(kernel)
          ? fmt::format("recorded on Linux {}; pinned to behave like 3.9: {}\n", kernel_release,
                        pinned.empty() ? "nothing" : fmt::format("{}", fmt::join(pinned, ", ")))
          : fmt::format("recorded on Linux {} for {}; nothing pinned (the kernel's defaults)\n",
                        kernel_release, kernel);
  for (const StepRecord &r : steps) {
    out += fmt::format("  step {} (line {}) {}: {}\n", r.step, r.line, r.kind,
                       r.failures.empty() ? r.status : "FAILED");
    for (const auto &f : r.failures)
      out += fmt::format("      {}\n", f);
  }
  return out;
}

std::string RecordResult::json() const {
  ojson rows = ojson::array();
  for (const StepRecord &r : steps) {
    ojson counters = ojson::object();
    for (const auto &[k, v] : r.counters)
      counters[k] = v;
    rows.push_back({{"step", r.step},
                    {"line", r.line},
                    {"kind", r.kind},
                    {"status", r.status},
                    {"counters", std::move(counters)},
                    {"failures", r.failures}});
  }
  const ojson doc = {{"kernel_release", kernel_release},
                     {"kernel", kernel},
                     {"pinned", pinned},
                     {"exit_code", exit_code},
                     {"steps", std::move(rows)}};
  return json_document(doc, {"/steps"});
}

} // namespace ksmsim
