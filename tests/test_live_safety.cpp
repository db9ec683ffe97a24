// SPDX-License-Identifier: GPL-2.0-only
//
// `record`/`compare` leave the live kernel as they found it. The parts are
// tested on their own (no root needed); the whole, as root, in a sandbox:
// a private mount namespace where a directory of plain files stands over
// /sys/kernel/mm/ksm and /sys/kernel/tracing, a tmpfs over /run and a
// directory of the test's own over /run/ksmsim. The kernel's real KSM is
// never touched, and the sandbox scenarios never madvise, so the real ksmd
// never sees their workers. Without root or unshare they are skipped.
#include "catch.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "ksmsim/scenario.h"
#include "sim/live/knob_journal.h"
#include "sim/live/knob_restore.h"
#include "sim/live/live_limits.h"
#include "sim/live/live_lock.h"
#include "sim/live/live_signals.h"
#include "sim/live/live_worker.h"
#include "sim/live/other_users.h"

using namespace ksmsim;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string &path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void spit(const std::string &path, const std::string &text) {
  std::ofstream(path) << text;
}

std::string temp_dir() {
  char tmpl[] = "/tmp/ksmsim-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  return tmpl;
}

bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

} // namespace

TEST_CASE("restore_knobs retries a write refused with EBUSY and reports what still fails",
          "[live][safety]") {
  std::map<std::string, int> busy = {{"max_page_sharing", 3}};
  std::vector<std::string> order;
  live::KnobWriter write = [&](const std::string &name, const std::string &value) {
    order.push_back(name + "=" + value);
    if (name == "merge_across_nodes")
      return -EINVAL;
    if (busy[name] > 0) {
      busy[name]--;
      return -EBUSY;
    }
    return 0;
  };
  live::Knobs knobs = {{"run", "0"},
                       {"max_page_sharing", "256"},
                       {"merge_across_nodes", "1"},
                       {"pages_to_scan", "100"}};
  std::vector<live::KnobFailure> failed =
      live::restore_knobs(knobs, write, std::chrono::seconds(2), std::chrono::milliseconds(1));
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].text() == "merge_across_nodes=1: EINVAL");
  CHECK(order.front() == "run=2"); // unmerge first
  CHECK(order.back() == "run=0");  // run last
  CHECK(std::count(order.begin(), order.end(), "max_page_sharing=256") == 4);

  SECTION("a knob busy for longer than the retries is reported with its errno") {
    busy["max_page_sharing"] = 1000000;
    failed = live::restore_knobs(knobs, write, std::chrono::milliseconds(20),
                                 std::chrono::milliseconds(1));
    REQUIRE(failed.size() == 2);
    CHECK(failed[0].text() == "max_page_sharing=256: EBUSY");
  }
}

TEST_CASE("the journal is written atomically and reads back, a damaged one is refused",
          "[live][safety]") {
  std::string dir = temp_dir();
  live::Journal j;
  j.pid = 1234;
  j.command = "record scenarios/basics/exit.yaml";
  j.boot_id = "b00t";
  j.ksm_dir = "/sys/kernel/mm/ksm";
  j.tracing_dir = "/sys/kernel/tracing";
  j.instance = "/sys/kernel/tracing/instances/ksmsim-1234";
  j.mounted_tracefs = true;
  j.knobs = {{"run", "0"}, {"advisor_mode", "none"}, {"max_page_sharing", "256"}};
  std::string path = live::journal_path(dir);
  REQUIRE(live::write_journal(path, j) == 0);
  CHECK(!fs::exists(path + ".tmp"));
  std::string err;
  std::optional<live::Journal> back = live::read_journal(path, &err);
  REQUIRE(back);
  CHECK(live::journal_text(*back) == live::journal_text(j));
  CHECK(back->knobs == j.knobs);
  CHECK(back->mounted_tracefs);

  spit(path, "not a journal\n");
  CHECK(!live::read_journal(path, &err));
  CHECK(err.find("not a ksmsim journal") != std::string::npos);
  fs::remove(path);
  err.clear();
  CHECK(!live::read_journal(path, &err));
  CHECK(err.empty());
  fs::remove_all(dir);
}

