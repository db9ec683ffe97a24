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
#include "sim/scenario/yaml_guard.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
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

// Limits that keep a hostile file from exhausting memory or the stack.
constexpr std::uint64_t kMaxVmaPages = 1U << 24;    // 64 GiB of virtual memory
constexpr std::uint64_t kMaxPageIndexes = 1U << 26; // over the whole scenario
constexpr std::uint64_t kMaxSteps = 1U << 20;       // over the whole scenario
constexpr std::uint64_t kMaxVmas = 1U << 20;        // over all mms of the scenario
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

constexpr std::array<std::string_view, 8> kTopKeys{"scenario", "description", "kernel", "kernels",
                                                   "seed",     "machine",     "ksm",    "steps"};
constexpr std::array<std::string_view, 1> kEmptyTopKeys{"description"};
constexpr std::array<std::string_view, 3> kMachineKeys{"nodes", "pages_per_node", "swap_pages"};
constexpr std::array<std::string_view, 14> kKnobs{"run",
                                                  "pages_to_scan",
                                                  "sleep_millisecs",
                                                  "merge_across_nodes",
                                                  "max_kernel_pages",
                                                  "max_page_sharing",
                                                  "stable_node_chains_prune_millisecs",
                                                  "use_zero_pages",
                                                  "smart_scan",
                                                  "advisor_mode",
                                                  "advisor_max_cpu",
                                                  "advisor_min_pages_to_scan",
                                                  "advisor_max_pages_to_scan",
                                                  "advisor_target_scan_time"};
constexpr std::array<std::string_view, 2> kKernelVersions{"v3.9", "v2.6.32"};
constexpr std::array<std::string_view, 2> kKernelKeys{"version", "without"};
constexpr std::array<std::string_view, 4> kFixes{"stale-stable-sweep", "unmerge-enter-at-tail",
                                                 "unmerge-swapin-copy", "uptodate-copy"};
constexpr std::array<std::string_view, 3> kStepExtras{"at", "expect_error", "interleave"};
constexpr std::array<std::string_view, 5> kExpectErrorKeys{"errno", "if_with", "if_without",
                                                           "if_kernel", "if_not_kernel"};
constexpr std::array<std::string_view, 4> kInterleaveKeys{"point", "after", "explore", "steps"};
constexpr std::array<std::string_view, 13> kErrnoNames{
    "EPERM", "ENOENT", "EINTR",  "EIO",    "ENOMEM",      "EACCES", "EFAULT",
    "EBUSY", "EEXIST", "EINVAL", "ENOSPC", "ERESTARTSYS", "EAGAIN"};

constexpr std::array<std::string_view, 4> kMmapKeys{"mm", "vma", "pages", "node"};
constexpr std::array<std::string_view, 3> kRangeKeys{"mm", "vma", "pages"};
constexpr std::array<std::string_view, 8> kWriteKeys{"mm",   "vma",    "pages", "fill",
                                                     "word", "random", "zero",  "poke"};
constexpr std::array<std::string_view, 4> kContentBases{"fill", "word", "random", "zero"};
constexpr std::array<std::string_view, 2> kPokeKeys{"offset", "byte"};
constexpr std::array<std::string_view, 4> kMadviseKeys{"mm", "vma", "advice", "pages"};
constexpr std::array<std::string_view, 4> kAdvices{"mergeable", "unmergeable", "pageout",
                                                   "dontneed"};
constexpr std::array<std::string_view, 2> kForkKeys{"parent", "child"};
constexpr std::array<std::string_view, 4> kSwapoutKeys{"mm", "vma", "pages", "keep_swapcache"};
constexpr std::array<std::string_view, 4> kSwapinKeys{"mm", "vma", "pages", "io_error"};
constexpr std::array<std::string_view, 4> kMigrateKeys{"mm", "vma", "pages", "node"};
constexpr std::array<std::string_view, 2> kWaitKeys{"full_scans", "timeout"};
constexpr std::array<std::string_view, 10> kCounters{
    "pages_shared", "pages_sharing",      "pages_unshared", "pages_volatile",  "full_scans",
    "run",          "merge_across_nodes", "pages_to_scan",  "sleep_millisecs", "max_kernel_pages"};
constexpr std::array<std::string_view, 10> kExpectExtras{
    "mm",         "page",    "oops",       "warning",   "detected",
    "invariants", "if_with", "if_without", "if_kernel", "if_not_kernel"};
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
  explicit Reporter(std::string file) : file_(std::move(file)) {}

  const std::string &file() const { return file_; }
  Location loc(const YAML::Node &node) const { return location_of(file_, node.Mark()); }

  [[noreturn]] void fail(const YAML::Node &node, const std::string &message) const {
    throw ScenarioError(loc(node), message);
  }

private:
  std::string file_;
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

std::string scalar_text(const YAML::Node &node) {
  return node.IsScalar() ? node.Scalar() : "";
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
  std::string text = scalar_text(node);
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
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    rep.fail(node, std::string(what) + ": expected true or false");
  }
  return value;
}

