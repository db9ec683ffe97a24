// SPDX-License-Identifier: GPL-2.0-only
//
// The YAML scenario parser (format v1 and extensions, docs/scenario-format.md).
// It turns a scenario file into the AST of include/ksmsim/scenario.h and
// checks everything that is known without running it: keys, value types and
// ranges, the names of mms and vmas, page indexes, and that `at:` never goes
// back in time. Every defect becomes a ScenarioError naming file, line and
// column; nothing else ever escapes from parse_file or parse_text.

#include "ksmsim/scenario.h"

#include "sim/io/input_file.h"
#include "sim/scenario/distribution.h"
#include "sim/scenario/limits.h"
#include "sim/scenario/placeholders.h"
#include "sim/scenario/yaml_guard.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <string_view>

namespace ksmsim::scenario {

namespace {

std::string format_location(const Location &loc) {
  return loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
}

} // namespace

ScenarioError::ScenarioError(const Location &loc, const std::string &message)
    : std::runtime_error(format_location(loc) + ": " + message), loc_(loc), message_(message) {}

namespace {

using KeyList = std::span<const std::string_view>;

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// Limits that keep a hostile file from exhausting memory or the stack
// (the size of a vma and the pages named: sim/scenario/limits.h).
constexpr std::uint64_t kMaxSteps = 1U << 20; // over the whole scenario, after expansion
constexpr std::uint64_t kMaxVmas = 1U << 20;  // over all mms of the scenario
constexpr int kMaxInterleaveDepth = 8;
constexpr std::uint64_t kMaxNodes = 1024; // MAX_NUMNODES
// Page frames and swap slots keep 32-bit numbers.
constexpr std::uint64_t kMaxFrames = (1ULL << 32) - 1;
// A duration or time, 2^42 us (about 50 days): a sum over every step of a
// file cannot wrap 64 bits, nor pass the budgets' bound.
constexpr std::uint64_t kMaxMicros = 1ULL << 42;
// mm, vma and point names: what a trace line and JSON carry as they are.
constexpr std::size_t kMaxNameLength = 64;
constexpr std::uint64_t kPageSize = 4096;

constexpr std::array<std::string_view, 8> kTopKeys{"scenario", "description", "kernel", "seed",
                                                   "machine",  "ksm",         "steps",  "params"};
constexpr std::array<std::string_view, 1> kEmptyTopKeys{"description"};
constexpr std::array<std::string_view, 3> kMachineKeys{"nodes", "pages_per_node", "swap_pages"};
constexpr std::array<std::string_view, 13> kKnobs{"run",
                                                  "pages_to_scan",
                                                  "sleep_millisecs",
                                                  "merge_across_nodes",
                                                  "max_page_sharing",
                                                  "stable_node_chains_prune_millisecs",
                                                  "use_zero_pages",
                                                  "smart_scan",
                                                  "advisor_mode",
                                                  "advisor_max_cpu",
                                                  "advisor_min_pages_to_scan",
                                                  "advisor_max_pages_to_scan",
                                                  "advisor_target_scan_time"};
constexpr std::array<std::string_view, 1> kKernelVersions{"v3.9"};
constexpr std::array<std::string_view, 2> kKernelKeys{"version", "without"};
constexpr std::array<std::string_view, 4> kFixes{"stale-stable-sweep", "unmerge-enter-at-tail",
                                                 "unmerge-swapin-copy", "uptodate-copy"};
constexpr std::array<std::string_view, 3> kStepExtras{"at", "expect_error", "interleave"};
constexpr std::array<std::string_view, 3> kExpectErrorKeys{"errno", "if_with", "if_without"};
constexpr std::array<std::string_view, 4> kInterleaveKeys{"point", "after", "explore", "steps"};
constexpr std::array<std::string_view, 13> kErrnoNames{
    "EPERM", "ENOENT", "EINTR",  "EIO",    "ENOMEM",      "EACCES", "EFAULT",
    "EBUSY", "EEXIST", "EINVAL", "ENOSPC", "ERESTARTSYS", "EAGAIN"};

constexpr std::array<std::string_view, 4> kMmapKeys{"mm", "vma", "pages", "node"};
constexpr std::array<std::string_view, 3> kRangeKeys{"mm", "vma", "pages"};
constexpr std::array<std::string_view, 12> kWriteKeys{
    "mm",   "vma",  "pages",    "fill",       "word",      "random",
    "zero", "poke", "distinct", "zero_share", "differ_at", "seed"};
constexpr std::array<std::string_view, 5> kContentBases{"fill", "word", "random", "zero",
                                                        "distinct"};
constexpr std::array<std::string_view, 3> kDistinctKeys{"count", "weights", "zipf"};
// Generators (extension): expanded by the parser into ordinary steps.
constexpr std::array<std::string_view, 3> kRepeatKeys{"count", "var", "steps"};
constexpr std::array<std::string_view, 2> kSpawnCountKeys{"count", "prefix"};
constexpr std::array<std::string_view, 2> kPokeKeys{"offset", "byte"};
constexpr std::array<std::string_view, 4> kMadviseKeys{"mm", "vma", "advice", "pages"};
constexpr std::array<std::string_view, 4> kAdvices{"mergeable", "unmergeable", "pageout",
                                                   "dontneed"};
constexpr std::array<std::string_view, 2> kForkKeys{"parent", "child"};
constexpr std::array<std::string_view, 4> kSwapoutKeys{"mm", "vma", "pages", "keep_swapcache"};
constexpr std::array<std::string_view, 4> kSwapinKeys{"mm", "vma", "pages", "io_error"};
constexpr std::array<std::string_view, 4> kMigrateKeys{"mm", "vma", "pages", "node"};
constexpr std::array<std::string_view, 2> kWaitKeys{"full_scans", "timeout"};
constexpr std::array<std::string_view, 9> kCounters{
    "pages_shared", "pages_sharing",      "pages_unshared", "pages_volatile", "full_scans",
    "run",          "merge_across_nodes", "pages_to_scan",  "sleep_millisecs"};
constexpr std::array<std::string_view, 8> kExpectExtras{
    "mm", "page", "oops", "warning", "detected", "invariants", "if_with", "if_without"};
// The names `detected:` takes (model/lib/oops.h's detector reports).
constexpr std::array<std::string_view, 5> kDetectorNames{
    "rb-erase-not-in-tree", "use-after-free", "deadlock", "negative-mapcount", "fault-no-progress"};
constexpr std::array<std::string_view, 2> kMmExpectKeys{"ksm_rmap_items", "merged"};
constexpr std::array<std::string_view, 8> kPageExpectKeys{
    "mm", "vma", "page", "ksm", "shared_with", "node", "present", "swapped"};
constexpr std::array<std::string_view, 2> kInvariants{"ok", "violated"};
constexpr std::array<std::string_view, 4> kDumpFormats{"text", "json", "dot", "svg"};
constexpr std::array<std::string_view, 2> kDumpKeys{"format", "file"};
constexpr std::array<std::string_view, 1> kSampleKeys{"label"};
constexpr std::array<std::string_view, 1> kEmptyStepKeys{"sample"}; // `- sample:` alone

// ---------------------------------------------------------------------------
// Text helpers (no YAML involved)

bool contains(KeyList list, std::string_view s) {
  for (std::string_view item : list) {
    if (item == s) {
      return true;
    }
  }
  return false;
}

std::string join(KeyList list) {
  std::string out;
  for (std::string_view item : list) {
    if (!out.empty()) {
      out += ", ";
    }
    out += item;
  }
  return out;
}

std::string quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

int digit_value(char c, unsigned base) {
  int v = -1;
  if (c >= '0' && c <= '9') {
    v = c - '0';
  } else if (c >= 'a' && c <= 'f') {
    v = c - 'a' + 10;
  } else if (c >= 'A' && c <= 'F') {
    v = c - 'A' + 10;
  }
  return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

enum class NumStatus { Ok, NotANumber, TooLarge };

// Strict: the whole text is decimal digits, or 0x followed by hex digits.
// A number too large for 64 bits reads as the largest value.
NumStatus parse_uint(std::string_view text, std::uint64_t &out) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) {
    return NumStatus::NotANumber;
  }
  std::uint64_t value = 0;
  bool overflow = false;
  for (char c : text) {
    int d = digit_value(c, base);
    if (d < 0) {
      return NumStatus::NotANumber;
    }
    if (value > (kU64Max - static_cast<unsigned>(d)) / base) {
      overflow = true;
    }
    value = value * base + static_cast<unsigned>(d);
  }
  out = overflow ? kU64Max : value;
  return overflow ? NumStatus::TooLarge : NumStatus::Ok;
}

std::string format_duration(Micros t) {
  if (t % 1000 == 0) {
    return std::to_string(t / 1000) + "ms";
  }
  return std::to_string(t) + "us";
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool is_scenario_name(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Locations and errors

Location location_of(const std::string &file, const YAML::Mark &mark) {
  if (mark.is_null()) {
    return {file, 1, 1};
  }
  return {file, mark.line + 1, mark.column + 1};
}

class Reporter {
public:
  // column_offset: where the text of a --set value starts in its argument.
  explicit Reporter(std::string file, int column_offset = 0)
      : file_(std::move(file)), column_offset_(column_offset) {}

  const std::string &file() const { return file_; }
  Location loc(const YAML::Node &node) const {
    Location l = location_of(file_, node.Mark());
    l.column += column_offset_;
    return l;
  }

  [[noreturn]] void fail(const YAML::Node &node, const std::string &message) const {
    throw ScenarioError(loc(node), message + context_);
  }

  // A scalar's text with its placeholders replaced (where they are read).
  std::string text(const YAML::Node &node) const {
    if (!node.IsScalar()) {
      return "";
    }
    if (!bindings_.active) {
      return node.Scalar();
    }
    Substituted sub = substitute(node.Scalar(), bindings_);
    if (!sub.error.empty()) {
      fail(node, sub.error);
    }
    return sub.text;
  }

  Bindings &bindings() { return bindings_; }
  const Bindings &bindings() const { return bindings_; }
  // Said after every message: which repeat indexes the failing step had.
  void set_context(std::string context) { context_ = std::move(context); }
  const std::string &context() const { return context_; }

private:
  std::string file_;
  int column_offset_ = 0;
  Bindings bindings_;
  std::string context_;
};

// ---------------------------------------------------------------------------
// Maps: checked keys, no duplicates, lookup by key

struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

std::string in_what(std::string_view what) {
  return what.empty() ? std::string() : " in " + std::string(what);
}

class MapView {
public:
  // Only the keys in `allowed` may appear; only those in `may_be_empty` may
  // have an empty (null) value.
  MapView(const Reporter &rep, const YAML::Node &node, std::string_view what, KeyList allowed,
          KeyList may_be_empty = {})
      : rep_(rep), node_(node), what_(what), allowed_(allowed), may_be_empty_(may_be_empty),
        any_key_(false) {
    load();
  }
  // Any key may appear (the caller checks them).
  MapView(const Reporter &rep, const YAML::Node &node, std::string_view what)
      : rep_(rep), node_(node), what_(what), any_key_(true) {
    load();
  }

  const std::vector<Field> &fields() const { return fields_; }
  const YAML::Node &node() const { return node_; }

  const Field *find(std::string_view key) const {
    for (const Field &f : fields_) {
      if (f.key == key) {
        return &f;
      }
    }
    return nullptr;
  }

  const Field &need(std::string_view key) const {
    const Field *f = find(key);
    if (f == nullptr) {
      rep_.fail(node_, "missing required key " + quote(key) + in_what(what_));
    }
    return *f;
  }

private:
  void load() {
    if (!node_.IsMap()) {
      std::string prefix = what_.empty() ? std::string() : std::string(what_) + ": ";
      std::string keys = any_key_ ? std::string() : " with keys " + join(allowed_);
      rep_.fail(node_, prefix + "expected a map" + keys);
    }
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      add(it->first, it->second);
    }
  }

  void add(const YAML::Node &key, const YAML::Node &value) {
    if (!key.IsScalar()) {
      rep_.fail(key, "expected a plain key" + in_what(what_));
    }
    const std::string &name = key.Scalar();
    if (!any_key_ && !contains(allowed_, name)) {
      rep_.fail(key, "unknown key " + quote(name) + in_what(what_) +
                         " (expected one of: " + join(allowed_) + ")");
    }
    if (find(name) != nullptr) {
      rep_.fail(key, "duplicate key " + quote(name) + in_what(what_));
    }
    // yaml-cpp marks an empty value at the next token, so report it at its key.
    if (value.IsNull() && !contains(may_be_empty_, name)) {
      rep_.fail(key, name + ": expected a value");
    }
    fields_.push_back({name, key, value});
  }

  const Reporter &rep_;
  YAML::Node node_;
  std::string what_;
  KeyList allowed_;
  KeyList may_be_empty_;
  bool any_key_;
  std::vector<Field> fields_;
};

// ---------------------------------------------------------------------------
// Scalar values

std::string scalar_text(const Reporter &rep, const YAML::Node &node) {
  return rep.text(node);
}

std::string range_message(std::string_view what, std::uint64_t min, std::uint64_t max,
                          const std::string &text) {
  std::string prefix = std::string(what) + ": ";
  if (min == 0) {
    return prefix + text + " is too large (at most " + std::to_string(max) + ")";
  }
  if (max == kU64Max) {
    return prefix + "expected an integer >= " + std::to_string(min) + ", got " + text;
  }
  return prefix + "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) +
         ", got " + text;
}

std::uint64_t read_uint(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        std::uint64_t min = 0, std::uint64_t max = kU64Max) {
  std::string text = scalar_text(rep, node);
  std::uint64_t value = 0;
  NumStatus status = node.IsScalar() ? parse_uint(text, value) : NumStatus::NotANumber;
  if (status == NumStatus::NotANumber) {
    std::string got = node.IsScalar() ? ", got " + quote(text) : std::string();
    rep.fail(node, std::string(what) + ": expected a non-negative integer" + got);
  }
  if (status == NumStatus::TooLarge || value < min || value > max) {
    rep.fail(node, range_message(what, min, max, text));
  }
  return value;
}

bool read_bool(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(YAML::Node(rep.text(node)), value)) {
    rep.fail(node, std::string(what) + ": expected true or false");
  }
  return value;
}

// A non-empty scalar, checked by the caller.
std::string read_word(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::string text = rep.text(node);
  if (!node.IsScalar() || text.empty()) {
    rep.fail(node, std::string(what) + ": expected a name");
  }
  return text;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == ':';
}

std::string read_name(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::string name = rep.text(node);
  if (!node.IsScalar() || name.empty()) {
    rep.fail(node, std::string(what) + ": expected a name");
  }
  if (name.size() > kMaxNameLength ||
      !std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c); })) {
    rep.fail(node, std::string(what) + ": a name is 1 to " + std::to_string(kMaxNameLength) +
                       " of A-Z, a-z, 0-9, '_', '.', '-' and ':'");
  }
  return name;
}