TEST_CASE("the lock refuses a second holder and names the first", "[live][safety]") {
  std::string dir = temp_dir();
  std::string why;
  std::unique_ptr<live::LiveLock> first = live::LiveLock::take(dir, "record a.yaml", &why);
  REQUIRE(first);
  CHECK(slurp(dir + "/lock") == std::to_string(getpid()) + " record a.yaml\n");
  std::unique_ptr<live::LiveLock> second = live::LiveLock::take(dir, "compare b.yaml", &why);
  CHECK(!second);
  CHECK(why.find(std::to_string(getpid()) + " record a.yaml") != std::string::npos);
  first.reset();
  second = live::LiveLock::take(dir, "compare b.yaml", &why);
  CHECK(second);
  second.reset();
  fs::remove_all(dir);
}

TEST_CASE("a scenario asking more real time than the bound or more memory than MemAvailable is "
          "refused with the figures",
          "[live][safety]") {
  std::string dir = temp_dir();
  spit(dir + "/meminfo", "MemTotal:       25165824 kB\nMemAvailable:    1048576 kB\n");
  scenario::Scenario slow = scenario::parse_text(
      "scenario: slow\nsteps:\n  - sleep: 660s\n  - at: 7200s\n    sleep: 1s\n", "slow.yaml");
  CHECK(live::scenario_live_ms(slow) == 7201000);
  std::string why = live::check_limits(slow, 600000, dir + "/meminfo");
  CHECK(why.find("7201.0 s") != std::string::npos);
  CHECK(why.find("--max-live-time") != std::string::npos);
  CHECK(live::check_limits(slow, 8000000, dir + "/meminfo").empty());

  scenario::Scenario big = scenario::parse_text(
      "scenario: big\nsteps:\n  - spawn: A\n  - mmap: {mm: A, vma: v, pages: 131072}\n"
      "  - fork: {parent: A, child: B}\n  - mmap: {mm: B, vma: w, pages: 131072}\n",
      "big.yaml");
  CHECK(live::scenario_memory_bytes(big) == 3ULL << 29); // A's, B's copy of it, B's own
  why = live::check_limits(big, 600000, dir + "/meminfo");
  CHECK(why.find("1536 MiB") != std::string::npos);
  CHECK(why.find("MemAvailable") != std::string::npos);
  CHECK(why.find("1024 MiB") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("the mms of a trace that are not the recording's are named", "[live][safety]") {
  std::string trace = "# tracer: nop\n"
                      "          ksmsim-100     [001] .....    1.0: ksm_enter: mm=00000000aaaa\n"
                      "          ksmsim-101     [001] .....    1.1: ksm_enter: mm=00000000bbbb\n"
                      "     some-app-77       [000] .....    1.2: ksm_enter: mm=00000000cccc\n"
                      "            ksmd-40      [000] .....    2.0: ksm_merge_with_ksm_page: "
                      "ksm_page=0 pfn=1 rmap_item=0 mm=00000000aaaa err=0\n"
                      "            ksmd-40      [000] .....    2.1: ksm_remove_rmap_item: pfn=1 "
                      "rmap_item=0 mm=00000000dddd\n";
  CHECK(live::foreign_mms(trace, {100, 101}) ==
        std::vector<std::string>{"00000000cccc", "00000000dddd"});
  CHECK(live::foreign_mms(trace, {100, 101, 77}) == std::vector<std::string>{"00000000dddd"});
}

TEST_CASE("other users of KSM are found from the counters and /proc/PID/ksm_stat",
          "[live][safety]") {
  std::string dir = temp_dir();
  fs::create_directories(dir + "/ksm");
  fs::create_directories(dir + "/proc/42");
  fs::create_directories(dir + "/proc/43");
  fs::create_directories(dir + "/proc/self");
  spit(dir + "/ksm/pages_shared", "0\n");
  spit(dir + "/ksm/pages_sharing", "0\n");
  spit(dir + "/proc/42/ksm_stat", "ksm_rmap_items 0\nksm_merging_pages 0\nksm_mergeable: no\n");
  spit(dir + "/proc/43/ksm_stat", "ksm_rmap_items 0\nksm_merging_pages 0\nksm_mergeable: yes\n");
  live::OtherUsers u = live::find_other_users(dir + "/ksm", dir + "/proc");
  CHECK(u.any());
  CHECK(u.pids == std::vector<pid_t>{43});
  spit(dir + "/proc/43/ksm_stat", "ksm_rmap_items 0\n");
  spit(dir + "/ksm/pages_sharing", "5\n");
  u = live::find_other_users(dir + "/ksm", dir + "/proc");
  CHECK(u.any());
  CHECK(u.text() == "pages_shared=0, pages_sharing=5");
  fs::remove_all(dir);
}

TEST_CASE("every worker, forked ones too, is killed and reaped before kill_and_reap returns",
          "[live][safety]") {
  std::vector<pid_t> pids;
  {
    live::WorkerGroup group;
    live::Worker a = group.spawn();
    live::Reply r;
    live::Worker b = a.fork_child(&r);
    REQUIRE(r.result == 0);
    live::Worker c = b.fork_child(&r); // a grandchild of a grandchild
    REQUIRE(r.result == 0);
    pids = {a.pid(), b.pid(), c.pid()};
    b.exit_and_wait(); // c's parent is gone: c is reparented to us (subreaper)
    CHECK(group.kill_and_reap().empty());
    for (pid_t p : pids)
      CHECK(gone(p));
    CHECK(group.groups().empty());
  }
}

TEST_CASE("a worker that died makes its socket fail, never raising SIGPIPE", "[live][safety]") {
  live::SignalGuard guard; // as during a recording: SIGPIPE ignored
  live::WorkerGroup group;
  live::Worker a = group.spawn();
  live::Command c;
  c.op = live::Op::Mmap;
  c.len = 4096;
  CHECK(a.send(c).result == 0);
  ::kill(a.pid(), SIGKILL);
  ::waitpid(a.pid(), nullptr, 0);
  live::Reply r = a.send(c);
  CHECK(r.result == -EPIPE);
  CHECK(a.lost());
  group.kill_and_reap();
}

TEST_CASE("every catchable terminating signal ends a recording instead of the process",
          "[live][safety]") {
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGRTMIN}) {
    live::SignalGuard guard;
    CHECK(live::interrupted_by() == 0);
    ::raise(sig);
    CHECK(live::interrupted_by() == sig);
  }
  { // SIGPIPE is ignored while a guard is there
    live::SignalGuard guard;
    ::raise(SIGPIPE);
    CHECK(live::interrupted_by() == 0);
  }
}

