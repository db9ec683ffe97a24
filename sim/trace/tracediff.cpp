// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim diff`: parse two ftrace text traces, normalise their events,
// align them (Myers' bisection) and report the first divergence.
#include "ksmsim/tracediff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <unordered_map>
#include <utility>

#include "sim/report/json_text.h"

namespace ksmsim::tracediff {

namespace {

constexpr std::string_view kBlanks = " \t\r\n";
constexpr std::string_view kMarks = "tracing_mark_write"; // trace_marker writes
constexpr std::string_view kEventShape = "'TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: TEXT'";

bool is_blank(char c) {
  return kBlanks.find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kBlanks);
  if (begin == std::string_view::npos)
    return {};
  return s.substr(begin, s.find_last_not_of(kBlanks) - begin + 1);
}

template <class Pred> bool all_of(std::string_view s, Pred pred) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [&](char c) { return pred(static_cast<unsigned char>(c)); });
}

bool all_digits(std::string_view s) {
  return all_of(s, ::isdigit);
}
bool all_hex(std::string_view s) {
  return all_of(s, ::isxdigit);
}

// Blank-separated words of a line, one at a time.
struct Words {
  std::string_view rest;
  std::string_view next() {
    const size_t begin = std::min(rest.find_first_not_of(kBlanks), rest.size());
    const size_t end = std::min(rest.find_first_of(kBlanks, begin), rest.size());
    std::string_view word = rest.substr(begin, end - begin);
    rest.remove_prefix(end);
    return word;
  }
};

// ---- Parsing ---------------------------------------------------------------

// Where the "[CPU]" field starts: the first '[' after a blank that holds
// only digits; npos when there is none.
size_t find_cpu_field(std::string_view line) {
  for (size_t open = line.find('['); open != std::string_view::npos;
       open = line.find('[', open + 1)) {
    const size_t close = line.find(']', open);
    if (open > 0 && is_blank(line[open - 1]) && close != std::string_view::npos &&
        all_digits(line.substr(open + 1, close - open - 1)))
      return open;
  }
  return std::string_view::npos;
}

// The task field without an optional tgid column: "( 1234)" or "(-------)".
std::string_view drop_tgid(std::string_view field) {
  field = trim(field);
  const size_t open = field.rfind('(');
  if (field.empty() || field.back() != ')' || open == std::string_view::npos || open == 0 ||
      !is_blank(field[open - 1]))
    return field;
  std::string_view inside = field.substr(open + 1, field.size() - open - 2);
  if (inside.find_first_not_of(" -0123456789") != std::string_view::npos)
    return field;
  return trim(field.substr(0, open));
}

// "COMM-PID" split on its last '-': comm may hold blanks and dashes.
std::optional<std::string> task_comm(std::string_view field) {
  const size_t dash = field.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || !all_digits(field.substr(dash + 1)))
    return std::nullopt;
  return std::string(field.substr(0, dash));
}

// "283.340066:" (or "12345:" with a counter clock).
bool is_timestamp(std::string_view word) {
  if (word.size() < 2 || word.back() != ':')
    return false;
  word.remove_suffix(1);
  const size_t dot = word.find('.');
  if (dot == std::string_view::npos)
    return all_digits(word);
  return all_digits(word.substr(0, dot)) && all_digits(word.substr(dot + 1));
}

// "ksm_start_scan:".
bool is_event_name(std::string_view word) {
  if (word.size() < 2 || word.back() != ':')
    return false;
  word.remove_suffix(1);
  return all_of(word, [](int c) { return std::isalnum(c) || c == '_'; });
}

std::optional<Event> no_event(std::string *expected, const char *what) {
  if (expected)
    *expected = what;
  return std::nullopt;
}

// trace-cmd report's first line, "cpus=2".
bool is_cpus_line(std::string_view line) {
  return line.substr(0, 5) == "cpus=" && all_digits(line.substr(5));
}