// Free text; an empty value (null) is the empty string.
std::string read_text(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  if (node.IsNull()) {
    return {};
  }
  if (!node.IsScalar()) {
    rep.fail(node, std::string(what) + ": expected text");
  }
  return rep.text(node);
}

// A knob value: any scalar, kept as written.
std::string read_knob_value(const Reporter &rep, const Field &f) {
  if (!f.value.IsScalar()) {
    rep.fail(f.value, f.key + ": expected a value (a number or word)");
  }
  return rep.text(f.value);
}

// One of a fixed set of words; returns its index in `choices`.
std::size_t read_choice(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        KeyList choices) {
  std::string text = scalar_text(rep, node);
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (node.IsScalar() && choices[i] == text) {
      return i;
    }
  }
  std::string got = node.IsScalar() ? "unknown " + std::string(what) + " " + quote(text)
                                    : std::string(what) + ": expected a word";
  rep.fail(node, got + " (expected one of: " + join(choices) + ")");
}

Micros read_duration(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  std::optional<Micros> d = node.IsScalar() ? parse_duration(rep.text(node)) : std::nullopt;
  if (!d) {
    rep.fail(node, std::string(what) +
                       ": expected a duration like 250ms, 2s or a bare number of milliseconds");
  }
  if (*d > kMaxMicros) {
    rep.fail(node, std::string(what) + ": at most " + std::to_string(kMaxMicros / 1000) +
                       "ms (about 50 days)");
  }
  return *d;
}

// A byte: an integer 0..255, or a one-character quoted string ('a').
std::uint8_t read_byte(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  // A quoted value with a placeholder is the number it gives.
  bool quoted = node.IsScalar() && node.Tag() == "!" && rep.text(node) == node.Scalar();
  if (quoted) {
    if (node.Scalar().size() != 1) {
      rep.fail(node, std::string(what) + ": expected one character, like 'a', or a number 0..255");
    }
    return static_cast<std::uint8_t>(node.Scalar()[0]);
  }
  return static_cast<std::uint8_t>(read_uint(rep, node, what, 0, 255));
}

const YAML::Node &need_sequence(const Reporter &rep, const YAML::Node &node,
                                std::string_view what) {
  if (!node.IsSequence()) {
    rep.fail(node, std::string(what) + ": expected a list");
  }
  return node;
}

// ---------------------------------------------------------------------------
// Names the scenario has made so far (mm -> vma -> declared size)

struct VmaInfo {
  std::uint32_t pages = 0;
  bool unmapped = false; // the whole vma was munmapped: the name may be mapped again
};
using VmaTable = std::map<std::string, VmaInfo>;
using NameTable = std::map<std::string, VmaTable>;

// A bound on something that a hostile file could make grow without end.
class Budget {
public:
  Budget(std::string_view what, std::uint64_t limit) : what_(what), limit_(limit) {}

  void charge(const Reporter &rep, const YAML::Node &node, std::uint64_t count) {
    used_ += count;
    if (used_ > limit_) {
      rep.fail(node, "too many " + std::string(what_) + " in the scenario (at most " +
                         std::to_string(limit_) + ")");
    }
  }
  std::uint64_t used() const { return used_; }
  std::uint64_t limit() const { return limit_; }

private:
  std::string_view what_;
  std::uint64_t limit_;
  std::uint64_t used_ = 0;
};

// An (mm, vma) pair a step names, checked to exist.
struct Target {
  std::string mm, vma;
  std::uint32_t pages = 0; // the vma's declared size
};

// ---------------------------------------------------------------------------
// The parser