// ---- The sandbox ----------------------------------------------------------

namespace {

const std::map<std::string, std::string> kFakeKsm = {
    {"run", "0"},
    {"pages_to_scan", "100"},
    {"sleep_millisecs", "20"},
    {"merge_across_nodes", "1"},
    {"max_page_sharing", "256"},
    {"use_zero_pages", "0"},
    {"smart_scan", "1"},
    {"stable_node_chains_prune_millisecs", "2000"},
    {"advisor_mode", "[none] scan-time"},
    {"full_scans", "0"},
    {"pages_shared", "0"},
    {"pages_sharing", "0"},
    {"pages_unshared", "0"},
    {"pages_volatile", "0"},
    {"general_profit", "0"},
    {"ksm_zero_pages", "0"},
};

const std::map<std::string, std::string> kFakeTracing = {
    {"trace", "GLOBAL BUFFER, NOT OURS"}, {"tracing_on", "1"},
    {"current_tracer", "function"},       {"events/ksm/enable", "X"},
    {"events/ksm/ksm_enter/enable", "1"}, {"events/ksm/ksm_exit/enable", "0"},
};

struct Sandbox {
  std::string root = temp_dir();
  std::string ksm = root + "/ksm", tracing = root + "/tracing", state = root + "/state";
  Sandbox() {
    fs::create_directories(ksm);
    fs::create_directories(tracing + "/instances");
    fs::create_directories(tracing + "/events/ksm/ksm_enter");
    fs::create_directories(tracing + "/events/ksm/ksm_exit");
    fs::create_directories(state);
    for (const auto &[k, v] : kFakeKsm)
      spit(ksm + "/" + k, v + "\n");
    for (const auto &[k, v] : kFakeTracing)
      spit(tracing + "/" + k, v + "\n");
  }
  ~Sandbox() { fs::remove_all(root); }

