// SPDX-License-Identifier: GPL-2.0-only
//
// The scenario as parsed from YAML (format v1, ../shared/spec/scenario-format.md).
// The parser validates everything that can be known without running the
// scenario (names, ranges, keys, values) and reports defects as ScenarioError
// with file, line and column. The runner (sim/run/runner.cpp) executes it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ksmsim::scenario {

// 1-based line and column, as an editor shows them.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

// A defect of the scenario file itself: exit status 2.
// what() is "file:line:column: message".
class ScenarioError : public std::runtime_error {
public:
  ScenarioError(const Location &loc, const std::string &message);
  const Location &location() const { return loc_; }
  const std::string &message() const { return message_; }

private:
  Location loc_;
  std::string message_;
};

// Virtual time is kept in microseconds.
using Micros = std::uint64_t;

// Consecutive page indexes first .. first + count - 1.
struct PageRun {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  bool operator==(const PageRun &) const = default;
};

// Page indexes into a named vma, in the order the step names them, kept as
// runs (`all` of a 2^28-page vma is one run). `all` is resolved by the
// parser against the vma's declared size.
struct PageSet {
  std::vector<PageRun> runs; // in order; a run never continues the one before it
  Location loc;

  // Append first .. first + count - 1 (joined to the last run if it continues it).
  void add(std::uint32_t first, std::uint32_t count);
  // How many indexes (a page named twice counts twice).
  std::uint64_t size() const;
  // Every index, in order: for small sets (tests, the live replay).
  std::vector<std::uint32_t> indexes() const;

  class const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::uint32_t;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::uint32_t *;
    using reference = std::uint32_t;
    const_iterator() = default;
    const_iterator(const std::vector<PageRun> *runs, std::size_t run) : runs_(runs), run_(run) {}
    std::uint32_t operator*() const { return (*runs_)[run_].first + offset_; }
    const_iterator &operator++() {
      if (++offset_ == (*runs_)[run_].count) {
        ++run_;
        offset_ = 0;
      }
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const const_iterator &o) const {
      return run_ == o.run_ && offset_ == o.offset_;
    }

  private:
    const std::vector<PageRun> *runs_ = nullptr;
    std::size_t run_ = 0;
    std::uint32_t offset_ = 0;
  };
  const_iterator begin() const { return {&runs, 0}; }
  const_iterator end() const { return {&runs, runs.size()}; }
};

struct Poke {
  std::uint32_t offset = 0; // 0..4095
  std::uint8_t byte = 0;
};

// Extension (`write: {distinct, zero_share, differ_at, seed}`): which of
// a few contents each page of a write gets, worked out by the parser from
// the number of pages the step names (docs/scenario-format.md, Extensions,
// defines every figure here).
struct Distribution {
  std::uint64_t seed = 0;
  std::uint64_t pages = 0;      // n: the pages the step names
  std::uint64_t zero_pages = 0; // Z = floor(n * zero_share)
  std::uint64_t classes = 1;    // N: distinct (non-zero) contents
  // E_c: pages of classes 0..c together (the last is n - Z); empty when the
  // weights are equal (sizes then worked out on the fly)
  std::vector<std::uint64_t> ends;
  std::uint64_t stride = 1, offset = 0; // slot(k) = (stride * k + offset) mod n
  unsigned differ_at = 0;               // 0, or the first byte that differs (4088..4095)
};

// What a write puts in each page. Exactly the forms of the spec, and the
// Distinct extension.
struct Content {
  enum class Base { None, Fill, Word, Random, Zero, Distinct };
  Base base = Base::None;   // None: only a poke
  std::uint64_t value = 0;  // Fill: the byte; Word: the word; Random: the seed
  std::optional<Poke> poke; // applied after the base
  std::shared_ptr<const Distribution> distribution; // Distinct
};

// The bytes a write gives page i of its step: the word repeated (none: the
// page keeps its bytes), then the pokes in order.
struct PageWrite {
  std::optional<std::uint64_t> word;
  std::array<Poke, 9> pokes{}; // a differ_at tail (up to 8 bytes), then the step's poke
  std::size_t npokes = 0;
};
PageWrite page_write(const Content &c, std::uint64_t i);