// A --set KEY=VALUE: its value as a scalar node, reported at the argument.
struct SetValue {
  Reporter rep;
  YAML::Node node;
};

class Parser {
public:
  Parser(const std::string &file, const ParseOptions &opt)
      : rep_(file), overrides_(opt.overrides),
        vma_limit_(mapped_page_limit(opt.ram_bytes != 0 ? opt.ram_bytes : host_ram_bytes())) {}

  Scenario parse(const YAML::Node &root);

private:
  using BodyParser = StepBody (Parser::*)(const Field &);
  struct StepKind {
    std::string_view name;
    BodyParser parse;
  };
  static const std::array<StepKind, 17> kStepKinds;
  static std::vector<std::string_view> step_keys();
  static const StepKind *find_step_kind(std::string_view key);

  // top level
  void parse_top_field(Scenario &s, const Field &f);
  void parse_params(const YAML::Node *node);
  void check_override_keys() const;
  std::optional<SetValue> override_of(std::string_view key) const;
  void apply_ksm_overrides(Scenario &s) const;
  KernelProfile parse_kernel(const Field &f);
  std::string parse_kernel_version(const YAML::Node &node);
  std::string parse_fix(const YAML::Node &node);
  Machine parse_machine(const Field *f);
  void parse_knobs(const YAML::Node &node, std::string_view what,
                   std::vector<std::pair<std::string, std::string>> &values,
                   std::vector<Location> *locs);

  // steps
  std::vector<Step> parse_steps(const YAML::Node &node, std::string_view what, Micros start,
                                int depth);
  void parse_step_item(const YAML::Node &item, std::vector<Step> &out, int &index, int depth);
  Step parse_step(const YAML::Node &node, int index, int depth);

  // generators (sim/scenario/generators.cpp)
  bool is_generator(const YAML::Node &item) const;
  void expand_generator(const YAML::Node &item, std::vector<Step> &out, int &index, int depth);
  void expand_repeat(const YAML::Node &item, const Field &f, std::vector<Step> &out, int &index,
                     int depth);
  void expand_spawn_count(const YAML::Node &item, const Field &f, std::vector<Step> &out,
                          int &index);
  std::uint64_t expanded_size(const YAML::Node &steps, int depth);
  std::uint64_t item_size(const YAML::Node &item, int depth);
  std::string repeat_var(const MapView &m);
  void refuse_step_extras(const MapView &m, std::string_view generator);
  const Field &step_key(const MapView &m, int index);
  Micros parse_at(const Field &f);
  std::vector<Interleave> parse_interleaves(const Field &f, int depth);
  Interleave parse_interleave(const YAML::Node &node, Micros start, int depth);

  StepBody parse_spawn(const Field &f);
  StepBody parse_mmap(const Field &f);
  StepBody parse_munmap(const Field &f);
  StepBody parse_write(const Field &f);
  StepBody parse_read(const Field &f);
  StepBody parse_madvise(const Field &f);
  StepBody parse_fork(const Field &f);
  StepBody parse_exit(const Field &f);
  StepBody parse_swapout(const Field &f);
  StepBody parse_swapin(const Field &f);
  StepBody parse_migrate(const Field &f);
  StepBody parse_sysfs(const Field &f);
  StepBody parse_sleep(const Field &f);
  StepBody parse_wait(const Field &f);
  StepBody parse_expect(const Field &f);
  StepBody parse_dump(const Field &f);
  StepBody parse_sample(const Field &f);

  // content of a write
  Content parse_content(const MapView &m, const PageSet &pages);
  void parse_content_base(Content &c, const Field &f);
  // content distributions (sim/scenario/distribution_parse.cpp)
  std::shared_ptr<const Distribution> parse_distribution(const MapView &m, const Field &distinct,
                                                         const PageSet &pages);
  void parse_distinct(DistributionSpec &spec, const YAML::Node &node);
  Decimal read_decimal(const YAML::Node &node, std::string_view what);
  Poke parse_poke(const YAML::Node &node);

  // expectations
  void parse_expect_field(Expect &e, const Field &f);
  void parse_mm_expects(Expect &e, const YAML::Node &node);
  PageExpect parse_page_expect(const YAML::Node &node);

  // names, pages, nodes
  std::string known_mm(const YAML::Node &node, std::string_view what);
  Target target(const MapView &m);
  std::optional<PageSet> optional_pages(const MapView &m, const Target &t);
  PageSet pages_or_all(const MapView &m, const Target &t);
  PageSet page_set(const YAML::Node &node, const Target &t);
  void add_page_item(PageSet &set, const YAML::Node &item, const Target &t);
  PageSet all_pages(const YAML::Node &node, const Target &t);
  std::uint32_t page_index(const YAML::Node &node, const Target &t);
  int numa_node(const YAML::Node &node);
  void require_swap(const Field &f);

  Reporter rep_;
  std::vector<Override> overrides_;
  MappedPageLimit vma_limit_;
  Machine machine_;
  std::uint64_t seed_ = 0;
  NameTable names_;
  Micros time_floor_ = 0; // static lower bound of virtual time: sums of at/sleep
  Budget steps_{"steps", kMaxSteps};
  // Work of the generators' size estimates and iterations (a repeat of
  // nothing, or a template made huge by YAML aliases, must still end in
  // seconds): four times the steps a scenario may have.
  Budget generator_work_{"generator items to expand", 4 * kMaxSteps};
  std::vector<std::string> repeat_context_; // "i=3 (repeat at line 7)", outermost first
  Budget pages_named_{"pages named by steps", kMaxPagesNamed};
  Budget page_runs_{"page ranges", kMaxPageRuns};
  Budget vmas_{"vmas", kMaxVmas};
  Budget classes_{"stored content classes", kMaxWeightedClasses * 16};
};

const std::array<Parser::StepKind, 17> Parser::kStepKinds{{
    {"spawn", &Parser::parse_spawn},
    {"mmap", &Parser::parse_mmap},
    {"munmap", &Parser::parse_munmap},
    {"write", &Parser::parse_write},
    {"read", &Parser::parse_read},
    {"madvise", &Parser::parse_madvise},
    {"fork", &Parser::parse_fork},
    {"exit", &Parser::parse_exit},
    {"swapout", &Parser::parse_swapout},
    {"swapin", &Parser::parse_swapin},
    {"migrate", &Parser::parse_migrate},
    {"sysfs", &Parser::parse_sysfs},
    {"sleep", &Parser::parse_sleep},
    {"wait", &Parser::parse_wait},
    {"expect", &Parser::parse_expect},
    {"dump", &Parser::parse_dump},
    {"sample", &Parser::parse_sample},
}};

std::vector<std::string_view> Parser::step_keys() {
  std::vector<std::string_view> keys;
  for (const StepKind &k : kStepKinds) {
    keys.push_back(k.name);
  }
  keys.insert(keys.end(), kStepExtras.begin(), kStepExtras.end());
  return keys;
}

const Parser::StepKind *Parser::find_step_kind(std::string_view key) {
  for (const StepKind &k : kStepKinds) {
    if (k.name == key) {
      return &k;
    }
  }
  return nullptr;
}

// --- top level -------------------------------------------------------------

Scenario Parser::parse(const YAML::Node &root) {
  if (root.IsNull()) {
    rep_.fail(root, "empty scenario: expected a map with keys scenario and steps");
  }
  MapView top(rep_, root, "", kTopKeys, kEmptyTopKeys);
  Scenario s;
  s.file = rep_.file();
  // params first (the other values may use them), then the --set keys
  // are checked against the file's.
  const Field *params = top.find("params");
  parse_params(params != nullptr ? &params->value : nullptr);
  check_override_keys();
  // Everything but steps next: steps are checked against machine.
  for (const Field &f : top.fields()) {
    if (f.key != "steps" && f.key != "params") {
      parse_top_field(s, f);
    }
  }
  if (top.find("machine") == nullptr) {
    s.machine = machine_ = parse_machine(nullptr);
  }
  if (std::optional<SetValue> seed = override_of("seed")) {
    s.seed = read_uint(seed->rep, seed->node, "seed");
  }
  seed_ = s.seed;
  apply_ksm_overrides(s);
  top.need("scenario");
  s.steps = parse_steps(top.need("steps").value, "steps", 0, 0);
  return s;
}

void Parser::parse_top_field(Scenario &s, const Field &f) {
  if (f.key == "scenario") {
    s.name = read_name(rep_, f.value, "scenario");
    if (!is_scenario_name(s.name)) {
      rep_.fail(f.value, "scenario: a name is made of a-z, 0-9, '.', '_' and '-'");
    }
  } else if (f.key == "description") {
    // Free text: taken as written, placeholders or not.
    if (!f.value.IsNull() && !f.value.IsScalar()) {
      rep_.fail(f.value, "description: expected text");
    }
    s.description = f.value.IsNull() ? std::string() : f.value.Scalar();
  } else if (f.key == "kernel") {
    s.kernel = parse_kernel(f);
  } else if (f.key == "seed") {
    s.seed = read_uint(rep_, f.value, "seed");
  } else if (f.key == "machine") {
    s.machine = machine_ = parse_machine(&f);
  } else if (f.key == "ksm") {
    parse_knobs(f.value, "ksm", s.ksm, &s.ksm_locs);
  }
}