  static bool usable(std::string *why) {
    if (::geteuid() != 0) {
      *why = "not root";
      return false;
    }
    if (!fs::is_directory("/sys/kernel/mm/ksm") || !fs::is_directory("/sys/kernel/tracing")) {
      *why = "no /sys/kernel/mm/ksm or /sys/kernel/tracing to mount over";
      return false;
    }
    pid_t pid = fork();
    if (pid == 0)
      _exit(::unshare(CLONE_NEWNS) == 0 &&
                    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0
                ? 0
                : 77);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      *why = "unshare(CLONE_NEWNS) is not permitted here";
      return false;
    }
    return true;
  }

  void scenario(const std::string &text) { spit(root + "/s.yaml", text); }
  std::string knob(const std::string &k) const {
    std::string t = slurp(ksm + "/" + k);
    return t.substr(0, t.find('\n'));
  }
  std::string instance(pid_t pid) const {
    return tracing + "/instances/ksmsim-" + std::to_string(pid);
  }

  // Start `ksmsim ARGS` in the sandbox; its output goes to root/out.
  // nofile > 0: that RLIMIT_NOFILE (to make socketpair fail).
  pid_t start(const std::string &args, rlim_t nofile = 0) {
    int go[2];
    REQUIRE(pipe(go) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(go[1]);
      char byte;
      if (read(go[0], &byte, 1) != 1)
        _exit(78);
      if (::unshare(CLONE_NEWNS) || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) ||
          ::mount(ksm.c_str(), "/sys/kernel/mm/ksm", nullptr, MS_BIND, nullptr) ||
          ::mount(tracing.c_str(), "/sys/kernel/tracing", nullptr, MS_BIND, nullptr) ||
          ::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") || ::mkdir("/run/ksmsim", 0700) ||
          ::mount(state.c_str(), "/run/ksmsim", nullptr, MS_BIND, nullptr))
        _exit(77);
      struct rlimit lim = {nofile, nofile};
      if (nofile && setrlimit(RLIMIT_NOFILE, &lim))
        _exit(77);
      std::string cmd =
          std::string("exec ") + KSMSIM_BINARY + " " + args + " >" + root + "/out 2>&1";
      execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
      _exit(79);
    }
    close(go[0]);
    // A tracing instance is made by the kernel on mkdir; the stand-in's is
    // laid out beforehand, under the name the recording will give it (its
    // pid: sh execs ksmsim in place).
    std::string inst = instance(pid);
    fs::create_directories(inst + "/events/ksm");
    spit(inst + "/trace", "# our instance's trace\n");
    spit(inst + "/tracing_on", "0\n");
    spit(inst + "/events/ksm/enable", "0\n");
    REQUIRE(write(go[1], "g", 1) == 1);
    close(go[1]);
    return pid;
  }
  int wait(pid_t pid, int *signal = nullptr) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (signal)
      *signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) != 77);
    return WEXITSTATUS(status);
  }
  int run(const std::string &args) { return wait(start(args)); }
  // A run that must be refused before it changes anything: it never made
  // the instance, so the stand-in laid out for it is removed here.
  int refused(const std::string &args) {
    pid_t pid = start(args);
    int status = wait(pid);
    fs::remove_all(instance(pid));
    return status;
  }
  std::string out() const { return slurp(root + "/out"); }
  // Poll until the recording has pinned its knobs (it is in its steps).
  void await_steps(pid_t pid) {
    for (int i = 0; i < 1000 && knob("max_page_sharing") != "2147483647"; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(knob("max_page_sharing") == "2147483647");
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // past the initial knobs
  }
  // The sleepy scenario, started and in its steps.
  pid_t start_sleepy();
  // A knob that cannot be written from now on (EISDIR).
  void break_knob(const std::string &k) const {
    fs::remove(ksm + "/" + k);
    fs::create_directory(ksm + "/" + k);
  }
  // Every knob, trace setting and file as the sandbox began.
  void check_as_found() const {
    for (const auto &[k, v] : kFakeKsm)
      CHECK(knob(k) == (k == "advisor_mode" ? "none" : v)); // the bracketed one is written back
    for (const auto &[k, v] : kFakeTracing)
      CHECK(slurp(tracing + "/" + k) == v + "\n");
    CHECK(fs::is_empty(tracing + "/instances"));
    CHECK(!fs::exists(state + "/journal"));
    CHECK(slurp(state + "/lock").empty());
  }
};