// Where the tracer lost events: the kernel prints "CPU:N [LOST M EVENTS]"
// or "CPU:N [LOST EVENTS]" (kernel/trace/trace.c, print_trace_line),
// trace-cmd report "CPU:N [M EVENTS DROPPED]" or "CPU:N [EVENTS DROPPED]"
// (tracecmd/trace-read.c, trace_show_data).
bool is_lost_line(std::string_view line) {
  if (line.substr(0, 4) != "CPU:")
    return false;
  const size_t open = line.find(" [");
  if (open == std::string_view::npos || !all_digits(line.substr(4, open - 4)) || line.back() != ']')
    return false;
  Words words{line.substr(open + 2, line.size() - open - 3)};
  std::vector<std::string_view> w;
  for (std::string_view word = words.next(); !word.empty(); word = words.next())
    w.push_back(word);
  auto is = [&](std::initializer_list<std::string_view> shape) {
    if (w.size() != shape.size())
      return false;
    size_t i = 0;
    for (std::string_view want : shape) {
      if (want == "N" ? !all_digits(w[i]) : w[i] != want)
        return false;
      ++i;
    }
    return true;
  };
  return is({"LOST", "N", "EVENTS"}) || is({"LOST", "EVENTS"}) || is({"N", "EVENTS", "DROPPED"}) ||
         is({"EVENTS", "DROPPED"});
}

// ---- Normalising -----------------------------------------------------------

// A pointer as %p prints it: 8 or more hex digits, hashed or not.
bool is_pointer(std::string_view word) {
  if (word.substr(0, 2) == "0x")
    word.remove_prefix(2);
  return word.size() >= 8 && all_hex(word);
}

// The kind of value a word is, given the word before it; "" when it is
// no value to name.
std::string_view value_kind(std::string_view before, std::string_view word) {
  if ((before == "mm" || before == "rmap_item") && is_pointer(word))
    return before;
  if (before == "pfn" && all_digits(word))
    return "kpfn";
  if (word.size() == 16 && all_hex(word))
    return "ptr";
  return {};
}

// One event as compared: its normalised text and its line in the file.
struct Line {
  int line = 0;
  std::string text;
};

std::vector<Line> normalised(const Trace &t, const std::set<std::string> &names, bool keep_tasks) {
  Namer namer;
  std::vector<Line> out;
  for (const Event &e : t.events) {
    if (!names.count(e.name))
      continue;
    std::string text = normalise_text(e.text, namer);
    out.push_back(
        {e.line, fmt::format("{} {}: {}", normalise_task(e.task, keep_tasks), e.name, text)});
  }
  return out;
}

// ---- Choosing the events to compare ------------------------------------------

using Counts = std::map<std::string, int>;

Counts count_names(const Trace &t) {
  Counts c;
  for (const Event &e : t.events)
    c[e.name]++;
  return c;
}

bool is_ksmsim(std::string_view name) {
  return name.substr(0, 7) == "ksmsim_";
}
bool is_ksm(std::string_view name) {
  return name.substr(0, 4) == "ksm_";
}

int ksmsim_events(const Counts &c) {
  int n = 0;
  for (const auto &[name, count] : c)
    n += is_ksmsim(name) ? count : 0;
  return n;
}

// ksm_* events are always compared; ksmsim_* ones when both traces have
// some; any other event (tracing_mark_write...) when both have it.
// ... and tracing_mark_write (trace_marker) markers only when asked for.
bool on_both_sides(const std::string &name, const Counts &a, const Counts &b, const Options &o) {
  if (name == kMarks && !o.marks)
    return false;
  if (is_ksm(name))
    return true;
  if (is_ksmsim(name))
    return ksmsim_events(a) > 0 && ksmsim_events(b) > 0;
  return a.count(name) && b.count(name);
}

bool asked_for(const std::string &name, const Options &o) {
  auto matches = [&](const std::string &p) { return pattern_matches(p, name); };
  const bool only = o.only.empty() || std::any_of(o.only.begin(), o.only.end(), matches);
  return only && std::none_of(o.ignore.begin(), o.ignore.end(), matches);
}