// `kernel: v3.9` or `kernel: {version: v3.9, without: [fix, ...]}`.
KernelProfile Parser::parse_kernel(const Field &f) {
  KernelProfile k;
  k.loc = rep_.loc(f.value);
  if (f.value.IsScalar()) {
    k.version = parse_kernel_version(f.value);
    return k;
  }
  if (!f.value.IsMap()) {
    rep_.fail(f.value, "kernel: expected a version like v3.9 or a map {version, without}");
  }
  MapView m(rep_, f.value, "kernel", kKernelKeys);
  if (const Field *version = m.find("version")) {
    k.version = parse_kernel_version(version->value);
  }
  if (const Field *without = m.find("without")) {
    for (const YAML::Node &fix : need_sequence(rep_, without->value, "without")) {
      k.without.push_back(parse_fix(fix));
    }
  }
  return k;
}

std::string Parser::parse_kernel_version(const YAML::Node &node) {
  return std::string(kKernelVersions[read_choice(rep_, node, "kernel version", kKernelVersions)]);
}

std::string Parser::parse_fix(const YAML::Node &node) {
  return std::string(kFixes[read_choice(rep_, node, "fix", kFixes)]);
}

// The file's machine: (f may be null: none), each value overridden by a
// --set machine.KEY.
Machine Parser::parse_machine(const Field *f) {
  std::optional<MapView> m;
  if (f != nullptr) {
    m.emplace(rep_, f->value, "machine", kMachineKeys);
  }
  Machine machine;
  Location whole = f != nullptr ? rep_.loc(f->key_node) : Location{rep_.file(), 1, 1};
  machine.loc = machine.pages_loc = machine.swap_loc = whole;
  // The value of a key: a --set one, else the file's; with its reporter.
  auto value_of = [&](std::string_view key) -> std::optional<SetValue> {
    if (std::optional<SetValue> v = override_of("machine." + std::string(key))) {
      return v;
    }
    if (const Field *field = m ? m->find(key) : nullptr) {
      return SetValue{rep_, field->value};
    }
    return std::nullopt;
  };
  if (std::optional<SetValue> nodes = value_of("nodes")) {
    machine.nodes = static_cast<int>(read_uint(nodes->rep, nodes->node, "nodes", 1, kMaxNodes));
  }
  std::optional<SetValue> ppn = value_of("pages_per_node");
  if (ppn) {
    machine.pages_per_node = read_uint(ppn->rep, ppn->node, "pages_per_node", 1, kMaxFrames);
    machine.pages_loc = ppn->rep.loc(ppn->node);
  }
  // Both are below 2^32 here: the product cannot wrap.
  if (std::uint64_t(machine.nodes) * machine.pages_per_node > kMaxFrames) {
    std::string message = "nodes x pages_per_node is " +
                          std::to_string(std::uint64_t(machine.nodes) * machine.pages_per_node) +
                          " page frames: at most " + std::to_string(kMaxFrames);
    if (ppn) {
      ppn->rep.fail(ppn->node, message);
    }
    throw ScenarioError(whole, message);
  }
  if (std::optional<SetValue> swap = value_of("swap_pages")) {
    machine.swap_pages = read_uint(swap->rep, swap->node, "swap_pages", 0, kMaxFrames - 1);
    machine.swap_loc = swap->rep.loc(swap->node);
  }
  return machine;
}

// A map of /sys/kernel/mm/ksm knob names to values kept as text, in order.
void Parser::parse_knobs(const YAML::Node &node, std::string_view what,
                         std::vector<std::pair<std::string, std::string>> &values,
                         std::vector<Location> *locs) {
  MapView m(rep_, node, what, kKnobs);
  for (const Field &f : m.fields()) {
    values.emplace_back(f.key, read_knob_value(rep_, f));
    if (locs != nullptr) {
      locs->push_back(rep_.loc(f.key_node));
    }
  }
}

// --- params and --set (extensions) -----------------------------------------

constexpr int kMaxRepeatDepth = 8;

// `params: {procs: 4, pages: 64}`: names for the placeholders' values. A
// file with params reads placeholders in its values.
void Parser::parse_params(const YAML::Node *node) {
  Bindings &b = rep_.bindings();
  if (node != nullptr) {
    MapView m(rep_, *node, "params");
    for (const Field &f : m.fields()) {
      if (!is_identifier(f.key) || f.key.find('.') != std::string::npos) {
        rep_.fail(f.key_node, "params: a name is a letter or '_' and then letters, digits, '_'");
      }
      b.params[f.key] = read_uint(rep_, f.value, "params." + f.key);
    }
  }
  for (const auto &[name, value] : b.params) {
    if (std::optional<SetValue> v = override_of("params." + name)) {
      b.params[name] = read_uint(v->rep, v->node, "params." + name);
    }
  }
  b.active = node != nullptr;
}

// The reporter of a --set: "--set KEY=VALUE:1:COLUMN: message", the column
// the key's or the value's in that text.
Reporter set_reporter(const Override &o, bool at_value) {
  constexpr int kPrefix = 6; // "--set "
  return Reporter("--set " + o.key + "=" + o.value,
                  kPrefix + (at_value ? static_cast<int>(o.key.size()) + 1 : 0));
}

void Parser::check_override_keys() const {
  for (const Override &o : overrides_) {
    const std::string &key = o.key;
    bool known = false;
    if (key.rfind("ksm.", 0) == 0) {
      known = contains(kKnobs, std::string_view(key).substr(4));
    } else if (key.rfind("machine.", 0) == 0) {
      known = contains(kMachineKeys, std::string_view(key).substr(8));
    } else if (key.rfind("params.", 0) == 0) {
      const auto &params = rep_.bindings().params;
      if (params.count(key.substr(7)) == 0) {
        std::string have;
        for (const auto &[name, value] : params) {
          have += (have.empty() ? "" : ", ") + name;
        }
        set_reporter(o, false).fail(
            YAML::Node(), "unknown key " + quote(key) + ": " + rep_.file() +
                              (have.empty() ? " has no params:" : " has the params " + have));
      }
      known = true;
    } else {
      known = key == "seed";
    }
    if (!known) {
      set_reporter(o, false).fail(YAML::Node(),
                                  "unknown key " + quote(key) +
                                      " (expected seed, machine.nodes, machine.pages_per_node, "
                                      "machine.swap_pages, params.NAME or ksm.KNOB, KNOB one of: " +
                                      join(kKnobs) + ")");
    }
  }
}

// The last --set of a key, as a scalar node with its reporter.
std::optional<SetValue> Parser::override_of(std::string_view key) const {
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (it->key == key) {
      return SetValue{set_reporter(*it, true), YAML::Node(it->value)};
    }
  }
  return std::nullopt;
}

// --set ksm.KNOB=VALUE: the file's initial value replaced, or one added.
void Parser::apply_ksm_overrides(Scenario &s) const {
  for (const Override &o : overrides_) {
    if (o.key.rfind("ksm.", 0) != 0) {
      continue;
    }
    std::string knob = o.key.substr(4);
    Reporter r = set_reporter(o, true);
    if (o.value.empty()) {
      r.fail(YAML::Node(), knob + ": expected a value (a number or word)");
    }
    Location loc = r.loc(YAML::Node());
    auto it =
        std::find_if(s.ksm.begin(), s.ksm.end(), [&](const auto &kv) { return kv.first == knob; });
    if (it != s.ksm.end()) {
      it->second = o.value;
      s.ksm_locs[static_cast<std::size_t>(it - s.ksm.begin())] = loc;
    } else {
      s.ksm.emplace_back(knob, o.value);
      s.ksm_locs.push_back(loc);
    }
  }
}

// --- generators (extensions) -------------------------------------------------

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > kU64Max / b ? kU64Max : a * b;
}
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > kU64Max - b ? kU64Max : a + b;
}

bool Parser::is_generator(const YAML::Node &item) const {
  if (!item.IsMap()) {
    return false;
  }
  if (item["repeat"]) {
    return true;
  }
  const YAML::Node spawn = item["spawn"];
  return spawn && spawn.IsMap();
}

void Parser::refuse_step_extras(const MapView &m, std::string_view generator) {
  for (const Field &f : m.fields()) {
    if (f.key != generator) {
      rep_.fail(f.key_node, std::string(generator) + ": a generator takes no " + quote(f.key) +
                                " beside it (give it to the steps it makes)");
    }
  }
}

void Parser::expand_generator(const YAML::Node &item, std::vector<Step> &out, int &index,
                              int depth) {
  generator_work_.charge(rep_, item, 1);
  MapView m(rep_, item, "generator");
  if (const Field *repeat = m.find("repeat")) {
    refuse_step_extras(m, "repeat");
    expand_repeat(item, *repeat, out, index, depth);
  } else {
    refuse_step_extras(m, "spawn");
    expand_spawn_count(item, m.need("spawn"), out, index);
  }
}

// `var: j` (default i): a name no enclosing repeat uses.
std::string Parser::repeat_var(const MapView &m) {
  std::string var = "i";
  const YAML::Node *at = nullptr;
  if (const Field *f = m.find("var")) {
    var = read_word(rep_, f->value, "var");
    at = &f->value;
  }
  bool ok = !var.empty() && (std::isalpha(static_cast<unsigned char>(var[0])) || var[0] == '_') &&
            std::all_of(var.begin(), var.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            });
  if (!ok || var == "params") {
    rep_.fail(*at, "var: a name is a letter or '_' and then letters, digits, '_' (not params)");
  }
  for (const auto &[name, value] : rep_.bindings().vars) {
    if (name == var) {
      rep_.fail(at != nullptr ? *at : m.node(),
                "repeat: " + quote(var) +
                    " is already the index of an enclosing repeat (name this one with var:)");
    }
  }
  return var;
}