const char *kSleepy = "scenario: sleepy\n"
                      "ksm: {pages_to_scan: 1000, sleep_millisecs: 10}\n"
                      "steps:\n"
                      "  - spawn: A\n"
                      "  - mmap: {mm: A, vma: heap, pages: 4}\n"
                      "  - write: {mm: A, vma: heap, pages: 0-3, fill: 'a'}\n"
                      "  - fork: {parent: A, child: B}\n"
                      "  - sleep: 3s\n"
                      "  - write: {mm: A, vma: heap, pages: 0, fill: 'b'}\n";

#define SANDBOX_OR_SKIP()                                                                          \
  do {                                                                                             \
    std::string why;                                                                               \
    if (!Sandbox::usable(&why)) {                                                                  \
      WARN("skipped: the live-safety sandbox needs root and a mount namespace: " << why);          \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

const std::string kRecord = "record --live --unmerge-others ";

pid_t Sandbox::start_sleepy() {
  scenario(kSleepy);
  pid_t pid = start(kRecord + root + "/s.yaml");
  await_steps(pid);
  return pid;
}

} // namespace

TEST_CASE("sandbox: a recording puts back every knob, traces in its own instance and leaves the "
          "global trace settings alone",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  sb.scenario("scenario: quick\n"
              "ksm: {run: 0, pages_to_scan: 1000}\n"
              "steps:\n"
              "  - spawn: A\n"
              "  - mmap: {mm: A, vma: heap, pages: 4}\n"
              "  - write: {mm: A, vma: heap, pages: 0-3, fill: 'a'}\n"
              "  - fork: {parent: A, child: B}\n"
              "  - fork: {parent: B, child: C}\n"
              "  - sysfs: {run: 1}\n"
              "  - sleep: 3s\n"
              "  - sysfs: {run: 0}\n");
  pid_t pid = sb.start(kRecord + sb.root + "/s.yaml --trace " + sb.root + "/trace.out");
  sb.await_steps(pid);
  CHECK(slurp(sb.instance(pid) + "/events/ksm/enable") == "1\n");
  CHECK(slurp(sb.instance(pid) + "/tracing_on") == "1\n");
  // As the kernel would, with the mm of a process that is not the recording's.
  const std::string trace = "    other-1 [000] .....  1.0: ksm_enter: mm=00000000feed\n";
  spit(sb.instance(pid) + "/trace", trace);
  CHECK(sb.wait(pid) == 0);
  INFO(sb.out());
  CHECK(slurp(sb.root + "/trace.out") == trace);
  CHECK(sb.out().find("warning: the trace holds 1 mm(s) that are not the recording's "
                      "(00000000feed)") != std::string::npos);
  CHECK(sb.out().find("pinned to behave like 3.9: max_page_sharing=2147483647") !=
        std::string::npos);
  sb.check_as_found();
}

TEST_CASE("sandbox: a second recording is refused while the first holds the lock, naming it",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  pid_t first = sb.start_sleepy();
  Sandbox other; // its own files, the same lock (state directory)
  fs::remove_all(other.state);
  fs::create_directory_symlink(sb.state, other.state);
  other.scenario(kSleepy);
  CHECK(other.refused(kRecord + other.root + "/s.yaml") == 2);
  CHECK(other.out().find("another ksmsim is recording") != std::string::npos);
  CHECK(other.out().find(std::to_string(first) + " record " + sb.root + "/s.yaml") !=
        std::string::npos);
  for (const auto &[k, v] : kFakeKsm) // the refused one touched nothing
    CHECK(other.knob(k) == v);
  ::kill(first, SIGTERM);
  CHECK(sb.wait(first) == 1);
  sb.check_as_found();
}

TEST_CASE("sandbox: every catchable terminating signal ends a recording with everything restored",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2}) {
    Sandbox sb;
    pid_t pid = sb.start_sleepy();
    CHECK(fs::exists(sb.state + "/journal"));
    ::kill(pid, sig);
    INFO("signal " << sigabbrev_np(sig));
    CHECK(sb.wait(pid) == 1);
    CHECK(sb.out().find(std::string("interrupted by SIG") + sigabbrev_np(sig)) !=
          std::string::npos);
    sb.check_as_found();
  }
}