int count_of(const Counts &c, const std::string &name) {
  auto it = c.find(name);
  return it == c.end() ? 0 : it->second;
}

std::vector<EventCount> event_counts(const Counts &a, const Counts &b, const Options &o) {
  std::set<std::string> names;
  for (const Counts *c : {&a, &b})
    for (const auto &[name, count] : *c)
      names.insert(name);
  std::vector<EventCount> out;
  for (const std::string &name : names)
    out.push_back({name, count_of(a, name), count_of(b, name), !on_both_sides(name, a, b, o),
                   !asked_for(name, o)});
  return out;
}

std::string one_side_note(const std::string &what, int in_a, int in_b) {
  const int n = in_a + in_b;
  return fmt::format("{} left out: only {} has them ({} event{})", what, in_a ? "A" : "B", n,
                     n == 1 ? "" : "s");
}

// What on_both_sides left out, and why.
std::vector<std::string> left_out_notes(const Counts &a, const Counts &b, const Options &o) {
  std::vector<std::string> notes;
  const int ka = ksmsim_events(a), kb = ksmsim_events(b);
  if ((ka > 0) != (kb > 0))
    notes.push_back(one_side_note("ksmsim_* events", ka, kb));
  Options all;
  all.marks = o.marks;
  for (const auto &c : event_counts(a, b, all)) {
    if (c.left_out && c.name == kMarks && !o.marks)
      notes.push_back(fmt::format("{} left out: markers are compared only with --marks ({} in A, "
                                  "{} in B)",
                                  c.name, c.a, c.b));
    else if (c.left_out && !is_ksmsim(c.name))
      notes.push_back(one_side_note(c.name, c.a, c.b));
  }
  return notes;
}

std::set<std::string> compared_names(const std::vector<EventCount> &counts) {
  std::set<std::string> names;
  for (const EventCount &c : counts)
    if (c.compared())
      names.insert(c.name);
  return names;
}

// ---- Aligning ----------------------------------------------------------------

// Beyond this many edits in one stretch the search stops at the furthest
// point reached: a near-minimal split, and a bound on the time.
constexpr int kMaxCost = 4096;

// Furthest-reaching paths with d edits from one corner of a box: x per
// diagonal k = x - y, both counted from that corner; -1 when not reached.
struct Frontier {
  explicit Frontier(int max_d) : v(2 * max_d + 2, -1), offset(max_d) { at(1) = 0; }
  int &at(int k) { return v[offset + k]; }
  int reached(int k) const {
    const int i = offset + k;
    return i < 0 || i >= static_cast<int>(v.size()) ? -1 : v[i];
  }
  std::vector<int> v;
  int offset;
  int kstart = 0, kend = 0; // diagonals given up because they ran off the box
};

// One round of the search from one corner: every diagonal's path takes
// one more edit and then its snake; meet(k, x, y) sees each end inside
// the box, and a true from it ends the round.
template <class Same, class Meet>
bool advance(Frontier &f, int d, int n, int m, Same same, Meet meet) {
  for (int k = -d + f.kstart; k <= d - f.kend; k += 2) {
    int x = (k == -d || (k != d && f.at(k - 1) < f.at(k + 1))) ? f.at(k + 1) : f.at(k - 1) + 1;
    int y = x - k;
    while (x < n && y < m && same(x, y))
      ++x, ++y;
    f.at(k) = x;
    if (x > n)
      f.kend += 2;
    else if (y > m)
      f.kstart += 2;
    else if (meet(k, x, y))
      return true;
  }
  return false;
}

class Aligner {
public:
  Aligner(const std::vector<int> &a, const std::vector<int> &b)
      : a_(a), b_(b), out_{std::vector<bool>(a.size()), std::vector<bool>(b.size())} {}

