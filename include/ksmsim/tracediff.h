// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim diff A B`: compare two traces in the kernel's ftrace text format
// (ksmsim's own `run --trace` output, a real kernel's
// /sys/kernel/tracing/trace, or `trace-cmd report` output) once what differs by nature is dropped:
// timestamps, pids, cpus, flags, pointer and pfn values. See
// docs/trace-diff.md.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ksmsim::tracediff {

// One event line: `TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: TEXT`.
struct Event {
  int line = 0;     // 1-based line in its file
  std::string task; // the comm, pid dropped
  std::string name; // e.g. ksm_start_scan
  std::string text; // what follows "EVENT: ", trailing blanks dropped
};

struct Trace {
  std::string path;
  std::vector<Event> events;
  // "path:line: ..." for each place the tracer lost events: the ftrace and
  // trace-cmd lines "CPU:N [LOST M EVENTS]", "CPU:N [M EVENTS DROPPED]"...
  std::vector<std::string> warnings;
};

// An unreadable trace: "path: cannot open" or "path:line: expected ...".
class TraceError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Parses one line; nullopt when it is no event line, and then *expected
// (when given) says what was expected where the line went wrong.
std::optional<Event> parse_event_line(std::string_view line, std::string *expected = nullptr);
// Parses a whole trace: event lines, '#' header lines, blank lines,
// trace-cmd report's "cpus=N" and lost-events lines (warnings). Throws
// TraceError at the first line that is none of them.
Trace parse_trace(std::istream &in, const std::string &path);
Trace read_trace(const std::string &path); // "-": stdin, named <stdin>

// Whether an --only/--ignore pattern matches an event name: the name
// itself, or a prefix followed by '*'.
bool pattern_matches(std::string_view pattern, std::string_view name);

// Names values by kind in order of first appearance: the first mm seen is
// "mm#1", the next new one "mm#2", the first one again "mm#1".
class Namer {
public:
  std::string name(const std::string &kind, const std::string &value);

private:
  std::map<std::string, std::map<std::string, int>> ids_;
};

// The text with pointer values (after "mm " or "rmap_item ", or any
// 16-hex-digit token) and pfns (after "pfn ") named; blanks collapsed.
std::string normalise_text(std::string_view text, Namer &namer);
// "ksmd" stays, any other task is "task"; keep_tasks keeps every comm.
std::string normalise_task(const std::string &task, bool keep_tasks);

// Which elements of a and b are outside a common subsequence: minimal
// (Myers, O((N+M)·D)) unless a stretch needs more than a few thousand
// edits, where it settles for a near-minimal split.
struct Alignment {
  std::vector<bool> a_changed, b_changed;
};
Alignment align(const std::vector<int> &a, const std::vector<int> &b);

struct Options {
  std::vector<std::string> only, ignore; // patterns, see pattern_matches
  int context = 3;                       // rows shown around the first divergence
  bool keep_tasks = false;               // compare comms, not ksmd/task
  bool marks = false;                    // compare tracing_mark_write markers too
};

// One row of the aligned view: ' ' in both, '-' only in A, '+' only in B;
// a line is 0 on the side that does not have the event.
struct Row {
  char op = ' ';
  int a_line = 0, b_line = 0;
  std::string text; // the normalised event
};

struct EventCount {
  std::string name;
  int a = 0, b = 0;
  bool left_out = false; // on one side only (ksmsim_*, tracing_mark_write...)
  bool ignored = false;  // by --only or --ignore
  bool compared() const { return !left_out && !ignored; }
};

struct Result {
  std::string a_path, b_path;
  bool keep_tasks = false;
  std::vector<std::string> notes;    // what was left out without being asked, and why
  std::vector<std::string> warnings; // A's, then B's: where a tracer lost events
  std::vector<Row> rows;             // both traces aligned
  int first = -1;                    // index in rows of the first divergence, or -1
  int blocks = 0, only_a = 0, only_b = 0;
  std::vector<EventCount> counts; // every event name of either trace, sorted
  bool equivalent() const { return first < 0; }
};

Result diff(const Trace &a, const Trace &b, const Options &o);
std::string text_report(const Result &r, int context);
std::string json_report(const Result &r, int context);

} // namespace ksmsim::tracediff
