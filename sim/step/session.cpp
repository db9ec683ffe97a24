// SPDX-License-Identifier: GPL-2.0-only
#include "sim/step/session.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "model/lib/points.h"
#include "model/mm/kernel.h"
#include "sim/step/inspect_text.h"

namespace ksmsim {

namespace {
const char *const HELP =
    "commands:\n"
    "  next [N]                 run the next N scenario steps (1); sleep and wait let ksmd run\n"
    "  scan [N]                 ksmd takes N pages (1) now, saying what it did with each\n"
    "  until full_scans N       ksmd scans page by page until full_scans reaches N\n"
    "  show counters            the /sys/kernel/mm/ksm counters\n"
    "  show stable|unstable     the stable or unstable tree(s), in order\n"
    "  show slots               the mm_slot list and ksm_scan's cursor\n"
    "  show rmap MM             MM's rmap_items\n"
    "  show page MM VMA N       page N of MM's VMA: pte, pfn, PageKsm, mapcount, stable node\n"
    "  svg FILE                 write a picture of the trees to FILE\n"
    "  break [POINT]            pause when the kernel reaches POINT (alone: list them)\n"
    "  delete POINT             remove that breakpoint\n"
    "  continue                 go on from a breakpoint\n"
    "  quit                     end the session (so does the end of the input)\n";

std::vector<std::string> split(const std::string &line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;)
    w.push_back(s);
  return w;
}

// A count argument: a positive number (at most max), or def when absent.
std::uint64_t count_arg(const std::vector<std::string> &w, std::size_t i, std::uint64_t def,
                        std::uint64_t max) {
  if (w.size() <= i)
    return def;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(w[i].data(), w[i].data() + w[i].size(), v);
  if (ec != std::errc() || end != w[i].data() + w[i].size() || v == 0 || v > max)
    throw std::invalid_argument(
        fmt::format("'{}' is not a count (a number from 1 to {})", w[i], max));
  return v;
}

std::uint32_t index_arg(const std::string &s) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    throw std::invalid_argument(fmt::format("'{}' is not a page index", s));
  return v;
}

void arity(const std::vector<std::string> &w, std::size_t lo, std::size_t hi, const char *usage) {
  if (w.size() < lo || w.size() > hi)
    throw std::invalid_argument(fmt::format("usage: {}", usage));
}
} // namespace

StepSession::StepSession(Stepper &stepper, std::ostream &out, ReadLine read, bool echo)
    : st_(stepper), out_(out), read_(std::move(read)), echo_(echo),
      narration_(stepper.kernel(), stepper.names(),
                 [this](const std::string &line) { narrate(line); }) {
  st_.kernel().narrator = &narration_;
  st_.on_point = [this](const char *point) { on_point(point); };
}

StepSession::~StepSession() {
  st_.kernel().narrator = nullptr;
  st_.on_point = nullptr;
}

void StepSession::narrate(const std::string &line) {
  // During next, ksmd's pages are summed up; other tasks' events are told.
  if (!quiet_ && (scanning_ || st_.kernel().current.comm != "ksmd"))
    out_ << line << "\n";
}

CompletionNames StepSession::completion_names() const {
  CompletionNames n;
  for (const NamedRegion &r : st_.names().regions()) {
    if (n.mms.empty() || n.mms.back() != r.mm)
      n.mms.push_back(r.mm);
    n.vmas[r.mm].push_back(r.vma);
  }
  for (const PreemptionPoint &p : preemption_points())
    n.points.push_back(p.name);
  return n;
}

int StepSession::run() {
  out_ << fmt::format("scenario {}: {} steps; type help for the commands\n", st_.scenario().name,
                      st_.scenario().steps.size());
  if (!port_narrates(st_.kernel()))
    out_ << fmt::format("kernel {}: its port has no narration hooks: scan tells the page ksmd "
                        "took and the state its rmap_item was left in; show reads its own "
                        "objects\n",
                        st_.kernel().ksm.version());
  try {
    for (;;) {
      std::optional<std::string> line = read_("(ksmsim) ");
      if (!line)
        break;
      if (echo_)
        out_ << "(ksmsim) " << *line << "\n";
      if (!execute(*line))
        break;
    }
  } catch (const Quit &) {
  }
  return 0;
}

bool StepSession::execute(const std::string &line) {
  std::vector<std::string> w = split(line);
  if (w.empty() || w[0][0] == '#')
    return true;
  try {
    return dispatch(w);
  } catch (const std::exception &e) { // a bad command, a scenario's defect: say it, go on
    out_ << "error: " << e.what() << "\n";
  }
  return true;
}

