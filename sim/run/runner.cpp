// SPDX-License-Identifier: GPL-2.0-only
//
// The scenario runner: builds the simulated kernel from a scenario, runs
// each step as the process (or sysfs writer) would, lets ksmd run while
// virtual time advances, checks expectations and invariants.
#include "ksmsim/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>

#include "model/check/invariants.h"
#include "model/lib/host_memory.h"
#include "model/lib/points.h"
#include "model/lib/trace_marks.h"
#include "model/mm/kernel.h"
#include "sim/inspect/observer.h"
#include "sim/report/cost_report.h"
#include "sim/report/report.h"
#include "sim/run/engine.h"
#include "sim/run/expect.h"
#include "sim/run/stepping.h"
#include "sim/run/user_fault.h"
#include "sim/step/narration.h"
#include "sim/trace/chrome_json.h"

namespace ksmsim {

using namespace scenario;

const std::vector<std::string> &known_fix_names() {
  static const std::vector<std::string> names = {"stale-stable-sweep", "unmerge-enter-at-tail",
                                                 "unmerge-swapin-copy", "uptodate-copy"};
  return names;
}

ProfileSpec parse_profile_text(const std::string &text) {
  ProfileSpec spec;
  std::string rest = text;
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    return s;
  };
  rest = trim(rest);
  std::size_t sp = rest.find(' ');
  spec.version = trim(rest.substr(0, sp));
  if (std::find(ksm_versions().begin(), ksm_versions().end(), spec.version) == ksm_versions().end())
    throw std::invalid_argument(fmt::format("unknown kernel version '{}' (expected one of: {})",
                                            spec.version, fmt::join(ksm_versions(), ", ")));
  if (sp == std::string::npos)
    return spec;
  rest = trim(rest.substr(sp));
  if (rest.rfind("without", 0) != 0)
    throw std::invalid_argument("expected 'without' after the version");
  if (spec.version != "v3.9")
    throw std::invalid_argument(
        fmt::format("{} has none of cbf86cfe04's fixes: 'without' is for v3.9", spec.version));
  rest = trim(rest.substr(7));
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    std::size_t comma = rest.find_first_of(", ", pos);
    std::string name =
        trim(rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (!name.empty())
      spec.without.push_back(name);
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  for (const std::string &n : spec.without)
    if (std::find(known_fix_names().begin(), known_fix_names().end(), n) == known_fix_names().end())
      throw std::invalid_argument(fmt::format("unknown fix '{}' (expected one of: {})", n,
                                              fmt::join(known_fix_names(), ", ")));
  if (spec.without.empty())
    throw std::invalid_argument("'without' names no fix");
  return spec;
}

std::string profile_text(const ProfileSpec &spec) {
  std::vector<std::string> without;
  for (const std::string &fix : known_fix_names())
    if (std::find(spec.without.begin(), spec.without.end(), fix) != spec.without.end())
      without.push_back(fix);
  return without.empty() ? spec.version
                         : fmt::format("{} without {}", spec.version, fmt::join(without, ","));
}

namespace {

ksmsim::KernelProfile make_profile(const ProfileSpec &spec) {
  ksmsim::KernelProfile p;
  p.version = spec.version;
  for (const std::string &n : spec.without) {
    if (n == "stale-stable-sweep")
      p.stale_stable_sweep = false;
    else if (n == "unmerge-enter-at-tail")
      p.unmerge_enter_at_tail = false;
    else if (n == "unmerge-swapin-copy")
      p.unmerge_swapin_copy = false;
    else if (n == "uptodate-copy")
      p.uptodate_copy = false;
  }
  p.name = spec.without.empty()
               ? spec.version
               : fmt::format("{} without {}", spec.version, fmt::join(spec.without, ","));
  return p;
}

// Does this kernel profile have the fix named as in the spec? (cbf86cfe04
// came after the 2.6.32 seed: only v3.9 has any.)
bool has_fix(const ksmsim::KernelProfile &p, const std::string &fix) {
  if (p.version != "v3.9")
    return false;
  if (fix == "stale-stable-sweep")
    return p.stale_stable_sweep;
  if (fix == "unmerge-enter-at-tail")
    return p.unmerge_enter_at_tail;
  if (fix == "unmerge-swapin-copy")
    return p.unmerge_swapin_copy;
  return p.uptodate_copy;
}

bool names_version(const std::vector<std::string> &versions, const ksmsim::KernelProfile &p) {
  return std::find(versions.begin(), versions.end(), p.version) != versions.end();
}

// Does an `expect:` block (or an expect_error) apply on this profile?
// `if_kernel` names the versions it applies on, `if_not_kernel` those it
// does not; `if_with`/`if_without` the fixes the profile must have / lack.
bool applies(const ksmsim::KernelProfile &p, const std::vector<std::string> &if_kernel,
             const std::vector<std::string> &if_not_kernel, std::string *why) {
  if (!if_kernel.empty() && !names_version(if_kernel, p)) {
    *why = fmt::format("not on {}", p.version);
    return false;
  }
  if (names_version(if_not_kernel, p)) {
    *why = fmt::format("on {}", p.version);
    return false;
  }
  return true;
}

// A step failed the way the kernel refuses it: an errno.
struct StepError {
  int err; // positive errno
  std::string what;
};

// One named mapping of the scenario: where it starts and how many pages.
struct Region {
  std::uint64_t start = 0;
  std::uint32_t pages = 0;
};

struct Process {
  mm_struct *mm = nullptr;
  bool exited = false;
  std::map<std::string, Region> regions;
};

class Runner : public SteppingRunner {
public:
  Runner(const Scenario &s, const RunOptions &opt, Kernel &k)
      : s_(s), opt_(opt), k_(k), engine_(k), report_(s, k.profile.name), observer_(k, opt) {
    report_.set_strict(opt.strict);
    observer_.set_names(&names_now_);
    k_.shortcuts = opt.shortcuts;
    if (opt.check == CheckMode::Step && opt.shortcuts) // incremental: a shortcut too
      k_.touch = &touch_;
    engine_.set_budgets(opt.max_virtual_time_us, opt.max_ksmd_batches);
  }
  ~Runner() {
    k_.touch = nullptr;
    k_.ksm.after_page_scanned = nullptr;
    k_.on_point = nullptr;
    k_.narrator = nullptr;
  }