  Alignment run() {
    std::vector<Box> todo{{0, static_cast<int>(a_.size()), 0, static_cast<int>(b_.size())}};
    while (!todo.empty()) {
      Box box = todo.back();
      todo.pop_back();
      divide(box, todo);
    }
    return std::move(out_);
  }

private:
  struct Box {
    int a0, a1, b0, b1;
  };

  void divide(Box box, std::vector<Box> &todo) {
    while (box.a0 < box.a1 && box.b0 < box.b1 && a_[box.a0] == b_[box.b0])
      ++box.a0, ++box.b0;
    while (box.a0 < box.a1 && box.b0 < box.b1 && a_[box.a1 - 1] == b_[box.b1 - 1])
      --box.a1, --box.b1;
    std::optional<std::pair<int, int>> at;
    if (box.a0 < box.a1 && box.b0 < box.b1)
      at = split(box);
    if (!at) {
      std::fill(out_.a_changed.begin() + box.a0, out_.a_changed.begin() + box.a1, true);
      std::fill(out_.b_changed.begin() + box.b0, out_.b_changed.begin() + box.b1, true);
      return;
    }
    const int x = box.a0 + at->first, y = box.b0 + at->second;
    todo.push_back({x, box.a1, y, box.b1});
    todo.push_back({box.a0, x, box.b0, y});
  }

  // Myers' middle snake: a point (box-relative) on a shortest edit path,
  // searched from both corners at once; nullopt when nothing is common.
  std::optional<std::pair<int, int>> split(const Box &box) const {
    const int n = box.a1 - box.a0, m = box.b1 - box.b0, delta = n - m;
    const bool odd = delta % 2 != 0;
    const int full = (n + m + 1) / 2, max_d = std::min(full, kMaxCost);
    Frontier fwd(max_d), bwd(max_d);
    std::pair<int, int> hit, best{0, 0};
    auto same_fwd = [&](int x, int y) { return a_[box.a0 + x] == b_[box.b0 + y]; };
    auto same_bwd = [&](int x, int y) { return a_[box.a1 - 1 - x] == b_[box.b1 - 1 - y]; };
    auto meet_fwd = [&](int k, int x, int y) {
      if (x + y > best.first + best.second && (x < n || y < m))
        best = {x, y};
      const int xb = bwd.reached(delta - k);
      hit = {x, y};
      return odd && xb >= 0 && x >= n - xb;
    };
    auto meet_bwd = [&](int k, int x, int) {
      const int xf = fwd.reached(delta - k);
      hit = {xf, xf - (delta - k)};
      return !odd && xf >= 0 && xf >= n - x;
    };
    for (int d = 0; d < max_d; ++d) {
      if (advance(fwd, d, n, m, same_fwd, meet_fwd) || advance(bwd, d, n, m, same_bwd, meet_bwd))
        return hit;
    }
    if (max_d < full && best.first + best.second > 0)
      return best;
    return std::nullopt;
  }

  const std::vector<int> &a_, &b_;
  Alignment out_;
};

// The normalised lines as small integers, equal texts equal numbers.
std::pair<std::vector<int>, std::vector<int>> interned(const std::vector<Line> &a,
                                                       const std::vector<Line> &b) {
  std::unordered_map<std::string, int> ids;
  auto ids_of = [&](const std::vector<Line> &lines) {
    std::vector<int> out;
    for (const Line &l : lines)
      out.push_back(ids.emplace(l.text, static_cast<int>(ids.size())).first->second);
    return out;
  };
  auto ia = ids_of(a);
  return {std::move(ia), ids_of(b)};
}

std::vector<Row> aligned_rows(const std::vector<Line> &a, const std::vector<Line> &b,
                              const Alignment &al) {
  std::vector<Row> rows;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && al.a_changed[i]) {
      rows.push_back({'-', a[i].line, 0, a[i].text});
      ++i;
    } else if (j < b.size() && al.b_changed[j]) {
      rows.push_back({'+', 0, b[j].line, b[j].text});
      ++j;
    } else {
      rows.push_back({' ', a[i].line, b[j].line, a[i].text});
      ++i, ++j;
    }
  }
  return rows;
}

