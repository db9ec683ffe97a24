// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/sweep_run.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <new>
#include <stdexcept>
#include <thread>

namespace ksmsim::sweep {

namespace {

using json = nlohmann::json;

// "" for a null or missing member, else the integer's text.
std::string int_cell(const json &j, const char *key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null())
    return "";
  const json &v = j[key];
  if (v.is_number_unsigned())
    return std::to_string(v.get<std::uint64_t>());
  if (v.is_number_integer())
    return std::to_string(v.get<std::int64_t>());
  return "";
}

// cost_json's cpu_percent is hundredths of a percent over 100 (an exact
// integer x100 / 100): two decimals give the x100 back.
std::string percent_cell(const json &cost) {
  if (!cost.is_object() || !cost.contains("cpu_percent"))
    return "";
  return fmt::format("{:.2f}", cost["cpu_percent"].get<double>());
}

// What made a run exit 1: its first failed expectation, else its first oops.
std::string failure_text(const json &run, const RunResult &r) {
  for (const json &step : run.value("steps", json::array()))
    if (!step.value("ok", true)) {
      std::string text = fmt::format("step {} (line {}, {})", step.value("step", 0),
                                     step.value("line", 0), step.value("kind", ""));
      const json failures = step.value("failures", json::array());
      if (!failures.empty() && failures[0].is_string())
        text += ": " + failures[0].get<std::string>();
      return text;
    }
  if (!r.oopses.empty())
    return r.oopses.front();
  return "failed";
}

PointResult failed_point(int code, const std::string &message, std::uint64_t seed) {
  PointResult p;
  p.exit_code = code;
  p.seed = seed;
  p.cells.assign(FIGURE_COLUMNS.size(), "");
  p.cells[figure_column("exit")] = std::to_string(code);
  p.cells[figure_column("error")] = message;
  return p;
}

} // namespace

const std::vector<std::string> FIGURE_COLUMNS = {
    "exit",          "ksmd_cpu_ns",   "ksmd_cpu_percent", "pages_scanned_per_s", "batches",
    "time_to_50_us", "time_to_90_us", "time_to_100_us",   "general_profit",      "time_us",
    "pages_shared",  "pages_sharing", "pages_unshared",   "pages_volatile",      "full_scans",
    "pages_scanned", "error"};

std::size_t figure_column(const std::string &name) {
  auto it = std::find(FIGURE_COLUMNS.begin(), FIGURE_COLUMNS.end(), name);
  if (it == FIGURE_COLUMNS.end())
    throw std::out_of_range("no sweep column " + name);
  return static_cast<std::size_t>(it - FIGURE_COLUMNS.begin());
}

scenario::Scenario point_scenario(const SweepSpec &spec, const SweepPoint &p) {
  scenario::ParseOptions opt;
  opt.overrides = point_overrides(spec.sets, p);
  return scenario::parse_text(spec.text, spec.file, opt);
}

std::string check_points(const SweepSpec &spec) {
  for (const SweepPoint &p : spec.points) {
    try {
      (void)point_scenario(spec, p);
    } catch (const scenario::ScenarioError &e) {
      return e.what();
    } catch (const std::bad_alloc &) {
      return spec.file + ": out of memory";
    }
  }
  return "";
}

PointResult run_point(const SweepSpec &spec, const SweepPoint &p) {
  RunResult r;
  std::uint64_t seed = p.seed.value_or(0);
  try {
    const scenario::Scenario s = point_scenario(spec, p);
    seed = s.seed;
    r = run_scenario(s, spec.run);
  } catch (const scenario::ScenarioError &e) {
    return failed_point(2, e.what(), seed);
  } catch (const std::bad_alloc &) {
    return failed_point(2, spec.file + ": out of memory", seed);
  } catch (const std::exception &e) {
    return failed_point(2, e.what(), seed);
  }
  const json run = json::parse(r.json);
  const json cost = run.value("cost", json::object());
  const json final = run.value("final", json::object());
  const json reach = cost.value("time_to_pages_sharing_us", json::object());
  PointResult out;
  out.exit_code = r.exit_code;
  out.seed = seed;
  out.cells = {std::to_string(r.exit_code),
               int_cell(cost, "ksmd_cpu_ns"),
               percent_cell(cost),
               int_cell(cost, "pages_scanned_per_s"),
               int_cell(cost, "batches"),
               int_cell(reach, "50"),
               int_cell(reach, "90"),
               int_cell(reach, "100"),
               int_cell(cost, "general_profit_bytes"),
               int_cell(final, "time_us"),
               int_cell(final, "pages_shared"),
               int_cell(final, "pages_sharing"),
               int_cell(final, "pages_unshared"),
               int_cell(final, "pages_volatile"),
               int_cell(final, "full_scans"),
               int_cell(final, "pages_scanned"),
               r.exit_code == 0 ? "" : failure_text(run, r)};
  return out;
}

std::vector<PointResult> run_points(const SweepSpec &spec, const std::vector<std::size_t> &indexes,
                                    unsigned jobs) {
  std::vector<PointResult> results(indexes.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k; (k = next++) < indexes.size();)
      results[k] = run_point(spec, spec.points.at(indexes[k]));
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs && j < indexes.size(); ++j)
    threads.emplace_back(worker);
  worker();
  for (std::thread &t : threads)
    t.join();
  return results;
}

int worst_exit(const std::vector<PointResult> &results) {
  int worst = 0;
  for (const PointResult &r : results)
    worst = std::max(worst, r.exit_code);
  return worst;
}

} // namespace ksmsim::sweep
