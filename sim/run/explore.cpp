// SPDX-License-Identifier: GPL-2.0-only
#include "ksmsim/explore.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "model/mm/content.h"

namespace ksmsim {

using namespace scenario;

std::size_t ExploreResult::findings() const {
  return std::count_if(runs.begin(), runs.end(), [](const Placement &p) {
    return p.outcome == Placement::Outcome::Oops || p.outcome == Placement::Outcome::Violation;
  });
}

namespace {

struct ExploreSite {
  std::size_t step = 0;       // index into s.steps
  std::size_t interleave = 0; // index into that step's interleave list
};

ExploreSite find_explore(const Scenario &s) {
  std::vector<ExploreSite> found;
  for (std::size_t i = 0; i < s.steps.size(); i++)
    for (std::size_t j = 0; j < s.steps[i].interleave.size(); j++)
      if (s.steps[i].interleave[j].explore)
        found.push_back({i, j});
  if (found.empty())
    throw ScenarioError(s.steps.empty() ? Location{s.file, 1, 1} : s.steps.front().loc,
                        "explore needs a step with `interleave: {explore: true, steps: [...]}`");
  if (found.size() > 1) {
    const auto &il = s.steps[found[1].step].interleave[found[1].interleave];
    throw ScenarioError(il.loc, "explore handles one `explore: true` interleave per scenario");
  }
  return found.front();
}

// The scenario text with `explore: true` replaced by the point and count.
std::string ready_to_run(const std::string &text, const Interleave &il, const std::string &point,
                         std::uint32_t after, const std::string &detail) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  std::size_t row = static_cast<std::size_t>(il.explore_loc.line - 1);
  if (row < lines.size()) {
    std::string &line = lines[row];
    std::size_t col = static_cast<std::size_t>(il.explore_loc.column - 1);
    std::size_t end = line.find("true", col);
    if (col < line.size() && end != std::string::npos) {
      bool block = line.find_first_not_of(" -", 0) == col; // the key starts its line
      std::string repl =
          block ? fmt::format("point: {}\n{}after: {}", point, line.substr(0, col), after)
                : fmt::format("point: {}, after: {}", point, after);
      line = line.substr(0, col) + repl + line.substr(end + 4);
    }
  }
  std::string out =
      fmt::format("# Found by ksmsim explore: at {} (time {}): {}\n", point, after, detail);
  for (const auto &l : lines)
    out += l + "\n";
  return out;
}

// The placements to replay: every occurrence of every point, or beyond
// max_runs a seeded sample (Floyd's algorithm over the occurrences'
// numbers, splitmix64), in order, without listing the occurrences first.
std::vector<std::pair<std::string, std::uint32_t>>
choose_placements(const std::map<std::string, std::uint64_t> &counts, std::size_t max_runs,
                  std::uint64_t seed, std::size_t &total) {
  total = 0;
  for (const auto &[name, count] : counts)
    total += count;
  std::set<std::uint64_t> chosen;
  if (total <= max_runs) {
    for (std::uint64_t i = 0; i < total; i++)
      chosen.insert(i);
  } else {
    std::uint64_t state = seed;
    for (std::uint64_t j = total - max_runs; j < total; j++) {
      std::uint64_t t = splitmix64(state++) % (j + 1);
      if (!chosen.insert(t).second)
        chosen.insert(j);
    }
  }
  std::vector<std::pair<std::string, std::uint32_t>> out;
  auto point = counts.begin();
  std::uint64_t first = 0; // the number of the point's first occurrence
  for (std::uint64_t i : chosen) {
    while (i >= first + point->second)
      first += (point++)->second;
    out.emplace_back(point->first, static_cast<std::uint32_t>(i - first + 1));
  }
  return out;
}

} // namespace

ExploreResult explore(const Scenario &s, const std::string &text, const ExploreOptions &opt) {
  ExploreSite site = find_explore(s);
  const Interleave &il = s.steps[site.step].interleave[site.interleave];

  // A first replay without the interleaving counts the points the step reaches.
  Scenario dry = s;
  dry.steps[site.step].interleave.erase(dry.steps[site.step].interleave.begin() + site.interleave);
  RunOptions dry_opt = opt.run;
  dry_opt.list_points = true;
  dry_opt.trace = false;
  RunResult counted = run_scenario(dry, dry_opt);
  auto it = counted.points.find(s.steps[site.step].index);
  ExploreResult result;
  std::vector<std::pair<std::string, std::uint32_t>> placements =
      choose_placements(it != counted.points.end() ? it->second : decltype(it->second){},
                        opt.max_runs, s.seed, result.occurrences);

  result.runs.resize(placements.size());
  std::atomic<std::size_t> next{0};
  // A defect of the file (anything but the kernel's locks refusing the
  // placement) ends the exploration: the first one, by placement order, is
  // rethrown once every thread has stopped.
  std::mutex failed_mutex;
  std::size_t failed_at = placements.size();
  std::exception_ptr failed;
  std::mutex progress_mutex;
  std::size_t done = 0;
  auto worker = [&]() {
    for (std::size_t i; (i = next++) < placements.size();) {
      {
        std::lock_guard lock(failed_mutex);
        if (failed && i > failed_at)
          return;
      }
      const auto &[point, after] = placements[i];
      Placement &p = result.runs[i];
      p.point = point;
      p.after = after;
      Scenario one = s;
      Interleave &target = one.steps[site.step].interleave[site.interleave];
      target.explore = false;
      target.point = point;
      target.after = after;
      RunOptions ro = opt.run;
      ro.trace = false;
      ro.list_points = false;
      try {
        RunResult r = run_scenario(one, ro);
        p.records = r.records;
        p.violated = !r.violations.empty();
        if (!r.oopses.empty()) {
          p.outcome = Placement::Outcome::Oops;
          p.detail = r.oopses.front();
        } else if (!r.violations.empty()) {
          p.outcome = Placement::Outcome::Violation;
          p.detail = r.violations.front();
        }
      } catch (const InterleaveRefused &e) {
        p.outcome = Placement::Outcome::Refused;
        p.detail = e.message();
        p.refused_by = e.lock();
      } catch (...) {
        std::lock_guard lock(failed_mutex);
        if (i < failed_at) {
          failed_at = i;
          failed = std::current_exception();
        }
        continue;
      }
      if (p.outcome == Placement::Outcome::Oops || p.outcome == Placement::Outcome::Violation)
        p.scenario = ready_to_run(text, il, point, after, p.detail);
      if (opt.progress) {
        std::lock_guard lock(progress_mutex);
        opt.progress(++done, placements.size());
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::max(1u, opt.jobs); j++)
    threads.emplace_back(worker);
  worker();
  for (auto &t : threads)
    t.join();
  if (failed)
    std::rethrow_exception(failed);
  return result;
}

} // namespace ksmsim
