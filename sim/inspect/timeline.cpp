// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/timeline.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/mm/kernel.h"
#include "sim/report/cost_report.h"
#include "sim/report/json_text.h"

namespace ksmsim {

TimelineRow timeline_row(const Kernel &k, std::string kind) {
  TimelineRow r;
  r.time_us = k.now_us;
  r.step = k.current_step;
  r.kind = std::move(kind);
  r.counters = ksm_counters(k);
  r.mms = mm_figures(k);
  return r;
}

bool TimelineClock::due(std::uint64_t now_us) {
  if (period_ == 0)
    return true;
  if (now_us < next_)
    return false;
  next_ = (now_us / period_ + 1) * period_;
  return true;
}

namespace {

std::string csv_cell(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::int64_t counter(const TimelineRow &r, const char *name) {
  for (const auto &[n, v] : r.counters)
    if (n == name)
      return v;
  return 0;
}

bool has_counter(const TimelineRow &r, const char *name) {
  return std::any_of(r.counters.begin(), r.counters.end(),
                     [&](const auto &c) { return c.first == name; });
}

// The counter columns: the profile's own (every row is of one kernel);
// v3.9's when there is no row.
std::vector<std::string> counter_names(const std::vector<TimelineRow> &rows) {
  if (rows.empty())
    return ksm_counter_names();
  std::vector<std::string> names;
  for (const auto &[name, value] : rows.front().counters)
    names.push_back(name);
  return names;
}

// A 6.x profile has general_profit as a file of its own (with the zero
// pages): the cost model's column is not added beside it.
bool kernel_general_profit(const std::vector<TimelineRow> &rows) {
  return !rows.empty() && has_counter(rows.front(), "general_profit");
}

// The cost columns of each row: CPU% and pages/s over the time since the
// last row with an earlier time (from 0 for the first).
struct CostCells {
  std::uint64_t cpu_ns, percent_x100, pages_per_s;
  std::int64_t profit;
};
std::vector<CostCells> cost_cells(const std::vector<TimelineRow> &rows) {
  std::vector<CostCells> out;
  std::uint64_t t0 = 0, cpu0 = 0, pages0 = 0;
  std::uint64_t last_t = 0, last_cpu = 0, last_pages = 0;
  for (const TimelineRow &r : rows) {
    if (r.time_us > last_t) { // a new time: the previous rows' time is the base
      t0 = last_t, cpu0 = last_cpu, pages0 = last_pages;
    }
    std::uint64_t dt = r.time_us - t0;
    out.push_back({r.ksmd_cpu_ns, cpu_percent_x100((r.ksmd_cpu_ns - cpu0) * 1000, dt),
                   dt ? (r.pages_scanned - pages0) * 1'000'000 / dt : 0,
                   general_profit(static_cast<std::uint64_t>(counter(r, "pages_sharing")),
                                  static_cast<std::uint64_t>(counter(r, "rmap_items")))});
    last_t = r.time_us, last_cpu = r.ksmd_cpu_ns, last_pages = r.pages_scanned;
  }
  return out;
}

bool any_costed(const std::vector<TimelineRow> &rows) {
  return std::any_of(rows.begin(), rows.end(), [](const TimelineRow &r) { return r.costed; });
}

ojson mms_object(const std::vector<MmFigures> &mms) {
  ojson o = ojson::object();
  for (const MmFigures &f : mms)
    o[f.mm] = {{"rmap_items", f.rmap_items}, {"merged", f.merged}};
  return o;
}

} // namespace

std::string timeline_csv(const std::vector<TimelineRow> &rows) {
  std::vector<std::string> mm_names;
  for (const TimelineRow &r : rows)
    for (const MmFigures &f : r.mms)
      if (std::find(mm_names.begin(), mm_names.end(), f.mm) == mm_names.end())
        mm_names.push_back(f.mm);
  std::vector<std::string> header = {"time_us", "step", "kind", "label"};
  for (const std::string &name : counter_names(rows))
    header.push_back(name);
  const bool costed = any_costed(rows);
  const bool profit_column = costed && !kernel_general_profit(rows);
  std::vector<CostCells> cost = costed ? cost_cells(rows) : std::vector<CostCells>{};
  if (costed)
    header.insert(header.end(), {"ksmd_cpu_ns", "ksmd_cpu_percent", "pages_scanned_per_s"});
  if (profit_column)
    header.push_back("general_profit");
  for (const std::string &mm : mm_names) {
    header.push_back(csv_cell(mm + ".rmap_items"));
    header.push_back(csv_cell(mm + ".merged"));
  }
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (std::size_t i = 0; i < rows.size(); i++) {
    const TimelineRow &r = rows[i];
    std::vector<std::string> cells = {std::to_string(r.time_us), std::to_string(r.step), r.kind,
                                      csv_cell(r.label)};
    for (const auto &[name, value] : r.counters)
      cells.push_back(std::to_string(value));
    if (costed)
      cells.insert(cells.end(), {std::to_string(cost[i].cpu_ns), percent_text(cost[i].percent_x100),
                                 std::to_string(cost[i].pages_per_s)});
    if (profit_column)
      cells.push_back(std::to_string(cost[i].profit));
    for (const std::string &mm : mm_names) {
      auto it =
          std::find_if(r.mms.begin(), r.mms.end(), [&](const MmFigures &f) { return f.mm == mm; });
      cells.push_back(it == r.mms.end() ? "" : std::to_string(it->rmap_items));
      cells.push_back(it == r.mms.end() ? "" : std::to_string(it->merged));
    }
    out += fmt::format("{}\n", fmt::join(cells, ","));
  }
  return out;
}

std::string timeline_jsonl(const std::vector<TimelineRow> &rows) {
  std::string out;
  const bool costed = any_costed(rows);
  const bool profit_column = costed && !kernel_general_profit(rows);
  std::vector<CostCells> cost = costed ? cost_cells(rows) : std::vector<CostCells>{};
  for (std::size_t i = 0; i < rows.size(); i++) {
    const TimelineRow &r = rows[i];
    ojson row = {{"time_us", r.time_us}, {"step", r.step}, {"kind", r.kind}, {"label", r.label}};
    for (const auto &[name, value] : r.counters)
      row[name] = value;
    if (costed) {
      row["ksmd_cpu_ns"] = cost[i].cpu_ns;
      row["ksmd_cpu_percent"] = static_cast<double>(cost[i].percent_x100) / 100;
      row["pages_scanned_per_s"] = cost[i].pages_per_s;
      if (profit_column)
        row["general_profit"] = cost[i].profit;
    }
    row["mms"] = mms_object(r.mms);
    out += json_inline(row) + "\n";
  }
  return out;
}

ojson checkpoints_json(const std::vector<TimelineRow> &rows) {
  ojson items = ojson::array();
  for (const TimelineRow &r : rows) {
    ojson counters = ojson::object();
    for (const auto &[name, value] : r.counters)
      counters[name] = value;
    items.push_back({{"step", r.step},
                     {"line", r.line},
                     {"kind", r.kind},
                     {"label", r.label},
                     {"time_us", r.time_us},
                     {"counters", std::move(counters)},
                     {"mms", mms_object(r.mms)}});
  }
  return items;
}

} // namespace ksmsim
