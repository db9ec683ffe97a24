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
#include "sim/scenario/parser.h"
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

namespace detail {

const std::array<Parser::StepKind, 18> Parser::kStepKinds{{
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
    {"prctl", &Parser::parse_prctl},
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
    // Free text: taken as written, placeholders or not.
    if (!f.value.IsNull() && !f.value.IsScalar()) {
      rep_.fail(f.value, "description: expected text");
    }
    s.description = f.value.IsNull() ? std::string() : f.value.Scalar();
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
    s.machine = machine_ = parse_machine(&f);
  } else if (f.key == "ksm") {
    parse_knobs(f.value, "ksm", s.ksm, &s.ksm_locs);
  } else if (f.key == "cost") { // extension: `cost: {model: NAME|FILE}`
    MapView m(rep_, f.value, "cost", kCostKeys);
    const Field &model = m.need("model");
    s.cost_model = read_text(rep_, model.value, "model");
    if (s.cost_model.empty())
      rep_.fail(model.value, "cost: model: expected a built-in model's name or a cost file");
    s.cost_loc = rep_.loc(model.value);
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

StepBody Parser::parse_prctl(const Field &f) {
  MapView m(rep_, f.value, "prctl", kPrctlKeys);
  Prctl s;
  s.mm = known_mm(m.need("mm").value, "mm");
  s.memory_merge = read_uint(rep_, m.need("memory_merge").value, "memory_merge");
  return s;
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
    // A negative value of a %ld file is kept as the two's complement the
    // profile's sysfs_show gives it.
    e.counters.emplace_back(f.key, contains(kSignedCounters, f.key)
                                       ? static_cast<std::uint64_t>(read_int(rep_, f.value, f.key))
                                       : read_uint(rep_, f.value, f.key));
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
    for (const Field &fig : m.fields()) {
      std::int64_t value;
      if (fig.key == "ksm_zero_pages" || fig.key == "ksm_process_profit") {
        value = read_int(rep_, fig.value, fig.key); // %ld
      } else if (fig.key == "ksm_merge_any" || fig.key == "ksm_mergeable") {
        value = read_bool(rep_, fig.value, fig.key) ? 1 : 0; // "yes" / "no"
      } else {
        std::uint64_t v = read_uint(rep_, fig.value, fig.key);
        if (fig.key == "ksm_rmap_items") {
          mm.ksm_rmap_items = v;
        } else if (fig.key == "merged") {
          mm.merged = v;
        }
        value = static_cast<std::int64_t>(v);
      }
      mm.figures.emplace_back(fig.key, value);
      mm.figure_locs.push_back(rep_.loc(fig.key_node));
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

} // namespace detail

// The public functions below use the parser's helpers.
using namespace detail;

Scenario parse_text(const std::string &text, const std::string &file, const ParseOptions &opt) {
  try {
    std::optional<GuardFinding> g = yaml_guard(text);
    if (!g) {
      g = second_document(text);
    }
    if (g) {
      throw ScenarioError(Location{file, g->line, g->column}, g->what);
    }
    return detail::Parser(file, opt).parse(YAML::Load(text));
  } catch (const ScenarioError &) {
    throw;
  } catch (const YAML::Exception &e) {
    throw detail::yaml_error(file, e);
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