TEST_CASE("sandbox: after a SIGKILL the next recording restores from the journal, or refuses "
          "saying how",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  pid_t pid = sb.start_sleepy();
  ::kill(pid, SIGKILL);
  int sig = 0;
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  CHECK(sig == SIGKILL);
  std::string journal = slurp(sb.state + "/journal");
  CHECK(journal.find("knob max_page_sharing 256\n") != std::string::npos);
  CHECK(journal.find("knob pages_to_scan 100\n") != std::string::npos);
  CHECK(sb.knob("max_page_sharing") == "2147483647"); // left as the killed one had it
  CHECK(fs::exists(sb.instance(pid)));

  SECTION("a knob the journal cannot put back: refused, saying how") {
    sb.break_knob("max_page_sharing");
    sb.scenario("scenario: after\nsteps:\n  - spawn: A\n");
    CHECK(sb.refused(kRecord + sb.root + "/s.yaml") == 2);
    INFO(sb.out());
    CHECK(sb.out().find("max_page_sharing=256: EISDIR") != std::string::npos);
    CHECK(sb.out().find("echo 256 > /sys/kernel/mm/ksm/max_page_sharing") != std::string::npos);
    CHECK(sb.out().find("then remove /run/ksmsim/journal") != std::string::npos);
    CHECK(fs::exists(sb.state + "/journal")); // kept for the next try
    fs::remove(sb.ksm + "/max_page_sharing");
    spit(sb.ksm + "/max_page_sharing", "2147483647\n");
  }
  sb.scenario("scenario: after\nsteps:\n  - spawn: A\n");
  CHECK(sb.run(kRecord + sb.root + "/s.yaml") == 0);
  INFO(sb.out());
  CHECK(sb.out().find("restored the KSM knobs that a recording (pid " + std::to_string(pid)) !=
        std::string::npos);
  sb.check_as_found();
}