bool StepSession::dispatch(const std::vector<std::string> &w) {
  const std::string &c = w[0];
  const bool paused = !paused_at_.empty();
  if (paused && (c == "next" || c == "scan" || c == "until"))
    throw std::invalid_argument(
        fmt::format("paused at {}: continue first (here: show, svg, break, delete)", paused_at_));
  if (c == "quit" || c == "exit")
    return arity(w, 1, 1, "quit"), false;
  if (c == "help")
    out_ << HELP;
  else if (c == "next")
    cmd_next(w);
  else if (c == "scan")
    cmd_scan(w);
  else if (c == "until")
    cmd_until(w);
  else if (c == "show")
    cmd_show(w);
  else if (c == "svg")
    cmd_svg(w);
  else if (c == "break")
    cmd_break(w, true);
  else if (c == "delete")
    cmd_break(w, false);
  else if (c == "continue")
    throw std::invalid_argument("not paused at a breakpoint");
  else
    throw std::invalid_argument(fmt::format("unknown command '{}' (try help)", c));
  return true;
}

void StepSession::report_new_oopses() {
  const auto &oopses = st_.kernel().oopses();
  for (; oopses_seen_ < oopses.size(); oopses_seen_++)
    out_ << "kernel: " << oops_headline(oopses[oopses_seen_]) << "\n";
}

void StepSession::cmd_next(const std::vector<std::string> &w) {
  arity(w, 1, 2, "next [N]");
  std::uint64_t n = count_arg(w, 1, 1, 1u << 30);
  for (std::uint64_t i = 0; i < n; i++) {
    if (st_.done()) {
      out_ << "no steps left\n";
      break;
    }
    const scenario::Step &step = st_.scenario().steps[st_.next_index()];
    Kernel &k = st_.kernel();
    const unsigned long pages = k.ksm.pages_scanned();
    const std::uint64_t scans = k.ksm.scan_seqnr();
    out_ << fmt::format("step {} (line {}): {}\n", step.index, step.loc.line, step.kind);
    st_.run_next_step();
    if (k.ksm.pages_scanned() != pages)
      out_ << fmt::format("  ksmd scanned {} pages, {} full scans; now at {} ms\n",
                          k.ksm.pages_scanned() - pages, k.ksm.scan_seqnr() - scans,
                          k.now_us / 1000);
    report_new_oopses();
    // What the report says of this step (an expectation's result, a failure).
    const std::string tag = fmt::format("  step {} (", step.index);
    std::istringstream summary(st_.finish().summary);
    for (std::string l; std::getline(summary, l);)
      if (l.starts_with(tag))
        out_ << l << "\n";
  }
  if (st_.done() && !finished_) {
    finished_ = true;
    out_ << "all steps run:\n" << st_.finish().summary;
  }
}

void StepSession::cmd_scan(const std::vector<std::string> &w) {
  arity(w, 1, 2, "scan [N]");
  std::uint64_t n = count_arg(w, 1, 1, 1u << 20);
  Kernel &k = st_.kernel();
  // A page's batch that scans nothing has ended a full scan; two in a row:
  // ksmd cannot run.
  for (std::uint64_t i = 0, idle = 0; i < n && idle < 2;) {
    const std::uint64_t seqnr = k.ksm.scan_seqnr();
    scanning_ = true;
    unsigned got = st_.scan_pages(1);
    scanning_ = false;
    if (std::string line = seed_scanned_page(k, st_.names()); got && !line.empty())
      out_ << line << "\n";
    if (k.ksm.scan_seqnr() != seqnr)
      out_ << fmt::format("-- full scan done: full_scans {}\n", k.ksm.scan_seqnr());
    report_new_oopses();
    i += got;
    idle = got ? 0 : idle + 1;
    if (idle == 2 || (!got && !k.ksm.ksmd_should_run()))
      out_ << (!k.ksm.ksmd_should_run()
                   ? "ksmd does not run: run is not 1, or no mm has madvised MADV_MERGEABLE\n"
               : k.ksm.slot_figures().empty()
                   ? "ksmd scans nothing: no mm_slot is on ksm_mm_head's list\n"
                   : "ksmd cannot scan: the machine is frozen by an oops\n");
    if (!got && !k.ksm.ksmd_should_run())
      break;
  }
}