// A non-empty scalar, checked by the caller.
std::string read_word(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    rep.fail(node, std::string(what) + ": expected a name");
  }
  return node.Scalar();
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == ':';
}

std::string read_name(const Reporter &rep, const YAML::Node &node, std::string_view what) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    rep.fail(node, std::string(what) + ": expected a name");
  }
  const std::string &name = node.Scalar();
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
  return node.Scalar();
}

// A knob value: any scalar, kept as written.
std::string read_knob_value(const Reporter &rep, const Field &f) {
  if (!f.value.IsScalar()) {
    rep.fail(f.value, f.key + ": expected a value (a number or word)");
  }
  return f.value.Scalar();
}

// One of a fixed set of words; returns its index in `choices`.
std::size_t read_choice(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        KeyList choices) {
  std::string text = scalar_text(node);
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
  std::optional<Micros> d = node.IsScalar() ? parse_duration(node.Scalar()) : std::nullopt;
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
  bool quoted = node.IsScalar() && node.Tag() == "!";
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

class Parser {
public:
  explicit Parser(const std::string &file) : rep_(file) {}

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
  KernelProfile parse_kernel(const Field &f);
  std::string parse_kernel_version(const YAML::Node &node);
  void parse_versions(std::vector<std::string> &out, const Field &f);
  std::string parse_fix(const YAML::Node &node);
  Machine parse_machine(const Field &f);
  void parse_knobs(const YAML::Node &node, std::string_view what,
                   std::vector<std::pair<std::string, std::string>> &values,
                   std::vector<Location> *locs);

  // steps
  std::vector<Step> parse_steps(const YAML::Node &node, std::string_view what, Micros start,
                                int depth);
  Step parse_step(const YAML::Node &node, int index, int depth);
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
  Content parse_content(const MapView &m);
  void parse_content_base(Content &c, const Field &f);
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
  Machine machine_;
  NameTable names_;
  Micros time_floor_ = 0; // static lower bound of virtual time: sums of at/sleep
  Budget steps_{"steps", kMaxSteps};
  Budget page_indexes_{"page indexes", kMaxPageIndexes};
  Budget vmas_{"vmas", kMaxVmas};
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
  // Everything but steps first: steps are checked against machine.
  for (const Field &f : top.fields()) {
    if (f.key != "steps") {
      parse_top_field(s, f);
    }
  }
  top.need("scenario");
  if (!s.kernels.empty()) {
    // The run's own profile is `kernel:`'s, which must be one of `kernels:`;
    // without a `kernel:` line it is the first listed.
    if (const Field *k = top.find("kernel")) {
      if (std::find(s.kernels.begin(), s.kernels.end(), s.kernel.version) == s.kernels.end()) {
        rep_.fail(k->value, "kernel: " + s.kernel.version + " is not one of kernels:");
      }
    } else {
      s.kernel.version = s.kernels.front();
    }
  }
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
    s.description = read_text(rep_, f.value, "description");
  } else if (f.key == "kernel") {
    s.kernel = parse_kernel(f);
  } else if (f.key == "kernels") {
    // Extension: the profiles the scenario is meant for (CTest runs it on each).
    s.kernels_loc = rep_.loc(f.value);
    for (const YAML::Node &v : need_sequence(rep_, f.value, "kernels")) {
      std::string version = parse_kernel_version(v);
      if (std::find(s.kernels.begin(), s.kernels.end(), version) != s.kernels.end()) {
        rep_.fail(v, "kernels: " + version + " is listed twice");
      }
      s.kernels.push_back(version);
    }
    if (s.kernels.empty()) {
      rep_.fail(f.value, "kernels: expected at least one version");
    }
  } else if (f.key == "seed") {
    s.seed = read_uint(rep_, f.value, "seed");
  } else if (f.key == "machine") {
    s.machine = machine_ = parse_machine(f);
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
    if (k.version != "v3.9") {
      rep_.fail(without->key_node, "without: the fixes are cbf86cfe04's, only v3.9 has them");
    }
    for (const YAML::Node &fix : need_sequence(rep_, without->value, "without")) {
      k.without.push_back(parse_fix(fix));
    }
  }
  return k;
}

std::string Parser::parse_kernel_version(const YAML::Node &node) {
  return std::string(kKernelVersions[read_choice(rep_, node, "kernel version", kKernelVersions)]);
}

// `if_kernel: v2.6.32` or `if_kernel: [v3.9, v2.6.32]`.
void Parser::parse_versions(std::vector<std::string> &out, const Field &f) {
  if (f.value.IsScalar()) {
    out.push_back(parse_kernel_version(f.value));
    return;
  }
  for (const YAML::Node &v : need_sequence(rep_, f.value, f.key)) {
    out.push_back(parse_kernel_version(v));
  }
}

std::string Parser::parse_fix(const YAML::Node &node) {
  return std::string(kFixes[read_choice(rep_, node, "fix", kFixes)]);
}