TEST_CASE("sandbox: a knob that cannot be put back makes the exit status 2, naming it and the "
          "errno",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  pid_t pid = sb.start_sleepy();
  sb.break_knob("max_page_sharing");
  CHECK(sb.wait(pid) == 2);
  INFO(sb.out());
  CHECK(sb.out().find("NOT RESTORED: max_page_sharing=256: EISDIR") != std::string::npos);
  CHECK(sb.knob("pages_to_scan") == "100"); // the others are put back all the same
  CHECK(sb.knob("run") == "0");
  CHECK(fs::exists(sb.state + "/journal")); // the next run tries again
}

TEST_CASE("sandbox: a worker that dies is a failed step, and the recording still restores",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  sb.scenario("scenario: victim\n"
              "steps:\n"
              "  - spawn: A\n"
              "  - mmap: {mm: A, vma: heap, pages: 4}\n"
              "  - sleep: 3s\n"
              "  - write: {mm: A, vma: heap, pages: 0-3, fill: 'a'}\n");
  pid_t pid = sb.start(kRecord + sb.root + "/s.yaml");
  sb.await_steps(pid);
  std::string children;
  for (int i = 0; i < 200 && children.empty(); i++) {
    children = slurp("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(!children.empty());
  ::kill(std::stoi(children), SIGKILL); // as the OOM killer would
  int sig = 0;
  CHECK(sb.wait(pid, &sig) == 1);
  CHECK(sig == 0);
  INFO(sb.out());
  CHECK(sb.out().find("failed: EPIPE (process 'A' (pid " + std::to_string(std::stoi(children)) +
                      ") died)") != std::string::npos);
  sb.check_as_found();
}

TEST_CASE("sandbox: a refused initial ksm: knob fails the recording as the simulation does",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  sb.break_knob("merge_across_nodes");
  sb.scenario("scenario: refused\nksm: {pages_to_scan: 7, merge_across_nodes: 0}\n"
              "steps:\n  - spawn: A\n");
  CHECK(sb.run(kRecord + sb.root + "/s.yaml") == 2);
  INFO(sb.out());
  CHECK(sb.out().find("ksm: merge_across_nodes: the kernel refuses '0' (EISDIR)") !=
        std::string::npos);
  CHECK(sb.knob("pages_to_scan") == "100");
  CHECK(sb.knob("max_page_sharing") == "256");
  CHECK(!fs::exists(sb.state + "/journal"));
}

TEST_CASE("sandbox: other users of KSM: refused without --unmerge-others, warned with it",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  spit(sb.ksm + "/pages_sharing", "5\n");
  sb.scenario("scenario: others\nsteps:\n  - spawn: A\n");
  CHECK(sb.refused("record --live " + sb.root + "/s.yaml") == 2);
  CHECK(sb.out().find("other processes use KSM on this machine (pages_shared=0, "
                      "pages_sharing=5") != std::string::npos);
  CHECK(sb.out().find("--unmerge-others") != std::string::npos);
  CHECK(sb.knob("max_page_sharing") == "256"); // nothing was changed
  CHECK(!fs::exists(sb.state + "/journal"));
  CHECK(sb.run(kRecord + sb.root + "/s.yaml") == 0);
  CHECK(sb.out().find("warning: other processes use KSM") != std::string::npos);
  CHECK(sb.knob("max_page_sharing") == "256");
}

TEST_CASE("sandbox: live time is bounded, and memory is checked against MemAvailable",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  sb.scenario("scenario: long\nsteps:\n  - spawn: A\n  - sleep: 100800s\n");
  CHECK(sb.refused(kRecord + sb.root + "/s.yaml") == 2);
  CHECK(sb.out().find("raise it with --max-live-time") != std::string::npos);
  CHECK(sb.knob("max_page_sharing") == "256");

  sb.scenario("scenario: huge\nsteps:\n  - spawn: A\n"
              "  - mmap: {mm: A, vma: a, pages: 16000000}\n"
              "  - mmap: {mm: A, vma: b, pages: 16000000}\n");
  CHECK(sb.refused(kRecord + sb.root + "/s.yaml") == 2);
  CHECK(sb.out().find("more than MemAvailable") != std::string::npos);

  // A wait that never ends here (full_scans stays 0) stops at the bound.
  sb.scenario("scenario: waits\nsteps:\n  - spawn: A\n  - sysfs: {run: 1}\n"
              "  - wait: {full_scans: 1}\n");
  auto t0 = std::chrono::steady_clock::now();
  CHECK(sb.run(kRecord + "--max-live-time 0.3 " + sb.root + "/s.yaml") == 1);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  INFO(sb.out());
  CHECK(sb.out().find("failed: ETIME (the bound on live time (--max-live-time) was reached)") !=
        std::string::npos);
  sb.check_as_found();
}

TEST_CASE("sandbox: a worker that cannot be started (socketpair fails) ends record and compare "
          "with everything restored",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  std::string text = "scenario: many\nsteps:\n";
  for (int i = 0; i < 40; i++)
    text += "  - spawn: P" + std::to_string(i) + "\n";
  for (const char *command : {"record", "compare"}) {
    Sandbox sb;
    sb.scenario(text);
    pid_t pid =
        sb.start(std::string(command) + " --live --unmerge-others " + sb.root + "/s.yaml", 24);
    int sig = 0;
    CHECK(sb.wait(pid, &sig) == 2);
    CHECK(sig == 0); // not std::terminate
    INFO(command << ": " << sb.out());
    CHECK(sb.out().find("socketpair: Too many open files") != std::string::npos);
    sb.check_as_found();
  }
}

TEST_CASE("sandbox: --kernel v6.15 pins nothing, says which knob is not the kernel's default, and "
          "replays prctl(PR_SET_MEMORY_MERGE) for real",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  spit(sb.ksm + "/smart_scan", "0\n"); // not 6.x's default (ksm_smart_scan = true)
  // memory_merge 0 on an mm that never had MMF_VM_MERGE_ANY: the kernel's
  // ksm_disable_merge_any returns 0 and registers nothing with the real ksmd.
  sb.scenario("scenario: prctl-off\n"
              "steps:\n"
              "  - spawn: A\n"
              "  - mmap: {mm: A, vma: heap, pages: 4}\n"
              "  - prctl: {mm: A, memory_merge: 0}\n"
              "  - expect: {pages_shared: 0}\n");
  CHECK(sb.run(kRecord + sb.root + "/s.yaml --kernel v6.15") == 0);
  INFO(sb.out());
  CHECK(sb.out().find("for v6.15; nothing pinned (the kernel's defaults)") != std::string::npos);
  CHECK(sb.out().find("warning: smart_scan is 0 here, not the kernel's default 1 that the "
                      "simulated v6.15 starts from") != std::string::npos);
  CHECK(sb.out().find("step 3 (line 5) prctl: done") != std::string::npos);
  CHECK(sb.knob("max_page_sharing") == "256"); // never written: pinning it needs run=2
  CHECK(sb.knob("smart_scan") == "0");         // put back as found
  spit(sb.ksm + "/smart_scan", "1\n");
  sb.check_as_found();
}

TEST_CASE("sandbox: record --kernel with an unknown profile is refused before anything changes",
          "[live][safety][sandbox]") {
  SANDBOX_OR_SKIP();
  Sandbox sb;
  sb.scenario("scenario: any\nsteps:\n  - spawn: A\n");
  CHECK(sb.refused(kRecord + sb.root + "/s.yaml --kernel v9.9") == 2);
  CHECK(sb.out().find("unknown kernel version 'v9.9'") != std::string::npos);
  for (const auto &[k, v] : kFakeKsm) // not one written, not even advisor_mode
    CHECK(sb.knob(k) == v);
  CHECK(!fs::exists(sb.state + "/journal"));
}