void summarise(Result &r) {
  char before = ' ';
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const char op = r.rows[i].op;
    if (op != ' ' && before == ' ')
      r.blocks++;
    if (op != ' ' && r.first < 0)
      r.first = static_cast<int>(i);
    r.only_a += op == '-';
    r.only_b += op == '+';
    before = op;
  }
}

// ---- Reporting ---------------------------------------------------------------

// The rows shown around the first divergence: context before, the first
// block of differing rows (up to a cap), context after.
struct Window {
  int start = 0, first = 0, shown_end = 0, block_end = 0, end = 0;
};

Window window_of(const Result &r, int context) {
  Window w;
  const int size = static_cast<int>(r.rows.size());
  w.first = r.first;
  w.start = std::max(0, r.first - context);
  w.block_end = r.first;
  while (w.block_end < size && r.rows[w.block_end].op != ' ')
    ++w.block_end;
  w.shown_end = std::min(w.block_end, r.first + std::max(10, 2 * context));
  w.end = std::min(size, w.block_end + context);
  return w;
}

int side_line(const Row &row, bool side_a) {
  return side_a ? row.a_line : row.b_line;
}

// The line where a side's first differing event is, or 0 when the first
// block has none of that side's events.
int first_line(const Result &r, const Window &w, bool side_a) {
  for (int i = w.first; i < w.block_end; ++i)
    if (int line = side_line(r.rows[i], side_a))
      return line;
  return 0;
}

// "line 62"; for a side without events in the block, where the block sits.
std::string where(const Result &r, const Window &w, bool side_a) {
  if (int line = first_line(r, w, side_a))
    return fmt::format("line {}", line);
  for (int i = w.first - 1; i >= 0; --i)
    if (int line = side_line(r.rows[i], side_a))
      return fmt::format("nothing (after line {})", line);
  return "nothing (before its first event)";
}

std::string number(int line, size_t width) {
  return line ? fmt::format("{:>{}}", line, width) : std::string(width, ' ');
}

std::string row_text(const Row &row, size_t width) {
  return fmt::format("  {} {}  {}  {}\n", row.op, number(row.a_line, width),
                     number(row.b_line, width), row.text);
}

std::string shown_rows(const Result &r, const Window &w) {
  size_t width = 6;
  for (int i = w.start; i < w.end; ++i)
    width = std::max({width, fmt::formatted_size("{}", r.rows[i].a_line),
                      fmt::formatted_size("{}", r.rows[i].b_line)});
  std::string out = fmt::format("    {:>{}}  {:>{}}\n", "A line", width, "B line", width);
  for (int i = w.start; i < w.end; ++i) {
    if (i == w.shown_end && w.shown_end < w.block_end)
      out += fmt::format("  ... {} more rows in this block\n", w.block_end - w.shown_end);
    if (i < w.shown_end || i >= w.block_end)
      out += row_text(r.rows[i], width);
  }
  return out;
}

const char *status(const EventCount &c) {
  return c.left_out ? "left out" : c.ignored ? "ignored" : "compared";
}

std::string counts_table(const Result &r) {
  size_t width = 5;
  for (const EventCount &c : r.counts)
    width = std::max(width, c.name.size());
  std::string out = fmt::format("  {:<{}} {:>7} {:>7}\n", "event", width, "A", "B");
  for (const EventCount &c : r.counts) {
    const char *mark = !c.compared() ? status(c) : c.a != c.b ? "differs" : nullptr;
    out += fmt::format("  {:<{}} {:>7} {:>7}{}\n", c.name, width, c.a, c.b,
                       mark ? fmt::format("  {}", mark) : "");
  }
  return out;
}

int compared_events(const Result &r, bool side_a) {
  int n = 0;
  for (const EventCount &c : r.counts)
    n += c.compared() ? (side_a ? c.a : c.b) : 0;
  return n;
}