// The steps a list of steps expands to, each repeat's index taken at its
// largest: an upper bound unless a count shrinks as an index grows (a
// subtraction), which the step budget then stops while expanding.
std::uint64_t Parser::expanded_size(const YAML::Node &steps, int depth) {
  std::uint64_t total = 0;
  if (steps.IsSequence()) {
    for (const YAML::Node &item : steps) {
      total = saturating_add(total, item_size(item, depth));
    }
  }
  return total;
}

std::uint64_t Parser::item_size(const YAML::Node &item, int depth) {
  generator_work_.charge(rep_, item, 1);
  if (!item.IsMap() || depth > kMaxRepeatDepth + kMaxInterleaveDepth) {
    return 1;
  }
  if (const YAML::Node repeat = item["repeat"]; repeat && repeat.IsMap()) {
    MapView m(rep_, repeat, "repeat", kRepeatKeys);
    std::uint64_t count = read_uint(rep_, m.need("count").value, "count");
    Bindings &b = rep_.bindings();
    bool was_active = b.active;
    b.active = true;
    b.vars.emplace_back(repeat_var(m), count == 0 ? 0 : count - 1);
    std::uint64_t inner = count == 0 ? 0 : expanded_size(m.need("steps").value, depth + 1);
    b.vars.pop_back();
    b.active = was_active;
    return saturating_mul(count, inner);
  }
  if (const YAML::Node spawn = item["spawn"]; spawn && spawn.IsMap() && spawn["count"]) {
    return read_uint(rep_, spawn["count"], "count");
  }
  std::uint64_t size = 1;
  if (const YAML::Node il = item["interleave"]) {
    if (il.IsMap()) {
      size = saturating_add(size, expanded_size(il["steps"], depth + 1));
    } else if (il.IsSequence()) {
      for (const YAML::Node &one : il) {
        if (one.IsMap()) {
          size = saturating_add(size, expanded_size(one["steps"], depth + 1));
        }
      }
    }
  }
  return size;
}

// `repeat: {count: N, var: i, steps: [...]}`: the steps N times, with
// i = 0 .. N-1 in their placeholders.
void Parser::expand_repeat(const YAML::Node &item, const Field &f, std::vector<Step> &out,
                           int &index, int depth) {
  MapView m(rep_, f.value, "repeat", kRepeatKeys);
  if (rep_.bindings().vars.size() >= static_cast<std::size_t>(kMaxRepeatDepth)) {
    rep_.fail(f.key_node,
              "repeat nested too deeply (at most " + std::to_string(kMaxRepeatDepth) + " levels)");
  }
  const YAML::Node &count_node = m.need("count").value;
  std::uint64_t count = read_uint(rep_, count_node, "count");
  std::string var = repeat_var(m);
  const YAML::Node &steps = need_sequence(rep_, m.need("steps").value, "repeat steps");
  // Refused before anything is made: the steps it would make, at most.
  std::uint64_t size = 0;
  if (count != 0) {
    Bindings &b = rep_.bindings();
    bool was_active = b.active;
    b.active = true;
    b.vars.emplace_back(var, count - 1);
    size = expanded_size(steps, depth);
    b.vars.pop_back();
    b.active = was_active;
  }
  std::uint64_t total = saturating_mul(count, size);
  if (total > steps_.limit() - steps_.used()) {
    rep_.fail(count_node, "repeat: " + std::to_string(count) + " times " + std::to_string(size) +
                              " steps is more than the scenario may have (" +
                              std::to_string(steps_.limit()) + " steps in all, " +
                              std::to_string(steps_.used()) + " before this repeat)");
  }
  Bindings &b = rep_.bindings();
  bool was_active = b.active;
  std::string saved_context = rep_.context();
  b.active = true;
  for (std::uint64_t i = 0; i < count; ++i) {
    generator_work_.charge(rep_, f.key_node, 1);
    b.vars.emplace_back(var, i);
    repeat_context_.push_back(var + "=" + std::to_string(i) + " of the repeat at line " +
                              std::to_string(rep_.loc(f.key_node).line));
    std::string context;
    for (const std::string &c : repeat_context_) {
      context += (context.empty() ? " (" : ", ") + c;
    }
    rep_.set_context(context + ")");
    for (const YAML::Node &step : steps) {
      parse_step_item(step, out, index, depth);
    }
    repeat_context_.pop_back();
    b.vars.pop_back();
    rep_.set_context(saved_context);
  }
  b.active = was_active;
}

// `spawn: {count: N, prefix: P}`: N processes P0 .. P(N-1).
void Parser::expand_spawn_count(const YAML::Node &item, const Field &f, std::vector<Step> &out,
                                int &index) {
  MapView m(rep_, f.value, "spawn", kSpawnCountKeys);
  const YAML::Node &count_node = m.need("count").value;
  std::uint64_t count = read_uint(rep_, count_node, "count");
  const YAML::Node &prefix_node = m.need("prefix").value;
  std::string prefix = read_name(rep_, prefix_node, "prefix");
  if (count > steps_.limit() - steps_.used()) {
    rep_.fail(count_node, "spawn: " + std::to_string(count) +
                              " processes is more steps than the scenario may have (" +
                              std::to_string(steps_.limit()) + " steps in all, " +
                              std::to_string(steps_.used()) + " before this one)");
  }
  if (count != 0 && prefix.size() + std::to_string(count - 1).size() > kMaxNameLength) {
    rep_.fail(prefix_node, "prefix: " + quote(prefix + std::to_string(count - 1)) +
                               " is longer than a name may be (" + std::to_string(kMaxNameLength) +
                               " characters)");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    steps_.charge(rep_, f.key_node, 1);
    Step step;
    step.kind = "spawn";
    step.loc = rep_.loc(f.key_node);
    step.index = ++index;
    Spawn sp{prefix + std::to_string(i)};
    if (!names_.emplace(sp.mm, VmaTable{}).second) {
      rep_.fail(prefix_node, "duplicate mm " + quote(sp.mm) + " (already spawned or forked)");
    }
    step.body = std::move(sp);
    out.push_back(std::move(step));
  }
}

// --- steps -----------------------------------------------------------------

std::vector<Step> Parser::parse_steps(const YAML::Node &node, std::string_view what, Micros start,
                                      int depth) {
  if (depth > kMaxInterleaveDepth) {
    rep_.fail(node, "interleave nested too deeply (at most " + std::to_string(kMaxInterleaveDepth) +
                        " levels)");
  }
  if (!node.IsSequence()) {
    rep_.fail(node, std::string(what) + ": expected a list of steps");
  }
  Micros saved_floor = time_floor_;
  time_floor_ = start;
  std::vector<Step> steps;
  int index = 0;
  for (const YAML::Node &item : node) {
    parse_step_item(item, steps, index, depth);
  }
  time_floor_ = saved_floor;
  return steps;
}

// A step, or a generator (repeat:, spawn: {count, prefix}) expanded into
// the steps it stands for; index counts the steps made.
void Parser::parse_step_item(const YAML::Node &item, std::vector<Step> &out, int &index,
                             int depth) {
  if (is_generator(item)) {
    expand_generator(item, out, index, depth);
  } else {
    out.push_back(parse_step(item, ++index, depth));
  }
}

Step Parser::parse_step(const YAML::Node &node, int index, int depth) {
  steps_.charge(rep_, node, 1);
  std::string what = "step " + std::to_string(index);
  if (!node.IsMap()) {
    rep_.fail(node, what + ": expected a map with one step key (spawn, mmap, ...)");
  }
  std::vector<std::string_view> allowed = step_keys();
  // The spec writes a wait's bound as `timeout: 10s` beside `wait:`; inside
  // the wait map is accepted too.
  if (node["wait"]) {
    allowed.push_back("timeout");
  }
  MapView m(rep_, node, what, allowed, kEmptyStepKeys);
  const Field &key = step_key(m, index);

  Step step;
  step.kind = key.key;
  step.loc = rep_.loc(key.key_node);
  step.index = index;
  if (const Field *at = m.find("at")) {
    step.at = parse_at(*at);
  }
  // Interleaved steps run inside this one, before it has made its names.
  if (const Field *interleave = m.find("interleave")) {
    step.interleave = parse_interleaves(*interleave, depth);
  }
  step.body = (this->*find_step_kind(key.key)->parse)(key);
  if (const Field *timeout = m.find("timeout")) {
    if (key.value.IsMap() && key.value["timeout"]) {
      rep_.fail(timeout->key_node, "timeout: given twice, inside the wait map and beside it");
    }
    std::get<Wait>(step.body).timeout = read_duration(rep_, timeout->value, "timeout");
  }
  if (const Field *e = m.find("expect_error")) {
    if (e->value.IsMap()) {
      // Extension: {errno: EBUSY, if_with: FIX, if_without: FIX}
      MapView em(rep_, e->value, "expect_error", kExpectErrorKeys);
      step.expect_error = std::string(
          kErrnoNames[read_choice(rep_, em.need("errno").value, "errno name", kErrnoNames)]);
      for (const char *key : {"if_with", "if_without"}) {
        if (const Field *f = em.find(key)) {
          auto &fixes = std::string_view(key) == "if_with" ? step.expect_error_if_with
                                                           : step.expect_error_if_without;
          if (f->value.IsScalar()) {
            fixes.push_back(parse_fix(f->value));
          } else {
            for (const YAML::Node &fix : need_sequence(rep_, f->value, key)) {
              fixes.push_back(parse_fix(fix));
            }
          }
        }
      }
    } else {
      step.expect_error =
          std::string(kErrnoNames[read_choice(rep_, e->value, "errno name", kErrnoNames)]);
    }
  }
  return step;
}