// Under a Distribution, the content class of page k of the step (0..N-1),
// or kZeroClass for a zero page.
constexpr std::uint64_t kZeroClass = ~std::uint64_t(0);
std::uint64_t content_class(const Distribution &d, std::uint64_t k);
// How many pages of the step class c gets (0 <= c < N).
std::uint64_t class_pages(const Distribution &d, std::uint64_t c);

struct Spawn {
  std::string mm;
};
struct Mmap {
  std::string mm, vma;
  std::uint32_t pages = 0;
  std::optional<int> node;
};
struct Munmap {
  std::string mm, vma;
  std::optional<PageSet> pages; // absent: the whole vma
};
struct Write {
  std::string mm, vma;
  PageSet pages;
  Content content;
};
struct Read {
  std::string mm, vma;
  PageSet pages;
};
enum class Advice { Mergeable, Unmergeable, Pageout, Dontneed };
struct Madvise {
  std::string mm, vma;
  Advice advice = Advice::Mergeable;
  std::optional<PageSet> pages; // absent: the whole vma
};
struct Fork {
  std::string parent, child;
};
struct Exit {
  std::string mm;
};
struct Swapout {
  std::string mm, vma;
  PageSet pages;
  bool keep_swapcache = false;
};
// Extension: fault pages back in from swap (a read fault on each), with an
// optional simulated read error that leaves the swap-cache page !PageUptodate.
struct Swapin {
  std::string mm, vma;
  PageSet pages;
  bool io_error = false;
};
struct Migrate {
  std::string mm, vma;
  PageSet pages;
  int node = 0;
};
// Knob writes in the order given; the value is the text written to the file.
struct Sysfs {
  std::vector<std::pair<std::string, std::string>> writes;
};
struct Sleep {
  Micros duration = 0;
};
struct Wait {
  std::uint64_t full_scans = 0;
  Micros timeout = 3600ULL * 1000 * 1000; // 1 hour of virtual time
};

struct MmExpect {
  std::string mm;
  std::optional<std::uint64_t> ksm_rmap_items;
  std::optional<std::uint64_t> merged;
  // Every figure given, these two and the extensions (6.x /proc/PID/ksm_stat:
  // ksm_merging_pages, ksm_zero_pages, ksm_process_profit, ksm_merge_any and
  // ksm_mergeable as 1/0), in the order written, with where each was.
  std::vector<std::pair<std::string, std::int64_t>> figures;
  std::vector<Location> figure_locs; // parallel to figures
  Location loc;
};
struct PageExpect {
  std::string mm, vma;
  std::uint32_t page = 0;
  std::optional<bool> ksm;
  std::optional<std::uint64_t> shared_with; // page_mapcount of the mapped page
  std::optional<int> node;
  std::optional<bool> present; // extension: a page (not the zero page) is mapped
  std::optional<bool> swapped; // extension: the pte holds a swap entry
  Location loc;
};
struct Expect {
  // sysfs counters and knobs by their file names, in the order written
  std::vector<std::pair<std::string, std::uint64_t>> counters;
  std::vector<Location> counter_locs; // parallel to counters
  std::vector<MmExpect> mms;
  std::vector<PageExpect> pages;   // `page:` may be one map or a list of maps
  std::optional<std::string> oops; // "none" or a kernel function name
  // Extensions: "none", or the kernel function that warned (WARN_ON, Bad
  // page map, ...); "none", or a detector name or the function it fired in.
  std::optional<std::string> warning, detected;
  std::optional<bool> invariants; // `ok` -> true; `violated` -> false
  // Extension: the block applies only to kernel profiles that have every
  // fix in if_with and none in if_without, so that one file can state what
  // the kernel shows with and without a fix.
  std::vector<std::string> if_with, if_without;
  // Extension: the block applies only on these kernel versions (if_kernel)
  // / not on these (if_not_kernel).
  std::vector<std::string> if_kernel, if_not_kernel;
  Location loc;
};

// Extension: write the KSM state (sim/inspect/) at this point, as text,
// json, dot or svg; to `file`, or with no file to the run's output (stdout,
// or --dump-dir). Also a checkpoint.
struct Dump {
  std::string format = "text";
  std::string file;
};
// Extension: a timeline row and a checkpoint; nothing is asserted.
struct Sample {
  std::string label;
};
// Extension: prctl(PR_SET_MEMORY_MERGE, memory_merge) by mm (Linux 6.4+:
// nonzero makes every compatible vma of the process mergeable, now and
// later; 0 undoes it). Kernels before 6.4 refuse it with EINVAL.
struct Prctl {
  std::string mm;
  std::uint64_t memory_merge = 0;
};