Machine Parser::parse_machine(const Field &f) {
  MapView m(rep_, f.value, "machine", kMachineKeys);
  Machine machine;
  machine.loc = machine.pages_loc = machine.swap_loc = rep_.loc(f.key_node);
  if (const Field *nodes = m.find("nodes")) {
    machine.nodes = static_cast<int>(read_uint(rep_, nodes->value, "nodes", 1, kMaxNodes));
  }
  const Field *ppn = m.find("pages_per_node");
  if (ppn != nullptr) {
    machine.pages_per_node = read_uint(rep_, ppn->value, "pages_per_node", 1, kMaxFrames);
    machine.pages_loc = rep_.loc(ppn->value);
  }
  // Both are below 2^32 here: the product cannot wrap.
  if (std::uint64_t(machine.nodes) * machine.pages_per_node > kMaxFrames) {
    rep_.fail(ppn != nullptr ? ppn->value : f.value,
              "nodes x pages_per_node is " +
                  std::to_string(std::uint64_t(machine.nodes) * machine.pages_per_node) +
                  " page frames: at most " + std::to_string(kMaxFrames));
  }
  if (const Field *swap = m.find("swap_pages")) {
    machine.swap_pages = read_uint(rep_, swap->value, "swap_pages", 0, kMaxFrames - 1);
    machine.swap_loc = rep_.loc(swap->value);
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
    steps.push_back(parse_step(item, ++index, depth));
  }
  time_floor_ = saved_floor;
  return steps;
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
      for (const char *key : {"if_kernel", "if_not_kernel"}) {
        if (const Field *f = em.find(key)) {
          parse_versions(std::string_view(key) == "if_kernel" ? step.expect_error_if_kernel
                                                              : step.expect_error_if_not_kernel,
                         *f);
        }
      }
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
  s.pages =
      static_cast<std::uint32_t>(read_uint(rep_, m.need("pages").value, "pages", 1, kMaxVmaPages));
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
  return Write{t.mm, t.vma, std::move(pages), parse_content(m)};
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
    rep_.fail(f.value,
              "expect: if_with/if_without/if_kernel/if_not_kernel need something to check");
  }
  return e;
}

// --- write content ---------------------------------------------------------

Content Parser::parse_content(const MapView &m) {
  Content c;
  for (const Field &f : m.fields()) {
    if (contains(kContentBases, f.key)) {
      parse_content_base(c, f);
    } else if (f.key == "poke") {
      c.poke = parse_poke(f.value);
    }
  }
  if (c.base == Content::Base::None && !c.poke) {
    rep_.fail(m.node(), "write: expected content: one of fill, word, random, zero, or poke");
  }
  return c;
}

void Parser::parse_content_base(Content &c, const Field &f) {
  if (c.base != Content::Base::None) {
    rep_.fail(f.key_node, "write: only one of fill, word, random, zero may be given");
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
  } else if (f.key == "if_kernel" || f.key == "if_not_kernel") {
    parse_versions(f.key == "if_kernel" ? e.if_kernel : e.if_not_kernel, f);
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
  if (node.IsScalar() && node.Scalar() == "all") {
    return all_pages(node, t);
  }
  if (node.IsSequence()) {
    for (const YAML::Node &item : node) {
      add_page_item(set, item, t);
    }
    if (set.indexes.empty()) {
      rep_.fail(node, "pages: expected at least one page");
    }
  } else {
    add_page_item(set, node, t);
  }
  return set;
}

// One page index or an inclusive range "first-last".
void Parser::add_page_item(PageSet &set, const YAML::Node &item, const Target &t) {
  std::string text = scalar_text(item);
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
  page_indexes_.charge(rep_, item, last - first + 1);
  for (std::uint64_t i = first; i <= last; ++i) {
    set.indexes.push_back(static_cast<std::uint32_t>(i));
  }
}

// Every page of the vma, in order; `node` is where the step says so.
PageSet Parser::all_pages(const YAML::Node &node, const Target &t) {
  page_indexes_.charge(rep_, node, t.pages);
  PageSet set;
  set.loc = rep_.loc(node);
  set.indexes.reserve(t.pages);
  for (std::uint32_t i = 0; i < t.pages; ++i) {
    set.indexes.push_back(i);
  }
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

Scenario parse_text(const std::string &text, const std::string &file) {
  try {
    std::optional<GuardFinding> g = yaml_guard(text);
    if (!g) {
      g = second_document(text);
    }
    if (g) {
      throw ScenarioError(Location{file, g->line, g->column}, g->what);
    }
    return Parser(file).parse(YAML::Load(text));
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

Scenario parse_file(const std::string &path) {
  std::string why;
  std::optional<std::string> text = io::read_input(path, why);
  if (!text) {
    throw ScenarioError(Location{path, 0, 0}, why);
  }
  return parse_text(*text, path);
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

bool is_errno_name(const std::string &name) {
  return contains(kErrnoNames, name);
}

} // namespace ksmsim::scenario