// The one key of a step map that names its kind.
const Field &Parser::step_key(const MapView &m, int index) {
  const Field *found = nullptr;
  for (const Field &f : m.fields()) {
    if (find_step_kind(f.key) == nullptr) {
      continue;
    }
    if (found != nullptr) {
      rep_.fail(f.key_node, "step " + std::to_string(index) + " has two step keys, " +
                                quote(found->key) + " and " + quote(f.key) +
                                " (one step key per step)");
    }
    found = &f;
  }
  if (found == nullptr) {
    rep_.fail(m.node(), "step " + std::to_string(index) +
                            ": expected a map with one step key (spawn, mmap, ...)");
  }
  return *found;
}

Micros Parser::parse_at(const Field &f) {
  Micros at = read_duration(rep_, f.value, "at");
  if (at < time_floor_) {
    rep_.fail(f.value, "at: " + format_duration(at) + " is in the past (time is already at least " +
                           format_duration(time_floor_) + ")");
  }
  time_floor_ = at;
  return at;
}

// Interleaved steps start at the time of their enclosing step; their own
// sleeps do not move the steps after it (the point may never be reached).
std::vector<Interleave> Parser::parse_interleaves(const Field &f, int depth) {
  Micros start = time_floor_;
  std::vector<Interleave> out;
  if (f.value.IsMap()) {
    out.push_back(parse_interleave(f.value, start, depth));
  } else if (f.value.IsSequence()) {
    for (const YAML::Node &item : f.value) {
      out.push_back(parse_interleave(item, start, depth));
    }
  } else {
    rep_.fail(f.value, "interleave: expected a list of {point, after, steps} or a map "
                       "{explore: true, steps}");
  }
  return out;
}

Interleave Parser::parse_interleave(const YAML::Node &node, Micros start, int depth) {
  MapView m(rep_, node, "interleave", kInterleaveKeys);
  Interleave il;
  il.loc = rep_.loc(node);
  if (const Field *explore = m.find("explore")) {
    il.explore = read_bool(rep_, explore->value, "explore");
    il.explore_loc = rep_.loc(explore->key_node);
  }
  if (il.explore) {
    if (const Field *extra = m.find("point") ? m.find("point") : m.find("after")) {
      rep_.fail(extra->key_node,
                "interleave: " + quote(extra->key) + " cannot be given with explore: true");
    }
  } else {
    il.point = read_name(rep_, m.need("point").value, "point");
    if (const Field *after = m.find("after")) {
      il.after = static_cast<std::uint32_t>(
          read_uint(rep_, after->value, "after", 1, std::numeric_limits<std::uint32_t>::max()));
    }
  }
  il.steps = parse_steps(m.need("steps").value, "steps", start, depth + 1);
  return il;
}

// --- step bodies -----------------------------------------------------------

StepBody Parser::parse_spawn(const Field &f) {
  Spawn s{read_name(rep_, f.value, "spawn")};
  if (!names_.emplace(s.mm, VmaTable{}).second) {
    rep_.fail(f.value, "duplicate mm " + quote(s.mm) + " (already spawned or forked)");
  }
  return s;
}

StepBody Parser::parse_mmap(const Field &f) {
  MapView m(rep_, f.value, "mmap", kMmapKeys);
  Mmap s;
  s.mm = known_mm(m.need("mm").value, "mm");
  const YAML::Node &vma_node = m.need("vma").value;
  s.vma = read_name(rep_, vma_node, "vma");
  const YAML::Node &pages = m.need("pages").value;
  std::uint64_t npages = read_uint(rep_, pages, "pages");
  if (npages == 0) {
    rep_.fail(pages, range_message("pages", 1, vma_limit_.pages, "0"));
  }
  if (npages > vma_limit_.pages) {
    rep_.fail(pages, "vma " + s.vma + ": " + std::to_string(npages) +
                         " pages is more than this machine can simulate (" + describe(vma_limit_) +
                         ")");
  }
  s.pages = static_cast<std::uint32_t>(npages);
  if (const Field *node = m.find("node")) {
    s.node = numa_node(node->value);
  }
  vmas_.charge(rep_, vma_node, 1);
  auto [it, added] = names_[s.mm].emplace(s.vma, VmaInfo{s.pages, false});
  if (!added && !it->second.unmapped) {
    rep_.fail(vma_node, "duplicate vma " + quote(s.vma) + " in mm " + quote(s.mm));
  }
  it->second = VmaInfo{s.pages, false};
  return s;
}

StepBody Parser::parse_munmap(const Field &f) {
  MapView m(rep_, f.value, "munmap", kRangeKeys);
  Target t = target(m);
  Munmap s{t.mm, t.vma, optional_pages(m, t)};
  if (!s.pages) {
    names_[t.mm][t.vma].unmapped = true;
  }
  return s;
}

StepBody Parser::parse_write(const Field &f) {
  MapView m(rep_, f.value, "write", kWriteKeys);
  Target t = target(m);
  PageSet pages = pages_or_all(m, t);
  Content content = parse_content(m, pages);
  return Write{t.mm, t.vma, std::move(pages), std::move(content)};
}

StepBody Parser::parse_read(const Field &f) {
  MapView m(rep_, f.value, "read", kRangeKeys);
  Target t = target(m);
  return Read{t.mm, t.vma, pages_or_all(m, t)};
}

StepBody Parser::parse_madvise(const Field &f) {
  MapView m(rep_, f.value, "madvise", kMadviseKeys);
  Target t = target(m);
  Madvise s;
  s.mm = t.mm;
  s.vma = t.vma;
  s.advice = static_cast<Advice>(read_choice(rep_, m.need("advice").value, "advice", kAdvices));
  s.pages = optional_pages(m, t);
  return s;
}

StepBody Parser::parse_fork(const Field &f) {
  MapView m(rep_, f.value, "fork", kForkKeys);
  Fork s;
  s.parent = known_mm(m.need("parent").value, "parent");
  const YAML::Node &child = m.need("child").value;
  s.child = read_name(rep_, child, "child");
  if (names_.count(s.child) != 0) {
    rep_.fail(child, "duplicate mm " + quote(s.child) + " (already spawned or forked)");
  }
  vmas_.charge(rep_, child, names_[s.parent].size());
  names_[s.child] = names_[s.parent];
  return s;
}

StepBody Parser::parse_exit(const Field &f) {
  return Exit{known_mm(f.value, "exit")};
}

StepBody Parser::parse_swapout(const Field &f) {
  require_swap(f);
  MapView m(rep_, f.value, "swapout", kSwapoutKeys);
  Target t = target(m);
  Swapout s{t.mm, t.vma, pages_or_all(m, t), false};
  if (const Field *keep = m.find("keep_swapcache")) {
    s.keep_swapcache = read_bool(rep_, keep->value, "keep_swapcache");
  }
  return s;
}

StepBody Parser::parse_swapin(const Field &f) {
  require_swap(f);
  MapView m(rep_, f.value, "swapin", kSwapinKeys);
  Target t = target(m);
  Swapin s{t.mm, t.vma, pages_or_all(m, t), false};
  if (const Field *io_error = m.find("io_error")) {
    s.io_error = read_bool(rep_, io_error->value, "io_error");
  }
  return s;
}

StepBody Parser::parse_migrate(const Field &f) {
  MapView m(rep_, f.value, "migrate", kMigrateKeys);
  Target t = target(m);
  PageSet pages = pages_or_all(m, t);
  return Migrate{t.mm, t.vma, std::move(pages), numa_node(m.need("node").value)};
}

StepBody Parser::parse_sysfs(const Field &f) {
  Sysfs s;
  parse_knobs(f.value, "sysfs", s.writes, nullptr);
  if (s.writes.empty()) {
    rep_.fail(f.value, "sysfs: expected at least one knob to write");
  }
  return s;
}

StepBody Parser::parse_sleep(const Field &f) {
  Sleep s{read_duration(rep_, f.value, "sleep")};
  time_floor_ = s.duration > kU64Max - time_floor_ ? kU64Max : time_floor_ + s.duration;
  return s;
}

StepBody Parser::parse_wait(const Field &f) {
  MapView m(rep_, f.value, "wait", kWaitKeys);
  Wait s;
  s.full_scans = read_uint(rep_, m.need("full_scans").value, "full_scans", 1);
  if (const Field *timeout = m.find("timeout")) {
    s.timeout = read_duration(rep_, timeout->value, "timeout");
  }
  return s;
}