struct Step;

struct Interleave {
  std::string point; // empty when explore is set
  std::uint32_t after = 1;
  bool explore = false;
  std::vector<Step> steps;
  Location loc;
  Location explore_loc; // of the `explore` key, when given
};

using StepBody = std::variant<Spawn, Mmap, Munmap, Write, Read, Madvise, Fork, Exit, Swapout,
                              Swapin, Migrate, Sysfs, Sleep, Wait, Expect, Dump, Sample, Prctl>;

struct Step {
  StepBody body;
  std::string kind;                        // the step's key, e.g. "write"
  std::optional<Micros> at;                // absolute virtual time
  std::optional<std::string> expect_error; // errno name, e.g. "EBUSY"
  // Extension (`expect_error: {errno, if_with, if_without}`): the error is
  // expected only from kernel profiles with / without these fixes; from
  // the others the step must succeed.
  std::vector<std::string> expect_error_if_with, expect_error_if_without;
  // ... and (`if_kernel`, `if_not_kernel`) only on / not on these versions.
  std::vector<std::string> expect_error_if_kernel, expect_error_if_not_kernel;
  std::vector<Interleave> interleave;
  Location loc;  // of the step's key
  int index = 0; // 1-based position in its list of steps
};

struct KernelProfile {
  std::string version = "v3.9";
  std::vector<std::string> without; // fix names, see the spec's table
  Location loc;
};

struct Machine {
  int nodes = 1;
  std::uint64_t pages_per_node = 262144;
  std::uint64_t swap_pages = 0;
  // of the `machine:` key, its pages_per_node value and its swap_pages value
  Location loc, pages_loc, swap_loc;
};

struct Scenario {
  std::string name;
  std::string description;
  KernelProfile kernel;
  // Extension (`kernels: [v3.9, v2.6.32]`): the versions the scenario is
  // meant for; empty: the `kernel:` line's only.
  std::vector<std::string> kernels;
  Location kernels_loc;
  std::uint64_t seed = 0;
  Machine machine;
  // initial /sys/kernel/mm/ksm values, in the order written
  std::vector<std::pair<std::string, std::string>> ksm;
  std::vector<Location> ksm_locs;
  std::vector<Step> steps;
  std::string file;
  // Extension `cost: {model: NAME|FILE}` (docs/cost-model.md): empty for none.
  std::string cost_model;
  Location cost_loc;
};

// Extension: `--set KEY=VALUE`, a value of the file overridden (ksm.KNOB,
// machine.nodes|pages_per_node|swap_pages, params.NAME, seed).
struct Override {
  std::string key, value;
};
// Split "KEY=VALUE" at its first '='; nullopt without one (or an empty key).
std::optional<Override> split_override(const std::string &arg);

struct ParseOptions {
  std::vector<Override> overrides; // applied in order; a later one wins
  // The host memory the vma limit is worked out from (sim/scenario/
  // limits.h); 0: this machine's.
  std::uint64_t ram_bytes = 0;
};

// Parse a scenario file; throws ScenarioError on any defect.
Scenario parse_file(const std::string &path, const ParseOptions &opt = {});
// Parse from text; `file` names it in error messages.
Scenario parse_text(const std::string &text, const std::string &file, const ParseOptions &opt = {});

// Durations: "250ms", "2s", "1500us" or a bare integer of milliseconds.
// Returns nullopt if the text is not a duration.
std::optional<Micros> parse_duration(const std::string &text);

// The 64-bit word that page i (counting over the pages the step names) of a
// write gets from its content, or nullopt for a poke alone.
std::optional<std::uint64_t> base_word(const Content &c, std::size_t i);

// The page indexes as runs of consecutive ones, in order: (first, count).
std::vector<std::pair<std::uint32_t, std::uint32_t>>
page_runs(const std::vector<std::uint32_t> &indexes);
std::vector<std::pair<std::uint32_t, std::uint32_t>> page_runs(const PageSet &pages);

// The errno names a step may carry in expect_error.
bool is_errno_name(const std::string &name);

} // namespace ksmsim::scenario
