// SPDX-License-Identifier: GPL-2.0-only
//
// The scenario as parsed from YAML (format v1, ../shared/spec/scenario-format.md).
// The parser validates everything that can be known without running the
// scenario (names, ranges, keys, values) and reports defects as ScenarioError
// with file, line and column. The runner (sim/run/runner.cpp) executes it.
#pragma once

#include <cstdint>
#include <map>
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

// Page indexes into a named vma, in the order the step names them.
// `all` is resolved by the parser against the vma's declared size.
struct PageSet {
  std::vector<std::uint32_t> indexes;
  Location loc;
};

struct Poke {
  std::uint32_t offset = 0; // 0..4095
  std::uint8_t byte = 0;
};

// What a write puts in each page. Exactly the forms of the spec.
struct Content {
  enum class Base { None, Fill, Word, Random, Zero };
  Base base = Base::None;   // None: only a poke
  std::uint64_t value = 0;  // Fill: the byte; Word: the word; Random: the seed
  std::optional<Poke> poke; // applied after the base
};

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
                              Swapin, Migrate, Sysfs, Sleep, Wait, Expect, Dump, Sample>;

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
};

// Parse a scenario file; throws ScenarioError on any defect.
Scenario parse_file(const std::string &path);
// Parse from text; `file` names it in error messages.
Scenario parse_text(const std::string &text, const std::string &file);

// Durations: "250ms", "2s", "1500us" or a bare integer of milliseconds.
// Returns nullopt if the text is not a duration.
std::optional<Micros> parse_duration(const std::string &text);

// The 64-bit word that page i (counting over the pages the step names) of a
// write gets from its content, or nullopt for a poke alone.
std::optional<std::uint64_t> base_word(const Content &c, std::size_t i);

// The page indexes as runs of consecutive ones, in order: (first, count).
std::vector<std::pair<std::uint32_t, std::uint32_t>>
page_runs(const std::vector<std::uint32_t> &indexes);

// The errno names a step may carry in expect_error.
bool is_errno_name(const std::string &name);

} // namespace ksmsim::scenario