void StepSession::cmd_until(const std::vector<std::string> &w) {
  if (w.size() != 3 || w[1] != "full_scans")
    throw std::invalid_argument("usage: until full_scans N");
  std::uint64_t target = count_arg(w, 2, 1, 1u << 30);
  Kernel &k = st_.kernel();
  constexpr std::uint64_t LIMIT = 100'000'000; // pages: a runaway guard
  std::uint64_t pages = 0, idle = 0;
  quiet_ = true;
  while (k.ksm.scan_seqnr() < target && pages < LIMIT && idle < 2) {
    unsigned got = st_.scan_pages(1);
    pages += got;
    idle = got ? 0 : idle + 1; // one empty batch ends a scan; two: ksmd cannot run
  }
  quiet_ = false;
  report_new_oopses();
  if (k.ksm.scan_seqnr() >= target)
    out_ << fmt::format("full_scans {} after {} pages\n", k.ksm.scan_seqnr(), pages);
  else
    out_ << fmt::format("stopped at full_scans {} after {} pages: ksmd {}\n", k.ksm.scan_seqnr(),
                        pages, pages >= LIMIT ? "scanned too long" : "does not run");
}

void StepSession::cmd_show(const std::vector<std::string> &w) {
  arity(w, 2, 5, "show counters|stable|unstable|slots|rmap MM|page MM VMA N");
  Kernel &k = st_.kernel();
  const std::string &what = w[1];
  if (what == "counters" && w.size() == 2)
    out_ << show_counters(k);
  else if (what == "slots" && w.size() == 2)
    out_ << show_slots(k, st_.names());
  else if ((what == "stable" || what == "unstable") && w.size() == 2)
    out_ << inspect_text(k, st_.names(), what);
  else if (what == "rmap" && w.size() == 3)
    out_ << inspect_text(k, st_.names(), "rmap " + w[2]);
  else if (what == "page" && w.size() == 5)
    out_ << show_page(k, st_.names(), w[2], w[3], index_arg(w[4]));
  else
    throw std::invalid_argument("usage: show counters|stable|unstable|slots|rmap MM|page MM VMA N");
}

void StepSession::cmd_svg(const std::vector<std::string> &w) {
  arity(w, 2, 2, "svg FILE");
  std::string svg = inspect_text(st_.kernel(), st_.names(), "svg");
  std::ofstream f(w[1], std::ios::binary | std::ios::trunc);
  if (!(f << svg) || !f.flush())
    throw std::invalid_argument(fmt::format("cannot write {}", w[1]));
  out_ << fmt::format("wrote {}\n", w[1]);
}

void StepSession::cmd_break(const std::vector<std::string> &w, bool add) {
  if (add && w.size() == 1) {
    out_ << (breaks_.empty() ? "no breakpoints\n" : "breakpoints:\n");
    for (const std::string &b : breaks_)
      out_ << "  " << b << "\n";
    return;
  }
  arity(w, 2, 2, add ? "break POINT" : "delete POINT");
  if (!is_preemption_point(w[1]))
    throw std::invalid_argument(
        fmt::format("unknown preemption point '{}' (see docs/preemption-points.md)", w[1]));
  if (add) {
    breaks_.insert(w[1]);
    out_ << fmt::format("breakpoint at {}\n", w[1]);
  } else if (breaks_.erase(w[1])) {
    out_ << fmt::format("deleted breakpoint at {}\n", w[1]);
  } else {
    throw std::invalid_argument(fmt::format("no breakpoint at {}", w[1]));
  }
}

void StepSession::on_point(const char *point) {
  if (paused_at_.empty() && breaks_.count(point))
    pause_at(point);
}

// The kernel stays where it is (in this call) while the commands run.
void StepSession::pause_at(const char *point) {
  Kernel &k = st_.kernel();
  std::vector<std::string> path = call_path().snapshot();
  out_ << fmt::format("break at {}: {} (pid {}) in step {}, at {} ms\n", point, k.current.comm,
                      k.current.pid, k.current_step, k.now_us / 1000);
  out_ << fmt::format("  call path: {}\n", fmt::join(path, " > "));
  paused_at_ = point;
  for (;;) {
    std::optional<std::string> line = read_("(ksmsim paused) ");
    if (!line)
      throw Quit{};
    if (echo_)
      out_ << "(ksmsim paused) " << *line << "\n";
    std::vector<std::string> w = split(*line);
    if (!w.empty() && w[0] == "continue" && w.size() == 1)
      break;
    if (!execute(*line))
      throw Quit{};
  }
  paused_at_.clear();
}

} // namespace ksmsim