// Extension: `dump: FORMAT` or `dump: {format: FORMAT, file: PATH}`.
StepBody Parser::parse_dump(const Field &f) {
  Dump d;
  if (f.value.IsScalar()) {
    d.format = std::string(kDumpFormats[read_choice(rep_, f.value, "dump format", kDumpFormats)]);
    return d;
  }
  MapView m(rep_, f.value, "dump", kDumpKeys);
  if (const Field *format = m.find("format")) {
    d.format =
        std::string(kDumpFormats[read_choice(rep_, format->value, "dump format", kDumpFormats)]);
  }
  if (const Field *file = m.find("file")) {
    d.file = read_text(rep_, file->value, "file");
  }
  return d;
}

// Extension: `sample:`, `sample: LABEL` or `sample: {label: LABEL}`.
StepBody Parser::parse_sample(const Field &f) {
  Sample s;
  if (f.value.IsNull()) {
    return s;
  }
  if (f.value.IsScalar()) {
    s.label = read_text(rep_, f.value, "sample");
    return s;
  }
  MapView m(rep_, f.value, "sample", kSampleKeys);
  if (const Field *label = m.find("label")) {
    s.label = read_text(rep_, label->value, "label");
  }
  return s;
}

StepBody Parser::parse_expect(const Field &f) {
  std::vector<std::string_view> allowed(kCounters.begin(), kCounters.end());
  allowed.insert(allowed.end(), kExpectExtras.begin(), kExpectExtras.end());
  MapView m(rep_, f.value, "expect", allowed);
  if (m.fields().empty()) {
    rep_.fail(f.value, "expect: expected at least one of: " + join(allowed));
  }
  Expect e;
  e.loc = rep_.loc(f.key_node);
  for (const Field &field : m.fields()) {
    parse_expect_field(e, field);
  }
  if (e.counters.empty() && e.mms.empty() && e.pages.empty() && !e.oops && !e.warning &&
      !e.detected && !e.invariants) {
    rep_.fail(f.value, "expect: if_with/if_without need something to check");
  }
  return e;
}

// --- write content ---------------------------------------------------------

Content Parser::parse_content(const MapView &m, const PageSet &pages) {
  Content c;
  for (const Field &f : m.fields()) {
    if (contains(kContentBases, f.key)) {
      parse_content_base(c, f);
    } else if (f.key == "poke") {
      c.poke = parse_poke(f.value);
    }
  }
  if (c.base == Content::Base::None && !c.poke) {
    rep_.fail(m.node(),
              "write: expected content: one of fill, word, random, zero, distinct, or poke");
  }
  if (c.base == Content::Base::Distinct) {
    c.distribution = parse_distribution(m, *m.find("distinct"), pages);
  } else {
    for (const char *key : {"zero_share", "differ_at", "seed"}) {
      if (const Field *f = m.find(key)) {
        rep_.fail(f->key_node, f->key + ": needs distinct: (the contents it shares out)");
      }
    }
  }
  return c;
}

// --- content distributions ---------------------------------------------------

constexpr unsigned kFirstDifferAt = 4088; // at most 8 bytes differ

// A decimal like 0.3 (exactly 3/10).
Decimal Parser::read_decimal(const YAML::Node &node, std::string_view what) {
  std::optional<Decimal> d = parse_decimal(rep_.text(node));
  if (!node.IsScalar() || !d) {
    rep_.fail(node, std::string(what) + ": expected a decimal number like 0.3");
  }
  return *d;
}

// `distinct: N` or `distinct: {count: N, weights: [..] | zipf: S}`.
void Parser::parse_distinct(DistributionSpec &spec, const YAML::Node &node) {
  if (node.IsScalar()) {
    spec.classes = read_uint(rep_, node, "distinct", 1, kMaxClasses);
    return;
  }
  MapView m(rep_, node, "distinct", kDistinctKeys);
  const Field *count = m.find("count");
  const Field *weights = m.find("weights");
  const Field *zipf = m.find("zipf");
  if (weights != nullptr && zipf != nullptr) {
    rep_.fail(zipf->key_node, "distinct: weights and zipf cannot both be given");
  }
  std::uint64_t max = weights != nullptr || zipf != nullptr ? kMaxWeightedClasses : kMaxClasses;
  if (count != nullptr) {
    spec.classes = read_uint(rep_, count->value, "count", 1, max);
  } else if (weights == nullptr) {
    m.need("count");
  }
  if (weights != nullptr) {
    const YAML::Node &list = need_sequence(rep_, weights->value, "weights");
    if (list.size() > kMaxWeightedClasses) {
      rep_.fail(list, "weights: at most " + std::to_string(kMaxWeightedClasses));
    }
    std::uint64_t sum = 0;
    for (const YAML::Node &w : list) {
      spec.weights.push_back(read_uint(rep_, w, "weight", 0, 1ULL << 32));
      sum += spec.weights.back();
    }
    if (count == nullptr) {
      spec.classes = spec.weights.size();
    } else if (spec.weights.size() != spec.classes) {
      rep_.fail(list, "weights: " + std::to_string(spec.weights.size()) + " weights for count " +
                          std::to_string(spec.classes) + " (one weight a content)");
    }
    if (sum == 0) {
      rep_.fail(list, "weights: expected at least one weight above 0");
    }
  }
  if (zipf != nullptr) {
    spec.zipf = read_decimal(zipf->value, "zipf");
    if (spec.zipf->value() > 16) {
      rep_.fail(zipf->value, "zipf: expected an exponent in 0..16");
    }
  }
  if (weights != nullptr || zipf != nullptr) {
    classes_.charge(rep_, node, spec.classes);
  }
}

std::shared_ptr<const Distribution>
Parser::parse_distribution(const MapView &m, const Field &distinct, const PageSet &pages) {
  DistributionSpec spec;
  spec.pages = pages.size();
  spec.seed = seed_;
  parse_distinct(spec, distinct.value);
  if (const Field *seed = m.find("seed")) {
    spec.seed = read_uint(rep_, seed->value, "seed");
  }
  if (const Field *share = m.find("zero_share")) {
    spec.zero_share = read_decimal(share->value, "zero_share");
    if (spec.zero_share.value() > 1) {
      rep_.fail(share->value, "zero_share: expected a share in 0..1, like 0.3");
    }
  }
  if (const Field *differ = m.find("differ_at")) {
    spec.differ_at =
        static_cast<unsigned>(read_uint(rep_, differ->value, "differ_at", kFirstDifferAt, 4095));
    unsigned bytes = 4096 - spec.differ_at;
    if (bytes < 8 && spec.classes > (1ULL << (8 * bytes))) {
      rep_.fail(differ->value, "differ_at: " + std::to_string(spec.differ_at) + " leaves " +
                                   std::to_string(bytes) + " byte(s) to differ: at most " +
                                   std::to_string(1ULL << (8 * bytes)) +
                                   " distinct contents, not " + std::to_string(spec.classes));
    }
  }
  return std::make_shared<const Distribution>(plan_distribution(spec));
}

void Parser::parse_content_base(Content &c, const Field &f) {
  if (c.base != Content::Base::None) {
    rep_.fail(f.key_node, "write: only one of fill, word, random, zero, distinct may be given");
  }
  if (f.key == "fill") {
    c.base = Content::Base::Fill;
    c.value = read_byte(rep_, f.value, "fill");
  } else if (f.key == "word") {
    c.base = Content::Base::Word;
    c.value = read_uint(rep_, f.value, "word");
  } else if (f.key == "random") {
    c.base = Content::Base::Random;
    c.value = read_uint(rep_, f.value, "random");
  } else if (f.key == "distinct") {
    c.base = Content::Base::Distinct; // the distribution is read by parse_content
  } else {
    if (!read_bool(rep_, f.value, "zero")) {
      rep_.fail(f.value, "zero: only zero: true is meaningful");
    }
    c.base = Content::Base::Zero;
    c.value = 0;
  }
}

Poke Parser::parse_poke(const YAML::Node &node) {
  MapView m(rep_, node, "poke", kPokeKeys);
  Poke p;
  p.offset = static_cast<std::uint32_t>(
      read_uint(rep_, m.need("offset").value, "offset", 0, kPageSize - 1));
  p.byte = read_byte(rep_, m.need("byte").value, "byte");
  return p;
}

// --- expectations ----------------------------------------------------------

void Parser::parse_expect_field(Expect &e, const Field &f) {
  if (contains(kCounters, f.key)) {
    e.counters.emplace_back(f.key, read_uint(rep_, f.value, f.key));
    e.counter_locs.push_back(rep_.loc(f.key_node));
  } else if (f.key == "mm") {
    parse_mm_expects(e, f.value);
  } else if (f.key == "page") {
    if (f.value.IsSequence()) {
      for (const YAML::Node &item : f.value) {
        e.pages.push_back(parse_page_expect(item));
      }
    } else {
      e.pages.push_back(parse_page_expect(f.value));
    }
  } else if (f.key == "oops") {
    std::string oops = read_word(rep_, f.value, "oops");
    if (!is_identifier(oops)) {
      rep_.fail(f.value, "oops: expected none or a kernel function name, got " + quote(oops));
    }
    e.oops = oops;
  } else if (f.key == "warning") {
    std::string fn = read_name(rep_, f.value, "warning");
    if (!is_identifier(fn)) {
      rep_.fail(f.value, "warning: expected none or a kernel function name, got " + quote(fn));
    }
    e.warning = fn;
  } else if (f.key == "detected") {
    std::string name = read_name(rep_, f.value, "detected");
    if (name != "none" && !contains(kDetectorNames, name) && !is_identifier(name)) {
      rep_.fail(f.value, "detected: expected none, a detector (" + join(kDetectorNames) +
                             ") or the function it fired in, got " + quote(name));
    }
    e.detected = name;
  } else if (f.key == "invariants") {
    e.invariants = read_choice(rep_, f.value, "invariants value", kInvariants) == 0;
  } else if (f.key == "if_with" || f.key == "if_without") {
    std::vector<std::string> &fixes = f.key == "if_with" ? e.if_with : e.if_without;
    if (f.value.IsScalar()) {
      fixes.push_back(parse_fix(f.value));
    } else {
      for (const YAML::Node &fix : need_sequence(rep_, f.value, f.key)) {
        fixes.push_back(parse_fix(fix));
      }
    }
  }
}

