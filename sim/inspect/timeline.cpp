// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/timeline.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/mm/kernel.h"
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
  for (const std::string &name : ksm_counter_names())
    header.push_back(name);
  for (const std::string &mm : mm_names) {
    header.push_back(csv_cell(mm + ".rmap_items"));
    header.push_back(csv_cell(mm + ".merged"));
  }
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (const TimelineRow &r : rows) {
    std::vector<std::string> cells = {std::to_string(r.time_us), std::to_string(r.step), r.kind,
                                      csv_cell(r.label)};
    for (const auto &[name, value] : r.counters)
      cells.push_back(std::to_string(value));
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
  for (const TimelineRow &r : rows) {
    ojson row = {{"time_us", r.time_us}, {"step", r.step}, {"kind", r.kind}, {"label", r.label}};
    for (const auto &[name, value] : r.counters)
      row[name] = value;
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
