// SPDX-License-Identifier: GPL-2.0-only
//
// The scenario parser's inside, shared by its files: the format's key
// lists and limits, Reporter (file:line:column errors, placeholders),
// MapView (checked maps), the scalar readers (parser_values.cpp) and the
// Parser class. Its members are defined in scenario_parser.cpp (v1),
// generators.cpp (repeat, spawn count), overrides.cpp (params:, --set) and
// distribution_parse.cpp (write's content distributions). Not a public
// interface: include/ksmsim/scenario.h is.
#pragma once

#include "ksmsim/scenario.h"

#include "sim/scenario/distribution.h"
#include "sim/scenario/limits.h"
#include "sim/scenario/placeholders.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ksmsim::scenario::detail {

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

constexpr std::array<std::string_view, 10> kTopKeys{"scenario", "description", "kernel", "kernels",
                                                    "seed",     "machine",     "ksm",    "steps",
                                                    "params",   "cost"};
constexpr std::array<std::string_view, 1> kCostKeys{"model"};
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
constexpr std::array<std::string_view, 3> kKernelVersions{"v3.9", "v2.6.32", "v6.15"};
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
constexpr std::array<std::string_view, 24> kCounters{
    "pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "full_scans", "run",
    "merge_across_nodes", "pages_to_scan", "sleep_millisecs", "max_kernel_pages",
    // Extension: 6.x's files (a profile without one: a defect of the file).
    "pages_scanned", "pages_skipped", "ksm_zero_pages", "general_profit", "stable_node_chains",
    "stable_node_dups", "max_page_sharing", "stable_node_chains_prune_millisecs", "use_zero_pages",
    "smart_scan", "advisor_max_cpu", "advisor_min_pages_to_scan", "advisor_max_pages_to_scan",
    "advisor_target_scan_time"};
// The counters whose file prints a long (%ld): they may be negative.
constexpr std::array<std::string_view, 2> kSignedCounters{"general_profit", "ksm_zero_pages"};
constexpr std::array<std::string_view, 10> kExpectExtras{
    "mm",         "page",    "oops",       "warning",   "detected",
    "invariants", "if_with", "if_without", "if_kernel", "if_not_kernel"};
// The names `detected:` takes: every detector report the model makes
// (model/lib/oops.h's kinds; tests/test_parser.cpp checks the list against
// the model's sources).
constexpr std::array<std::string_view, 10> kDetectorNames{
    "rb-erase-not-in-tree", "rbtree-cycle",
    "use-after-free",       "deadlock",
    "negative-mapcount",    "negative-swap-count",
    "fault-no-progress",    "negative-content-holders",
    "rbtree-bad-link",      "unstable-insert-put-off"};
// ksm_rmap_items and merged (v1), then 6.x /proc/PID/ksm_stat's (extension).
constexpr std::array<std::string_view, 7> kMmExpectKeys{
    "ksm_rmap_items",     "merged",        "ksm_merging_pages", "ksm_zero_pages",
    "ksm_process_profit", "ksm_merge_any", "ksm_mergeable"};
constexpr std::array<std::string_view, 2> kPrctlKeys{"mm", "memory_merge"};
constexpr std::array<std::string_view, 8> kPageExpectKeys{
    "mm", "vma", "page", "ksm", "shared_with", "node", "present", "swapped"};
constexpr std::array<std::string_view, 2> kInvariants{"ok", "violated"};
constexpr std::array<std::string_view, 4> kDumpFormats{"text", "json", "dot", "svg"};
constexpr std::array<std::string_view, 2> kDumpKeys{"format", "file"};
constexpr std::array<std::string_view, 1> kSampleKeys{"label"};
constexpr std::array<std::string_view, 1> kEmptyStepKeys{"sample"}; // `- sample:` alone

// ---------------------------------------------------------------------------
// Text helpers (no YAML involved)

bool contains(KeyList list, std::string_view s);

std::string join(KeyList list);

std::string quote(std::string_view s);

std::string_view trim(std::string_view s);

int digit_value(char c, unsigned base);

enum class NumStatus { Ok, NotANumber, TooLarge };

// Strict: the whole text is decimal digits, or 0x followed by hex digits.
// A number too large for 64 bits reads as the largest value.
NumStatus parse_uint(std::string_view text, std::uint64_t &out);

std::string format_duration(Micros t);

bool is_identifier(std::string_view s);

bool is_scenario_name(std::string_view s);

// ---------------------------------------------------------------------------
// Locations and errors

Location location_of(const std::string &file, const YAML::Mark &mark);

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

std::string in_what(std::string_view what);

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

std::string scalar_text(const Reporter &rep, const YAML::Node &node);

std::string range_message(std::string_view what, std::uint64_t min, std::uint64_t max,
                          const std::string &text);

std::uint64_t read_uint(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        std::uint64_t min = 0, std::uint64_t max = kU64Max);

bool read_bool(const Reporter &rep, const YAML::Node &node, std::string_view what);

// An integer, possibly negative, in int64_t's range.
std::int64_t read_int(const Reporter &rep, const YAML::Node &node, std::string_view what);

// A non-empty scalar, checked by the caller.
std::string read_word(const Reporter &rep, const YAML::Node &node, std::string_view what);

bool is_name_char(char c);

std::string read_name(const Reporter &rep, const YAML::Node &node, std::string_view what);

// Free text; an empty value (null) is the empty string.
std::string read_text(const Reporter &rep, const YAML::Node &node, std::string_view what);

// A knob value: any scalar, kept as written.
std::string read_knob_value(const Reporter &rep, const Field &f);

// One of a fixed set of words; returns its index in `choices`.
std::size_t read_choice(const Reporter &rep, const YAML::Node &node, std::string_view what,
                        KeyList choices);

Micros read_duration(const Reporter &rep, const YAML::Node &node, std::string_view what);

// A byte: an integer 0..255, or a one-character quoted string ('a').
std::uint8_t read_byte(const Reporter &rep, const YAML::Node &node, std::string_view what);

const YAML::Node &need_sequence(const Reporter &rep, const YAML::Node &node, std::string_view what);

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
  static const std::array<StepKind, 18> kStepKinds;
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
  void parse_versions(std::vector<std::string> &out, const Field &f);
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
  StepBody parse_prctl(const Field &f);

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

} // namespace ksmsim::scenario::detail