  RunResult run();
  void start() override;
  void run_step(const Step &step) override;
  unsigned scan_pages(unsigned n) override;
  RunResult finish() override;
  const PageNames &names() const override { return names_; }
  void observe_points(std::function<void(const char *)> fn) override {
    point_observer_ = std::move(fn);
  }
  std::vector<NamedRegion> regions() const; // the scenario's names for the mappings

private:
  struct Armed {
    const Interleave *spec;
    std::uint32_t count;
    bool fired;
  };
  void run_steps(const std::vector<Step> &steps);
  void perform(const Step &step, int cpu);
  Task step_task(const Step &step, int cpu);
  void with_interleaves(const Step &step, const std::function<void()> &fn);
  void on_point(const char *name);
  void run_interleaved(const Interleave &il);
  void do_body(const Step &step);
  void check_invariants(const char *when);
  void mark_counters(const Task &task);
  void report_progress(RunProgress::Event event, const Step *step); // RunOptions::progress
  Process &proc(const std::string &name, const Location &loc);
  std::uint64_t page_addr(Process &p, const std::string &vma, std::uint32_t idx,
                          const Location &loc);
  Task task_of(const std::string &mm);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges(Process &p, const std::string &vma,
                                                              const std::optional<PageSet> &pages,
                                                              const Location &loc);
  vm_area_struct *user_vma(mm_struct *mm, std::uint64_t addr, bool write);
  page *mapped_anon_page(Process &p, const std::string &vma, std::uint32_t idx,
                         const Location &loc);
  page *fault(mm_struct *mm, std::uint64_t addr, bool write);

  void op(const Spawn &x, const Step &st);
  void op(const Mmap &x, const Step &st);
  void op(const Munmap &x, const Step &st);
  void op(const Write &x, const Step &st);
  void op(const Read &x, const Step &st);
  void op(const Madvise &x, const Step &st);
  void op(const Fork &x, const Step &st);
  void op(const Exit &x, const Step &st);
  void op(const Prctl &x, const Step &st);
  void op(const Swapout &x, const Step &st);
  void op(const Swapin &x, const Step &st);
  void op(const Migrate &x, const Step &st);
  void op(const Sysfs &x, const Step &st);
  void op(const Sleep &x, const Step &st);
  void op(const Wait &x, const Step &st);
  void op(const Expect &x, const Step &st);
  void op(const Dump &x, const Step &st);
  void op(const Sample &x, const Step &st);
  void names_changed(const std::string &mm);