std::string verdict(const Result &r) {
  if (r.equivalent())
    return fmt::format("equivalent: {} events compared on each side\n", compared_events(r, true));
  return fmt::format("different: {} block(s), {} event(s) only in A, {} only in B\n", r.blocks,
                     r.only_a, r.only_b);
}

std::string first_divergence(const Result &r, int context) {
  const Window w = window_of(r, context);
  return fmt::format("first divergence: A {}, B {}\n", where(r, w, true), where(r, w, false)) +
         shown_rows(r, w);
}

ojson json_line(int line) {
  return line ? ojson(line) : ojson(nullptr);
}

ojson json_rows(const Result &r, const Window &w) {
  ojson rows = ojson::array();
  for (int i = w.start; i < w.end; ++i) {
    if (i >= w.shown_end && i < w.block_end)
      continue;
    const Row &row = r.rows[i];
    rows.push_back({{"op", std::string(1, row.op)},
                    {"a_line", json_line(row.a_line)},
                    {"b_line", json_line(row.b_line)},
                    {"text", row.text}});
  }
  return rows;
}

ojson json_first(const Result &r, int context) {
  if (r.equivalent())
    return nullptr;
  const Window w = window_of(r, context);
  return {{"a_line", json_line(first_line(r, w, true))},
          {"b_line", json_line(first_line(r, w, false))},
          {"rows_not_shown", w.block_end - w.shown_end},
          {"rows", json_rows(r, w)}};
}

ojson json_counts(const Result &r) {
  ojson items = ojson::array();
  for (const EventCount &c : r.counts)
    items.push_back({{"name", c.name}, {"a", c.a}, {"b", c.b}, {"status", status(c)}});
  return items;
}

} // namespace

// ---- Public functions --------------------------------------------------------

std::optional<Event> parse_event_line(std::string_view line, std::string *expected) {
  const size_t cpu = find_cpu_field(line);
  if (cpu == std::string_view::npos)
    return no_event(expected, "a '[CPU]' field such as '[001]'");
  Event e;
  std::optional<std::string> comm = task_comm(drop_tgid(line.substr(0, cpu)));
  if (!comm)
    return no_event(expected, "'TASK-PID' before the '[CPU]' field");
  e.task = std::move(*comm);
  Words words{line.substr(line.find(']', cpu) + 1)};
  std::string_view word = words.next();
  if (!is_timestamp(word))
    word = words.next(); // that was the flags column
  if (!is_timestamp(word))
    return no_event(expected, "'TIMESTAMP:' such as '283.340066:' after the flags");
  std::string_view name = words.next();
  if (!is_event_name(name))
    return no_event(expected, "'EVENT:' such as 'ksm_start_scan:' after the timestamp");
  e.name = std::string(name.substr(0, name.size() - 1));
  e.text = std::string(trim(words.rest));
  // trace-cmd report names a trace_marker write by its event, "print:",
  // then prints what the kernel's trace file shows: "tracing_mark_write: ...".
  const std::string marker = std::string(kMarks) + ": ";
  if (e.name == "print" && e.text.rfind(marker, 0) == 0) {
    e.name = kMarks;
    e.text = std::string(trim(std::string_view(e.text).substr(marker.size())));
  }
  return e;
}

Trace parse_trace(std::istream &in, const std::string &path) {
  Trace t{path, {}, {}};
  std::string text;
  for (int n = 1; std::getline(in, text); ++n) {
    std::string_view line = trim(text);
    if (line.empty() || line.front() == '#' || is_cpus_line(line))
      continue;
    if (is_lost_line(line)) {
      t.warnings.push_back(fmt::format("{}:{}: {}: the tracer lost events here", path, n, line));
      continue;
    }
    std::string expected;
    std::optional<Event> e = parse_event_line(text, &expected);
    if (!e)
      throw TraceError(fmt::format("{}:{}: expected {} in an event line {} (or a '#' header "
                                   "line, or a blank line)",
                                   path, n, expected, kEventShape));
    e->line = n;
    t.events.push_back(std::move(*e));
  }
  if (in.bad())
    throw TraceError(fmt::format("{}: read error", path));
  return t;
}

