// SPDX-License-Identifier: GPL-2.0-only
//
// What the kernel itself would print, and what only the simulator can see:
// - an oops (BUG_ON, VM_BUG_ON, a NULL dereference the kernel would take):
//   recorded, and the run stops there, as the kernel's task would die;
// - a warning (WARN_ON, "Bad page map", bad_page): recorded, the run goes on;
// - a detector report (like KASAN's or lockdep's; the kernel cannot see
//   these): a node erased from a tree that does not hold it, a mapcount
//   going negative, use of a freed object, taking a lock the same context
//   holds; and the simulator's own misuse of its bookkeeping (a page
//   content put once too often: negative-content-holders). detector_report
//   goes on, as the kernel would carry on unaware; detector_stop ends the
//   run where the kernel's behaviour is undefined (use after free), it
//   would hang (deadlock), or the simulator's state is no longer sound.
// Ported functions push their name on a simulated call path (KFUNC) so each
// record can say how it was reached.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ksmsim {

struct OopsRecord {
  std::string kind;     // "BUG", "WARNING" or "detector" (see is_oops & co. below)
  std::string function; // the kernel function where it happened
  std::string message;  // as the kernel prints it (for a detector: "ksmsim: ...")
  std::string site;     // WARN_ON: the kernel's file:line ("mm/ksm.c:713")
  std::string name;     // detector: a short name for `detected:` ("rb-erase-not-in-tree")
  std::vector<std::string> call_path; // outermost first
  std::uint64_t time_us = 0;
  int step = 0; // 1-based scenario step index, 0 if none
};
inline bool is_oops(const OopsRecord &r) {
  return r.kind == "BUG";
}
inline bool is_warning(const OopsRecord &r) {
  return r.kind == "WARNING";
}
inline bool is_detector(const OopsRecord &r) {
  return r.kind == "detector";
}
// The line the kernel's log would show (or, for a detector, ksmsim's report).
std::string oops_headline(const OopsRecord &r);

// Thrown by a BUG or a stopping detector report: the run stops there.
class OopsException : public std::runtime_error {
public:
  explicit OopsException(const std::string &what) : std::runtime_error(what) {}
};

// Another CPU's step at an interleaving point needs a lock that the
// interrupted context holds: the kernel would make it wait, so the
// interleaving cannot happen at that point.
class LockConflict : public std::runtime_error {
public:
  explicit LockConflict(const std::string &lock) : std::runtime_error(lock) {}
};

// The functions of the kernel the simulated CPU is in, innermost last. A
// fixed array (no allocation, trivially constructed, so the thread_local
// needs no initialisation guard on every KFUNC); frames deeper than it
// holds are counted, not named.
class CallPath {
public:
  void push(const char *fn) {
    if (depth_ < MAX_FRAMES)
      frames_[depth_] = fn;
    depth_++;
  }
  void pop() { depth_--; }
  std::vector<std::string> snapshot() const {
    std::vector<std::string> out(frames_, frames_ + (depth_ < MAX_FRAMES ? depth_ : MAX_FRAMES));
    if (depth_ > MAX_FRAMES)
      out.push_back("...");
    return out;
  }
  void clear() { depth_ = 0; }

private:
  static constexpr unsigned MAX_FRAMES = 64;
  const char *frames_[MAX_FRAMES] = {};
  unsigned depth_ = 0;
};

// The one call path of the simulated machine (there is no real concurrency).
// One per thread: ksmsim explore runs scenarios on several threads.
inline thread_local constinit CallPath the_call_path;
inline CallPath &call_path() {
  return the_call_path;
}

class FrameGuard {
public:
  explicit FrameGuard(const char *fn) { call_path().push(fn); }
  ~FrameGuard() { call_path().pop(); }
  FrameGuard(const FrameGuard &) = delete;
  FrameGuard &operator=(const FrameGuard &) = delete;
};

#define KFUNC() ::ksmsim::FrameGuard ksmsim_frame_guard_(__func__)

// Where oopses are recorded; set by the kernel that owns the run.
class OopsSink {
public:
  virtual ~OopsSink() = default;
  virtual void record_oops(OopsRecord rec) = 0;
  // WARN_ON_ONCE: true the first time a site warns in this run (the
  // kernel's static __warned flag; a run is one boot).
  virtual bool first_warning_at(const std::string &site) = 0;
};
void set_oops_sink(OopsSink *sink);

// A BUG: the oops stops the run.
[[noreturn]] void kernel_bug(const char *fn, const std::string &message);
// A NULL dereference the kernel itself would take, in fn.
[[noreturn]] void kernel_null_deref(const char *fn);
// A general protection fault the kernel would take in fn: x86-64's for a
// non-canonical address it dereferences, such as LIST_POISON1 or 2
// (0xdead000000100100, 0xdead000000200200). An oops, as a NULL
// dereference is.
[[noreturn]] void kernel_general_protection_fault(const char *fn);
// The kernel's non-fatal complaints: WARN_ON at file:line, and printed
// errors such as "BUG: Bad page map" or "BUG: Bad page state" (the kernel
// taints itself and goes on).
void kernel_warn_at(const char *fn, const char *site);
void kernel_warn_once_at(const char *fn, const char *site);
void kernel_warn(const char *fn, const std::string &message);
// What only the simulator can see: detector_report goes on (the kernel
// carries on unaware), detector_stop ends the run (use after free: no
// defined behaviour follows; a self-deadlock: the kernel would hang).
void detector_report(const char *fn, const char *name, const std::string &message);
[[noreturn]] void detector_stop(const char *fn, const char *name, const std::string &message);
[[noreturn]] void use_after_free(const char *fn, const std::string &what);

#define BUG_ON(cond)                                                                               \
  do {                                                                                             \
    if (cond)                                                                                      \
      ::ksmsim::kernel_bug(__func__, "BUG_ON(" #cond ")");                                         \
  } while (0)
#define VM_BUG_ON(cond)                                                                            \
  do {                                                                                             \
    if (cond)                                                                                      \
      ::ksmsim::kernel_bug(__func__, "VM_BUG_ON(" #cond ")");                                      \
  } while (0)
// WARN_ON evaluates to its condition, as in the kernel; the run continues.
// SITE is the kernel's "file:line" of that WARN_ON (v3.9's line numbers).
#define WARN_ON(cond, site) ((cond) ? (::ksmsim::kernel_warn_at(__func__, site), true) : false)
#define WARN_ON_ONCE(cond, site)                                                                   \
  ((cond) ? (::ksmsim::kernel_warn_once_at(__func__, site), true) : false)

} // namespace ksmsim