  const Scenario &s_;
  const RunOptions &opt_;
  Kernel &k_;
  // What changed since the last invariant check (--check=step); past one
  // entry (16 bytes) per 16 frames, a whole machine's check instead.
  TouchLog touch_{std::max<std::uint64_t>(std::uint64_t(1) << 16,
                                          k_.machine.nodes *k_.machine.pages_per_node / 16)};
  Engine engine_;
  Report report_;
  TraceMarks marks_{k_.trace};
  ChromeTrace chrome_;
  RunObserver observer_; // checkpoints, dumps, timeline, names (sim/inspect/)
  std::map<std::string, Process> procs_;
  int next_pid_ = 1000;
  std::string performing_kind_;         // the kind of the step the current task is performing
  bool stopped_ = false;                // an oops or invariant violation froze the machine
  std::vector<Armed> *armed_ = nullptr; // the interleavings of the step now running
  std::vector<RunResult::Checkpoint> checkpoints_;
  std::map<int, std::map<std::string, std::uint64_t>> points_; // step -> point -> times reached
  PageNames names_{[this]() { return regions(); }};
  ScenarioNames names_now_;            // what the observer names mappings by (names_changed)
  std::unique_ptr<Narration> explain_; // --trace-level explain
  std::function<void(const char *)> point_observer_;
  std::uint64_t steps_run_ = 0;
  std::optional<CostModel> cost_; // --cost or the scenario's cost:
  void load_cost();
  void add_cost(RunResult &r, ojson &doc);
};

void Runner::load_cost() {
  if (opt_.cost) {
    cost_ = load_cost_model(*opt_.cost, "", Location{"--cost", 0, 0});
  } else if (!s_.cost_model.empty()) {
    std::string dir;
    if (s_.file != "-" && !s_.file.empty())
      dir = std::filesystem::path(s_.file).parent_path().string();
    cost_ = load_cost_model(s_.cost_model, dir, s_.cost_loc);
  }
  if (cost_) {
    engine_.set_cost_model(&*cost_);
    observer_.set_busy(&engine_.busy());
  }
}

// The cost lines go before the summary's last line (result: ...).
void Runner::add_cost(RunResult &r, ojson &doc) {
  if (!cost_)
    return;
  std::uint64_t sharing = 0;
  k_.ksm.sysfs_show("pages_sharing", &sharing);
  CostFinal f{sharing, k_.ksm.rmap_items()};
  std::string lines = cost_summary(*cost_, engine_.busy(), f);
  std::size_t last = r.summary.rfind("result: ");
  r.summary.insert(last == std::string::npos ? r.summary.size() : last, lines);
  doc["cost"] = cost_json(*cost_, engine_.busy(), f);
}

std::vector<NamedRegion> Runner::regions() const {
  std::vector<NamedRegion> out;
  for (const auto &[name, p] : procs_)
    for (const auto &[vma, r] : p.regions)
      out.push_back({name, p.mm, p.exited, vma, r.start, r.pages});
  return out;
}

Task Runner::task_of(const std::string &mm) {
  auto it = procs_.find(mm);
  // A process about to be spawned or forked gets the next pid.
  return Task{mm, it != procs_.end() && it->second.mm ? it->second.mm->pid : next_pid_, 0};
}

Process &Runner::proc(const std::string &name, const Location &loc) {
  auto it = procs_.find(name);
  if (it == procs_.end())
    throw ScenarioError(loc, fmt::format("unknown mm '{}'", name));
  if (it->second.exited)
    throw ScenarioError(loc, fmt::format("process '{}' has exited", name));
  return it->second;
}

std::uint64_t Runner::page_addr(Process &p, const std::string &vma, std::uint32_t idx,
                                const Location &loc) {
  auto it = p.regions.find(vma);
  if (it == p.regions.end())
    throw ScenarioError(loc, fmt::format("unknown vma '{}' in mm '{}'", vma, p.mm->name));
  if (idx >= it->second.pages)
    throw ScenarioError(
        loc, fmt::format("page {} is outside vma '{}' ({} pages)", idx, vma, it->second.pages));
  return it->second.start + std::uint64_t(idx) * PAGE_SIZE;
}

// Contiguous address ranges [start, end) covering the named pages (or the
// whole region), in order.
std::vector<std::pair<std::uint64_t, std::uint64_t>>
Runner::ranges(Process &p, const std::string &vma, const std::optional<PageSet> &pages,
               const Location &loc) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  if (!pages) {
    std::uint64_t start = page_addr(p, vma, 0, loc);
    out.emplace_back(start, start + std::uint64_t(p.regions[vma].pages) * PAGE_SIZE);
    return out;
  }
  for (const PageRun &r : pages->runs) // each named page is in the vma
    page_addr(p, vma, r.first + (r.count - 1), pages->loc);
  for (auto [first, count] : page_runs(*pages)) {
    std::uint64_t a = page_addr(p, vma, first, pages->loc);
    out.emplace_back(a, a + std::uint64_t(count) * PAGE_SIZE);
  }
  return out;
}

vm_area_struct *Runner::user_vma(mm_struct *mm, std::uint64_t addr, bool write) {
  vm_area_struct *vma = k_.find_vma(mm, addr);
  if (!vma || vma->vm_start > addr)
    throw StepError{EFAULT, fmt::format("SIGSEGV: {:#x} is not mapped", addr)};
  if (write && !(vma->vm_flags & VM_WRITE))
    throw StepError{EFAULT, fmt::format("SIGSEGV: {:#x} is not writable", addr)};
  return vma;
}

// __do_page_fault: one user access that may fault (sim/run/user_fault.cpp:
// retried while a fault maps nothing). Returns the page accessed.
page *Runner::fault(mm_struct *mm, std::uint64_t addr, bool write) {
  UserFault f = user_fault(k_, mm, addr, write);
  if (f.status == UserFaultStatus::not_mapped)
    throw StepError{EFAULT, fmt::format("SIGSEGV: {:#x} is not mapped", addr)};
  if (f.status == UserFaultStatus::not_writable)
    throw StepError{EFAULT, fmt::format("SIGSEGV: {:#x} is not writable", addr)};
  if (f.status == UserFaultStatus::no_progress)
    throw StepError{ETIMEDOUT, fmt::format("fault at {:#x} made no progress", addr)};
  if (f.ret & VM_FAULT_OOM)
    throw StepError{ENOMEM, fmt::format("out of memory faulting {:#x}", addr)};
  if (f.ret & VM_FAULT_SIGBUS)
    throw StepError{EIO, fmt::format("SIGBUS faulting {:#x} (I/O error)", addr)};
  if (f.ret & VM_FAULT_SIGSEGV)
    throw StepError{EFAULT, fmt::format("SIGSEGV faulting {:#x}", addr)};
  return f.accessed;
}

void Runner::op(const Spawn &x, const Step &st) {
  Process p;
  p.mm = k_.mm_alloc(x.mm, next_pid_++);
  procs_[x.mm] = std::move(p);
  names_changed(x.mm);
  k_.trace_fmt("ksmsim_spawn", "mm {} pid {}", x.mm, procs_[x.mm].mm->pid);
}

void Runner::op(const Mmap &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  if (x.node && *x.node >= k_.machine.nodes)
    throw ScenarioError(st.loc, fmt::format("node {} does not exist", *x.node));
  k_.down_write(p.mm);
  std::uint64_t start = k_.do_mmap_anon(p.mm, x.pages, x.node ? *x.node : -1);
  k_.up_write(p.mm);
  if (start >= static_cast<std::uint64_t>(-4095)) // IS_ERR_VALUE
    throw StepError{-static_cast<int>(start), "mmap failed"};
  // The name stands for this address range (vma_merge may have joined it
  // to a neighbour, madvise may split it): steps by name act on the range.
  p.regions[x.vma] = Region{start, x.pages};
  names_changed(x.mm);
  k_.trace_fmt("ksmsim_mmap", "mm {} vma {} start {:#x} pages {}", x.mm, x.vma, start, x.pages);
}

void Runner::op(const Munmap &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  for (auto [a, b] : ranges(p, x.vma, x.pages, st.loc)) {
    k_.down_write(p.mm);
    k_.do_munmap(p.mm, a, b - a);
    k_.up_write(p.mm);
  }
}

void Runner::op(const Write &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  // Only a cache is filled, a batch at a time: ksmd will need these checksums.
  constexpr std::size_t kChecksumBatch = 4096;
  constexpr std::uint64_t kPrefetchAhead = 32;
  // Only a hint: the table slot of the word written a few pages on is
  // fetched while this page is written (a random word's is a cache miss;
  // a fill's, a word's or zero's is the same slot every page).
  const bool words_vary =
      x.content.base == Content::Base::Random || x.content.base == Content::Base::Distinct;
  std::vector<PageContent *> written;
  std::uint64_t i = 0;
  for (std::uint32_t idx : x.pages) {
    std::uint64_t addr = page_addr(p, x.vma, idx, x.pages.loc);
    if (words_vary)
      if (std::optional<std::uint64_t> ahead = base_word(x.content, i + kPrefetchAhead))
        k_.contents.prefetch(*ahead);
    page *pg = fault(p.mm, addr, true);
    PageWrite w = page_write(x.content, i++);
    if (w.word)
      k_.contents.set_word(pg->content, *w.word);
    for (std::size_t j = 0; j < w.npokes; j++)
      k_.contents.poke(pg->content, w.pokes[j].offset, w.pokes[j].byte);
    written.push_back(&pg->content);
    if (written.size() == kChecksumBatch) {
      k_.contents.prepare_checksums(written.data(), written.size());
      written.clear();
    }
  }
  k_.contents.prepare_checksums(written.data(), written.size());
}

void Runner::op(const Read &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  for (std::uint32_t idx : x.pages)
    fault(p.mm, page_addr(p, x.vma, idx, x.pages.loc), false);
}

void Runner::op(const Swapin &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  for (std::uint32_t idx : x.pages) {
    k_.swap_read_error_next = x.io_error;
    fault(p.mm, page_addr(p, x.vma, idx, x.pages.loc), false);
    k_.swap_read_error_next = false;
  }
}

void Runner::op(const Madvise &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  int advice = x.advice == Advice::Mergeable     ? MADV_MERGEABLE
               : x.advice == Advice::Unmergeable ? MADV_UNMERGEABLE
               : x.advice == Advice::Pageout     ? MADV_PAGEOUT
                                                 : MADV_DONTNEED;
  for (auto [a, b] : ranges(p, x.vma, x.pages, st.loc)) {
    int err = k_.sys_madvise(p.mm, a, b - a, advice);
    if (err)
      throw StepError{-err, fmt::format("madvise({:#x}, {}) failed", a, b - a)};
  }
}

void Runner::op(const Fork &x, const Step &st) {
  Process &parent = proc(x.parent, st.loc);
  Process child;
  child.mm = k_.do_fork(parent.mm, x.child, next_pid_++);
  child.regions = parent.regions;
  procs_[x.child] = std::move(child);
  names_changed(x.child);
}

void Runner::op(const Exit &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  p.exited = true;
  k_.mmput(p.mm);
}

void Runner::op(const Prctl &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  long err = k_.sys_prctl(p.mm, PR_SET_MEMORY_MERGE, x.memory_merge);
  if (err < 0)
    throw StepError{static_cast<int>(-err),
                    fmt::format("prctl(PR_SET_MEMORY_MERGE, {}) failed", x.memory_merge)};
}

// The anonymous page mapped at a named page now, or nullptr (none, the
// zero page, or a swap entry).
page *Runner::mapped_anon_page(Process &p, const std::string &vma_name, std::uint32_t idx,
                               const Location &loc) {
  std::uint64_t addr = page_addr(p, vma_name, idx, loc);
  page *pg = k_.follow_page(user_vma(p.mm, addr, false), addr, 0);
  return pg && !(pg->flags & PG_zero) && Kernel::PageAnon(pg) ? pg : nullptr;
}

void Runner::op(const Swapout &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  for (std::uint32_t idx : x.pages)
    if (page *pg = mapped_anon_page(p, x.vma, idx, x.pages.loc))
      k_.shrink_page(pg, x.keep_swapcache);
}

void Runner::op(const Migrate &x, const Step &st) {
  Process &p = proc(x.mm, st.loc);
  k_.migrate_prep(); // move_pages: lru_add_drain_all() first
  for (std::uint32_t idx : x.pages) {
    page *pg = mapped_anon_page(p, x.vma, idx, x.pages.loc);
    if (!pg)
      continue;
    int rc = k_.migrate_page_to_node(pg, x.node);
    if (rc)
      throw StepError{rc == -EAGAIN ? EBUSY : -rc, fmt::format("migrating page {} failed", idx)};
  }
}

void Runner::op(const Sysfs &x, const Step &st) {
  for (const auto &[knob, value] : x.writes) {
    long r = k_.ksm.sysfs_store(knob, value + "\n"); // echo VALUE > /sys/kernel/mm/ksm/KNOB
    engine_.deliver_wakeups();
    if (r < 0)
      throw StepError{static_cast<int>(-r), fmt::format("write of '{}' to {} failed", value, knob)};
  }
}

void Runner::op(const Sleep &x, const Step &st) {
  engine_.advance_to(k_.now_us + x.duration);
}

void Runner::op(const Wait &x, const Step &st) {
  // full_scans may be reset by run=2 meanwhile: count completed scans.
  std::uint64_t done = 0, last = k_.ksm.scan_seqnr();
  auto scanned = [&]() {
    std::uint64_t now = k_.ksm.scan_seqnr();
    if (now > last)
      done += now - last;
    last = now;
    return done >= x.full_scans;
  };
  std::uint64_t deadline = k_.now_us + x.timeout;
  if (!engine_.run_until(scanned, deadline))
    throw StepError{ETIMEDOUT, fmt::format("timed out after {} ms: {} of {} full scans",
                                           x.timeout / 1000, done, x.full_scans)};
}

// The observer's names of the scenario's mappings (names_now_), kept as the
// steps that change them run: a spawn (a process without mappings), an
// mmap and a fork (the child's copies). They equal regions()' view;
// rebuilding them from every process after each step was quadratic in
// processes.
void Runner::names_changed(const std::string &mm) {
  const Process &p = procs_.at(mm);
  if (p.regions.empty()) {
    names_now_.vmas.erase(mm);
    return;
  }
  std::vector<ScenarioNames::Vma> &v = names_now_.vmas[mm];
  v.clear();
  for (const auto &[vma, r] : p.regions)
    v.push_back({vma, r.start, r.pages});
}

void Runner::op(const Dump &x, const Step &st) {
  checkpoints_.push_back({st.index, st.loc.line, {}, "dump", k_.now_us, {}});
  observer_.dump_step(st, x);
}

void Runner::op(const Sample &x, const Step &st) {
  checkpoints_.push_back({st.index, st.loc.line, {}, "sample", k_.now_us, {}});
  observer_.checkpoint(st, "sample", x.label);
}

void Runner::op(const Expect &x, const Step &st) {
  RunResult::Checkpoint cp{st.index, st.loc.line, {}, "expect", k_.now_us, {}};
  for (const char *name : CHECKPOINT_COUNTERS)
    k_.ksm.sysfs_show(name, &cp.counters[name]);
  for (const char *name : CHECKPOINT_COUNTERS_6X) // for ksmsim compare: those the profile has
    if (std::uint64_t v = 0; k_.ksm.has_sysfs_file(name) && k_.ksm.sysfs_show(name, &v))
      cp.counters[name] = v;
  for (const auto &[name, p] : procs_)
    for (const char *stat : CHECKPOINT_MM_STATS)
      if (std::int64_t v = 0;
          !p.exited && k_.ksm.has_mm_stat(stat) && k_.ksm.mm_stat(p.mm, stat, &v))
        cp.mm_stats[name][stat] = v;
  checkpoints_.push_back(std::move(cp));
  observer_.checkpoint(st, "expect");
  if (std::string why; !applies(k_.profile, x.if_kernel, x.if_not_kernel, &why))
    return report_.not_applicable(st, why);
  for (const std::string &fix : x.if_with)
    if (!has_fix(k_.profile, fix))
      return report_.not_applicable(st, fmt::format("without {}", fix));
  for (const std::string &fix : x.if_without)
    if (has_fix(k_.profile, fix))
      return report_.not_applicable(st, fmt::format("with {}", fix));
  // A page of a process that this run has not made (an oops froze the
  // machine first, or an interleaving that spawns it has not run) is an
  // expectation that fails, not a lookup that throws.
  std::vector<std::string> missing;
  Expect present = x;
  std::erase_if(present.pages, [&](const PageExpect &pe) {
    if (procs_.count(pe.mm))
      return false;
    missing.push_back(fmt::format("page {}/{}/{}: process {} does not exist at this point", pe.mm,
                                  pe.vma, pe.page, pe.mm));
    return true;
  });
  ExpectContext ctx;
  ctx.mm_of = [&](const std::string &name) -> mm_struct * {
    auto it = procs_.find(name);
    return it == procs_.end() ? nullptr : it->second.mm;
  };
  ctx.addr_of = [&](const PageExpect &pe) {
    Process &p = procs_.at(pe.mm);
    if (p.exited)
      throw ScenarioError(pe.loc, fmt::format("process '{}' has exited", pe.mm));
    return page_addr(p, pe.vma, pe.page, pe.loc);
  };
  ctx.oopses = &k_.oopses();
  ctx.violations = &report_.violations();
  std::vector<std::string> failed = evaluate_expect(present, k_, ctx);
  failed.insert(failed.end(), missing.begin(), missing.end());
  report_.expectation(st, failed);
  if (x.oops && *x.oops != "none")
    report_.acknowledge_oops();
  if (x.warning && *x.warning != "none")
    report_.acknowledge_warning(*x.warning);
  if (x.detected && *x.detected != "none")
    report_.acknowledge_detector(*x.detected);
  if (x.invariants && !*x.invariants)
    report_.acknowledge_violations();
}

void Runner::do_body(const Step &step) {
  std::visit([&](const auto &body) { op(body, step); }, step.body);
}

void Runner::check_invariants(const char *when) {
  // --check=step looks at what changed since the last check (the log is
  // kept until then: an unchecked expect step's ksmd run included).
  std::vector<std::string> v =
      k_.touch ? InvariantChecker::check_touched(k_, touch_) : InvariantChecker::check(k_);
  touch_.reset(k_.ksm.entries());
  if (v.empty())
    return;
  // Recorded (the first time), and the run goes on: the kernel does not
  // stop at a corruption either, only at the oops it may lead to.
  if (report_.violations().empty())
    k_.trace_fmt("ksmsim_invariant", "{} violation(s) {}: {}", v.size(), when, v.front());
  report_.violation(k_.current_step, k_.now_us, when, v);
}

Task Runner::step_task(const Step &step, int cpu) {
  const std::string *mm_name = nullptr;
  std::visit(
      [&](const auto &b) {
        if constexpr (requires { b.mm; })
          mm_name = &b.mm;
        else if constexpr (requires { b.parent; })
          mm_name = &b.parent;
      },
      step.body);
  Task t = mm_name ? task_of(*mm_name) : Task{};
  t.cpu = cpu;
  return t;
}

// Run the step's body as the task that does it, on that cpu; a refused
// operation is compared with expect_error.
void Runner::perform(const Step &step, int cpu) {
  // What a user step changes (contents, vmas, mms) invalidates whatever was
  // remembered of the mms before it (Kernel::mm_epoch).
  k_.mm_changed();
  std::optional<std::string> expect_error = step.expect_error;
  for (const std::string &fix : step.expect_error_if_with)
    if (!has_fix(k_.profile, fix))
      expect_error.reset();
  for (const std::string &fix : step.expect_error_if_without)
    if (has_fix(k_.profile, fix))
      expect_error.reset();
  if (std::string why;
      !applies(k_.profile, step.expect_error_if_kernel, step.expect_error_if_not_kernel, &why))
    expect_error.reset();
  if (++steps_run_ > opt_.max_steps)
    throw BudgetExceeded{fmt::format("more than {} steps would run (--max-steps)", opt_.max_steps)};
  k_.current = step_task(step, cpu);
  performing_kind_ = step.kind;
  k_.trace_fmt("ksmsim_step", "{} {} line {}", step.index, step.kind, step.loc.line);
  MarkedSlice slice(marks_, k_.current, k_.now_us,
                    fmt::format("step {} {}", step.index, step.kind));
  try {
    do_body(step);
    if (expect_error)
      report_.step_failed(
          step, fmt::format("expected the step to fail with {}, but it succeeded", *expect_error));
  } catch (const StepError &e) {
    std::string name = errno_name(e.err);
    if (!expect_error)
      report_.step_failed(step, fmt::format("{} ({})", e.what, name));
    else if (*expect_error != name)
      report_.step_failed(step,
                          fmt::format("expected {}, but {} ({})", *expect_error, e.what, name));
    k_.trace_fmt("ksmsim_step_error", "{} {}", step.index, name);
  }
  engine_.deliver_wakeups();
}

// Arm the step's interleavings while fn runs; each must have fired.
void Runner::with_interleaves(const Step &step, const std::function<void()> &fn) {
  std::vector<Armed> armed;
  for (const Interleave &il : step.interleave) {
    if (il.explore)
      throw ScenarioError(il.loc,
                          "interleave: explore: true is for `ksmsim explore`; `run` needs a point");
    if (!is_preemption_point(il.point))
      throw ScenarioError(
          il.loc,
          fmt::format("unknown preemption point '{}' (see docs/preemption-points.md)", il.point));
    armed.push_back({&il, 0, false});
  }
  std::vector<Armed> *saved = armed_;
  armed_ = &armed;
  try {
    fn();
  } catch (...) {
    armed_ = saved;
    throw;
  }
  armed_ = saved;
  for (const Armed &a : armed)
    if (!a.fired)
      throw ScenarioError(
          a.spec->loc,
          fmt::format("point '{}' was reached {} time(s) during this step, so after: {} never came",
                      a.spec->point, a.count, a.spec->after));
}

void Runner::on_point(const char *name) {
  if (point_observer_)
    point_observer_(name);
  if (opt_.list_points && k_.nested_depth == 0)
    points_[k_.current_step][name]++;
  if (!armed_)
    return;
  for (Armed &a : *armed_) {
    if (a.fired || a.spec->point != name || ++a.count != a.spec->after)
      continue;
    a.fired = true;
    run_interleaved(*a.spec);
  }
}

// The nested steps run here, as another CPU would run them at this point.
void Runner::run_interleaved(const Interleave &il) {
  Task interrupted = k_.current;
  int cpu = interrupted.cpu == 0 ? 1 : 0;
  k_.trace_fmt("ksmsim_interleave", "at {} ({} time): {} step(s) on cpu {}", il.point, il.after,
               il.steps.size(), cpu);
  const std::string interrupted_kind = performing_kind_;
  k_.nested_depth++;
  for (const Step &step : il.steps) {
    if (step.kind == "sleep" || step.kind == "wait" || step.at)
      throw ScenarioError(step.loc, "a step run at a preemption point cannot advance virtual time");
    // Another thread of the process may fault, madvise or fork (the locks
    // decide), but its exit cannot come while the interrupted thread is
    // inside its own step on that mm: the final mmput waits for it.
    Task nested = step_task(step, cpu);
    if (step.kind == "exit" && procs_.count(interrupted.comm) && nested.comm == interrupted.comm)
      throw InterleaveRefused(
          step.loc,
          fmt::format("interleaving refused at {}: {} is interrupted there inside its own {}, "
                      "so its exit (the final mmput) cannot come until that returns",
                      il.point, interrupted.comm, interrupted_kind));
    try {
      with_interleaves(step, [&]() { perform(step, cpu); });
    } catch (const LockConflict &lock) {
      throw InterleaveRefused(
          step.loc,
          fmt::format("interleaving refused at {}: this {} needs {}, which {} holds there",
                      il.point, step.kind, lock.what(), interrupted.comm),
          lock.what());
    }
  }
  k_.nested_depth--;
  k_.current = interrupted;
  performing_kind_ = interrupted_kind;
}

void Runner::run_step(const Step &step) {
  // Steps that only read the state still run on a stopped machine.
  bool reads_only = step.kind == "expect" || step.kind == "dump" || step.kind == "sample";
  if (stopped_ && !reads_only) {
    report_.skipped(step);
    observer_.after_step(step);
    return;
  }
  k_.current_step = step.index;
  report_progress(RunProgress::Event::StepBegin, &step);
  try {
    with_interleaves(step, [&]() {
      if (step.at) {
        if (*step.at < k_.now_us)
          throw ScenarioError(step.loc,
                              fmt::format("at: {} ms is in the past (virtual time is {} ms)",
                                          *step.at / 1000, k_.now_us / 1000));
        engine_.advance_to(*step.at);
      }
      perform(step, 0);
    });
    k_.current = Task{};
    if (opt_.check != CheckMode::Off && step.kind != "expect" && report_.violations().empty())
      check_invariants("after the step");
  } catch (const OopsException &) {
    stopped_ = true;
    k_.nested_depth = 0;
    call_path().clear();
  } catch (const BudgetExceeded &b) {
    throw ScenarioError(step.loc,
                        fmt::format("the run is stopped at step {}: {}", step.index, b.what));
  } catch (const std::bad_alloc &) {
    throw ScenarioError(step.loc, fmt::format("out of memory at step {}", step.index));
  } catch (const SimulatorLimit &e) {
    throw ScenarioError(step.loc,
                        fmt::format("the run is stopped at step {}: {}", step.index, e.what()));
  }
  mark_counters(Task{});
  observer_.after_step(step);
  report_progress(RunProgress::Event::StepEnd, &step);
}

void Runner::report_progress(RunProgress::Event event, const Step *step) {
  if (!opt_.progress)
    return;
  RunProgress p;
  p.event = event;
  if (step) {
    p.step = step->index;
    p.line = step->loc.line;
    p.kind = step->kind;
  } else {
    p.step = k_.current_step;
  }
  p.steps = s_.steps.size();
  p.time_us = k_.now_us;
  std::uint64_t full_scans = 0;
  k_.ksm.sysfs_show("full_scans", &full_scans);
  p.full_scans = full_scans;
  opt_.progress(p);
}

// The sysfs counters as counter marks on ksmd's process, when they changed.
void Runner::mark_counters(const Task &task) {
  if (!k_.trace.enabled())
    return;
  TraceMarks::Counters values;
  for (const char *name :
       {"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "full_scans"}) {
    std::uint64_t v = 0;
    k_.ksm.sysfs_show(name, &v);
    values.emplace_back(name, v);
  }
  marks_.counters(task, k_.now_us, Engine::KSMD_PID, values);
}

void Runner::run_steps(const std::vector<Step> &steps) {
  for (const Step &step : steps)
    run_step(step);
}

unsigned Runner::scan_pages(unsigned n) {
  if (stopped_)
    return 0;
  const unsigned long before = k_.ksm.pages_scanned();
  try {
    engine_.scan_now(n);
    if (opt_.check != CheckMode::Off && report_.violations().empty())
      check_invariants("after pages scanned by ksmd");
  } catch (const OopsException &) {
    stopped_ = true;
    k_.nested_depth = 0;
    call_path().clear();
  }
  return static_cast<unsigned>(k_.ksm.pages_scanned() - before);
}

RunResult Runner::run() {
  start();
  run_steps(s_.steps);
  return finish();
}

void Runner::start() {
  load_cost();
  if (opt_.trace) {
    k_.trace.enable();
    engine_.on_batch = [this](bool begin) {
      if (begin)
        return marks_.begin(k_.current, k_.now_us, "ksm_do_scan");
      marks_.end(k_.current, k_.now_us);
      mark_counters(k_.current);
    };
  }
  if (opt_.trace && opt_.trace_format == TraceFormat::chrome_json) {
    chrome_.name_process(Engine::KSMD_PID, "ksmd");
    k_.trace.observe([this](const Task &task, std::uint64_t t, std::string_view event,
                            std::string_view text) { chrome_.add(task, t, event, text); });
  }
  if (opt_.trace && opt_.explain) {
    explain_ = std::make_unique<Narration>(k_, names_, [this](const std::string &line) {
      k_.trace_fmt("ksmsim_explain", "{}", line);
    });
    k_.narrator = explain_.get();
  }
  // The ftrace text streams to the caller as it is made; a Chrome JSON
  // trace is built from the same lines at the end.
  if (opt_.trace_spill && opt_.trace_format == TraceFormat::ftrace)
    k_.trace.spill_to(opt_.trace_spill);
  // The preemption-point hook costs a call per cond_resched: only when used.
  bool interleaves = std::any_of(s_.steps.begin(), s_.steps.end(),
                                 [](const Step &st) { return !st.interleave.empty(); });
  if (interleaves || opt_.list_points || point_observer_)
    k_.on_point = [this](const char *name) { on_point(name); };
  for (std::size_t i = 0; i < s_.ksm.size(); i++) {
    long r = k_.ksm.sysfs_store(s_.ksm[i].first, s_.ksm[i].second + "\n");
    if (r < 0)
      throw ScenarioError(i < s_.ksm_locs.size() ? s_.ksm_locs[i] : Location{s_.file, 1, 1},
                          fmt::format("ksm: {}: the kernel refuses '{}' ({})", s_.ksm[i].first,
                                      s_.ksm[i].second, errno_name(static_cast<int>(r))));
  }
  bool page_check = opt_.check == CheckMode::Page;
  if (page_check || observer_.wants_page_hook())
    k_.ksm.after_page_scanned = [this, page_check]() {
      if (observer_.wants_page_hook())
        observer_.after_page_scanned();
      if (page_check && report_.violations().empty())
        check_invariants("after a page scanned by ksmd");
    };
  engine_.after_batch = [this]() {
    observer_.after_batch();
    report_progress(RunProgress::Event::Batch, nullptr);
  };
}

RunResult Runner::finish() {
  RunResult r;
  r.exit_code = report_.exit_code(k_);
  r.summary = report_.summary(k_);
  if (opt_.trace_spill && opt_.trace_format == TraceFormat::ftrace)
    k_.trace.flush();
  else if (opt_.trace)
    r.trace =
        opt_.trace_format == TraceFormat::chrome_json ? chrome_.text() : k_.trace.file_text(2);
  r.trace_entries = k_.trace.entries();
  ojson doc = report_.json(k_);
  observer_.finish(r, doc);
  add_cost(r, doc);
  r.json = json_document(doc, {"/steps", "/checkpoints"});
  r.points = points_;
  r.checkpoints = checkpoints_;
  for (const OopsRecord &o : k_.oopses()) {
    r.oopses.push_back(oops_headline(o));
    r.records.push_back({o.kind, o.function, o.name});
  }
  r.violations = report_.violations();
  return r;
}

// The machine's sizes, before anything is allocated. The page frames are
// one reserved mem_map touched as it is used, and the swap device's
// per-slot bookkeeping is taken lazily (model/mm/lazy_array.h): a slot
// costs memory only once a page is swapped to it, and swapped pages are
// bounded by the pages mapped.
void check_machine(const Machine &m) {
  // page frames keep 32-bit pfns and swap entries (the parser checks this too)
  if (std::uint64_t(m.nodes) * m.pages_per_node >= (1ULL << 32))
    throw ScenarioError(m.pages_loc, "machine: nodes x pages_per_node must be below 2^32");
  if (m.swap_pages >= (1ULL << 32))
    throw ScenarioError(m.swap_loc, "machine: swap_pages must be below 2^32");
}

} // namespace

std::unique_ptr<SteppingRunner> make_stepping_runner(const Scenario &s, const RunOptions &opt,
                                                     Kernel &k) {
  return std::make_unique<Runner>(s, opt, k);
}

// An `expect:` that applies on this profile and names a counter its
// /sys/kernel/mm/ksm lacks is a defect of the file (exit 2), not a failed
// expectation.
static void check_counters_exist(const std::vector<Step> &steps, const Kernel &k) {
  for (const Step &st : steps) {
    for (const Interleave &il : st.interleave)
      check_counters_exist(il.steps, k);
    const Expect *x = std::get_if<Expect>(&st.body);
    std::string why;
    if (!x || !applies(k.profile, x->if_kernel, x->if_not_kernel, &why))
      continue;
    for (std::size_t i = 0; i < x->counters.size(); i++)
      if (!k.ksm.has_sysfs_file(x->counters[i].first))
        throw ScenarioError(x->counter_locs[i],
                            fmt::format("expect: {}: no such file in {}'s /sys/kernel/mm/ksm",
                                        x->counters[i].first, k.ksm.version()));
    for (const MmExpect &me : x->mms)
      for (std::size_t i = 0; i < me.figures.size(); i++)
        if (!k.ksm.has_mm_stat(me.figures[i].first))
          throw ScenarioError(me.figure_locs[i],
                              fmt::format("expect: mm {}: {}: no such figure in {}", me.mm,
                                          me.figures[i].first, k.ksm.version()));
  }
}

std::unique_ptr<Kernel> make_kernel(const Scenario &s, const RunOptions &opt) {
  ProfileSpec spec;
  if (opt.kernel) {
    try {
      spec = parse_profile_text(*opt.kernel);
    } catch (const std::invalid_argument &e) {
      throw ScenarioError(Location{"--kernel", 0, 0}, e.what());
    }
  } else {
    spec.version = s.kernel.version;
    spec.without = s.kernel.without;
  }
  check_machine(s.machine);
  MachineConfig m;
  m.nodes = s.machine.nodes;
  m.pages_per_node = s.machine.pages_per_node;
  m.swap_pages = s.machine.swap_pages;
  std::unique_ptr<Kernel> kernel;
  try {
    kernel = std::make_unique<Kernel>(m, make_profile(spec));
  } catch (const std::length_error &e) {
    throw ScenarioError(s.machine.pages_loc, fmt::format("machine: {}", e.what()));
  } catch (const std::bad_alloc &) {
    throw ScenarioError(s.machine.loc, "machine: out of memory building it");
  }
  check_counters_exist(s.steps, *kernel);
  return kernel;
}

RunResult run_scenario(const Scenario &s, const RunOptions &opt) {
  std::unique_ptr<Kernel> kernel = make_kernel(s, opt);
  Runner runner(s, opt, *kernel);
  return runner.run();
}

} // namespace ksmsim