void Parser::parse_mm_expects(Expect &e, const YAML::Node &node) {
  MapView mms(rep_, node, "expect mm");
  for (const Field &f : mms.fields()) {
    MmExpect mm;
    mm.mm = known_mm(f.key_node, "mm");
    mm.loc = rep_.loc(f.key_node);
    MapView m(rep_, f.value, "expect mm " + quote(mm.mm), kMmExpectKeys);
    if (const Field *items = m.find("ksm_rmap_items")) {
      mm.ksm_rmap_items = read_uint(rep_, items->value, "ksm_rmap_items");
    }
    if (const Field *merged = m.find("merged")) {
      mm.merged = read_uint(rep_, merged->value, "merged");
    }
    e.mms.push_back(std::move(mm));
  }
}

PageExpect Parser::parse_page_expect(const YAML::Node &node) {
  MapView m(rep_, node, "expect page", kPageExpectKeys);
  Target t = target(m);
  PageExpect p;
  p.mm = t.mm;
  p.vma = t.vma;
  p.page = page_index(m.need("page").value, t);
  p.loc = rep_.loc(node);
  for (const Field &f : m.fields()) {
    if (f.key == "ksm") {
      p.ksm = read_bool(rep_, f.value, f.key);
    } else if (f.key == "shared_with") {
      p.shared_with = read_uint(rep_, f.value, f.key);
    } else if (f.key == "node") {
      p.node = numa_node(f.value);
    } else if (f.key == "present") {
      p.present = read_bool(rep_, f.value, f.key);
    } else if (f.key == "swapped") {
      p.swapped = read_bool(rep_, f.value, f.key);
    }
  }
  return p;
}

// --- names, pages, nodes ---------------------------------------------------

std::string Parser::known_mm(const YAML::Node &node, std::string_view what) {
  std::string mm = read_name(rep_, node, what);
  if (names_.count(mm) == 0) {
    rep_.fail(node, "unknown mm " + quote(mm));
  }
  return mm;
}

Target Parser::target(const MapView &m) {
  Target t;
  t.mm = known_mm(m.need("mm").value, "mm");
  const YAML::Node &vma_node = m.need("vma").value;
  t.vma = read_name(rep_, vma_node, "vma");
  const VmaTable &vmas = names_[t.mm];
  auto it = vmas.find(t.vma);
  if (it == vmas.end()) {
    rep_.fail(vma_node, "unknown vma " + quote(t.vma) + " in mm " + quote(t.mm));
  }
  t.pages = it->second.pages;
  return t;
}

std::optional<PageSet> Parser::optional_pages(const MapView &m, const Target &t) {
  const Field *f = m.find("pages");
  if (f == nullptr) {
    return std::nullopt;
  }
  return page_set(f->value, t);
}

PageSet Parser::pages_or_all(const MapView &m, const Target &t) {
  std::optional<PageSet> pages = optional_pages(m, t);
  return pages ? std::move(*pages) : all_pages(m.node(), t);
}

// `7`, `0-63`, `[0, 3, 9-12]` or `all`.
PageSet Parser::page_set(const YAML::Node &node, const Target &t) {
  PageSet set;
  set.loc = rep_.loc(node);
  if (node.IsScalar() && rep_.text(node) == "all") {
    return all_pages(node, t);
  }
  if (node.IsSequence()) {
    for (const YAML::Node &item : node) {
      add_page_item(set, item, t);
    }
    if (set.runs.empty()) {
      rep_.fail(node, "pages: expected at least one page");
    }
  } else {
    add_page_item(set, node, t);
  }
  return set;
}

// One page index or an inclusive range "first-last".
void Parser::add_page_item(PageSet &set, const YAML::Node &item, const Target &t) {
  std::string text = scalar_text(rep_, item);
  std::string_view first_text = text, last_text = text;
  if (std::size_t dash = text.find('-'); dash != std::string::npos && dash > 0) {
    first_text = trim(std::string_view(text).substr(0, dash));
    last_text = trim(std::string_view(text).substr(dash + 1));
  }
  std::uint64_t first = 0, last = 0;
  if (!item.IsScalar() || parse_uint(first_text, first) == NumStatus::NotANumber ||
      parse_uint(last_text, last) == NumStatus::NotANumber) {
    rep_.fail(item, "pages: expected a page index, a range like 0-63, a list of those, or all");
  }
  if (first > last) {
    rep_.fail(item, "pages: bad range " + quote(text) + " (the first page is after the last)");
  }
  if (last >= t.pages) {
    rep_.fail(item, "page " + std::string(last_text) + " is outside vma " + quote(t.vma) +
                        " in mm " + quote(t.mm) + " (" + std::to_string(t.pages) + " pages)");
  }
  pages_named_.charge(rep_, item, last - first + 1);
  page_runs_.charge(rep_, item, 1);
  set.add(static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(last - first + 1));
}

// Every page of the vma, in order; `node` is where the step says so.
PageSet Parser::all_pages(const YAML::Node &node, const Target &t) {
  pages_named_.charge(rep_, node, t.pages);
  page_runs_.charge(rep_, node, 1);
  PageSet set;
  set.loc = rep_.loc(node);
  set.add(0, t.pages);
  return set;
}

std::uint32_t Parser::page_index(const YAML::Node &node, const Target &t) {
  std::uint64_t page = read_uint(rep_, node, "page");
  if (page >= t.pages) {
    rep_.fail(node, "page " + std::to_string(page) + " is outside vma " + quote(t.vma) + " in mm " +
                        quote(t.mm) + " (" + std::to_string(t.pages) + " pages)");
  }
  return static_cast<std::uint32_t>(page);
}

int Parser::numa_node(const YAML::Node &node) {
  std::uint64_t n = read_uint(rep_, node, "node");
  if (n >= static_cast<std::uint64_t>(machine_.nodes)) {
    rep_.fail(node, "node " + std::to_string(n) + " does not exist (machine.nodes is " +
                        std::to_string(machine_.nodes) + ")");
  }
  return static_cast<int>(n);
}

void Parser::require_swap(const Field &f) {
  if (machine_.swap_pages == 0) {
    rep_.fail(f.key_node, f.key + " needs machine.swap_pages");
  }
}

// Turns a yaml-cpp exception into a ScenarioError at its mark.
ScenarioError yaml_error(const std::string &file, const YAML::Exception &e) {
  std::string what = dynamic_cast<const YAML::DeepRecursion *>(&e) != nullptr
                         ? "YAML nested too deeply"
                         : "bad YAML: " + e.msg;
  Location loc = e.mark.is_null() ? Location{file, 0, 0} : location_of(file, e.mark);
  return ScenarioError(loc, what);
}

} // namespace

Scenario parse_text(const std::string &text, const std::string &file, const ParseOptions &opt) {
  try {
    std::optional<GuardFinding> g = yaml_guard(text);
    if (!g) {
      g = second_document(text);
    }
    if (g) {
      throw ScenarioError(Location{file, g->line, g->column}, g->what);
    }
    return Parser(file, opt).parse(YAML::Load(text));
  } catch (const ScenarioError &) {
    throw;
  } catch (const YAML::Exception &e) {
    throw yaml_error(file, e);
  } catch (const std::exception &e) {
    throw ScenarioError(Location{file, 0, 0}, std::string("cannot parse: ") + e.what());
  } catch (...) {
    throw ScenarioError(Location{file, 0, 0}, "cannot parse");
  }
}

Scenario parse_file(const std::string &path, const ParseOptions &opt) {
  std::string why;
  std::optional<std::string> text = io::read_input(path, why);
  if (!text) {
    throw ScenarioError(Location{path, 0, 0}, why);
  }
  return parse_text(*text, path, opt);
}

std::optional<Micros> parse_duration(const std::string &text) {
  std::string_view s = text;
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
    ++digits;
  }
  std::string_view unit = s.substr(digits);
  Micros scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1000;
  } else if (unit == "s") {
    scale = 1000 * 1000;
  } else if (unit == "us") {
    scale = 1;
  }
  std::uint64_t value = 0;
  if (digits == 0 || scale == 0 || parse_uint(s.substr(0, digits), value) != NumStatus::Ok ||
      value > kU64Max / scale) {
    return std::nullopt;
  }
  return value * scale;
}

std::optional<Override> split_override(const std::string &arg) {
  std::size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) {
    return std::nullopt;
  }
  return Override{arg.substr(0, eq), arg.substr(eq + 1)};
}

bool is_errno_name(const std::string &name) {
  return contains(kErrnoNames, name);
}

} // namespace ksmsim::scenario