Trace read_trace(const std::string &path) {
  if (path == "-")
    return parse_trace(std::cin, "<stdin>");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw TraceError(fmt::format("{}: is a directory, not a trace", path));
  // Only regular files: a FIFO would block in open(), /dev/zero never end.
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw TraceError(fmt::format("{}: not a regular file", path));
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw TraceError(fmt::format("{}: cannot open", path));
  return parse_trace(f, path);
}

bool pattern_matches(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*')
    return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  return pattern == name;
}

std::string Namer::name(const std::string &kind, const std::string &value) {
  auto &ids = ids_[kind];
  const int next = static_cast<int>(ids.size()) + 1;
  return fmt::format("{}#{}", kind, ids.emplace(value, next).first->second);
}

std::string normalise_text(std::string_view text, Namer &namer) {
  std::string out;
  Words words{text};
  std::string_view before;
  for (std::string_view word = words.next(); !word.empty(); before = word, word = words.next()) {
    const std::string_view kind = value_kind(before, word);
    if (!out.empty())
      out += ' ';
    out += kind.empty() ? std::string(word) : namer.name(std::string(kind), std::string(word));
  }
  return out;
}

std::string normalise_task(const std::string &task, bool keep_tasks) {
  return keep_tasks || task == "ksmd" ? task : "task";
}

Alignment align(const std::vector<int> &a, const std::vector<int> &b) {
  return Aligner(a, b).run();
}

Result diff(const Trace &a, const Trace &b, const Options &o) {
  Result r;
  r.a_path = a.path;
  r.b_path = b.path;
  r.keep_tasks = o.keep_tasks;
  const Counts ca = count_names(a), cb = count_names(b);
  r.counts = event_counts(ca, cb, o);
  r.notes = left_out_notes(ca, cb, o);
  r.warnings = a.warnings;
  r.warnings.insert(r.warnings.end(), b.warnings.begin(), b.warnings.end());
  const std::set<std::string> names = compared_names(r.counts);
  const std::vector<Line> la = normalised(a, names, o.keep_tasks);
  const std::vector<Line> lb = normalised(b, names, o.keep_tasks);
  const auto [ia, ib] = interned(la, lb);
  r.rows = aligned_rows(la, lb, align(ia, ib));
  summarise(r);
  return r;
}

std::string text_report(const Result &r, int context) {
  std::string out = fmt::format("A: {}\nB: {}\n", r.a_path, r.b_path);
  out += fmt::format("normalised: timestamps, pids, cpus and flags dropped; {}; pointers and "
                     "pfns named by first appearance (mm#N, rmap_item#N, kpfn#N, ptr#N)\n",
                     r.keep_tasks ? "task names kept" : "tasks as ksmd or task");
  for (const std::string &note : r.notes)
    out += note + "\n";
  for (const std::string &warning : r.warnings)
    out += "warning: " + warning + "\n";
  out += verdict(r);
  if (!r.equivalent())
    out += first_divergence(r, context);
  return out + "events:\n" + counts_table(r);
}

std::string json_report(const Result &r, int context) {
  const ojson doc = {{"a", r.a_path},
                     {"b", r.b_path},
                     {"equivalent", r.equivalent()},
                     {"keep_tasks", r.keep_tasks},
                     {"left_out", r.notes},
                     {"warnings", r.warnings},
                     {"blocks", r.blocks},
                     {"only_a", r.only_a},
                     {"only_b", r.only_b},
                     {"first_divergence", json_first(r, context)},
                     {"events", json_counts(r)}};
  return json_document(doc, {"/first_divergence", "/first_divergence/rows", "/events"});
}

} // namespace ksmsim::tracediff
