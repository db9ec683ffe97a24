// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/timeline.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/mm/kernel.h"
#include "sim/report/json.h"

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

std::string counters_members(const Counters &c) {
  std::vector<std::string> m;
  for (const auto &[name, value] : c)
    m.push_back(fmt::format("\"{}\": {}", name, value));
  return fmt::format("{}", fmt::join(m, ", "));
}

std::string mms_object(const std::vector<MmFigures> &mms) {
  std::vector<std::string> m;
  for (const MmFigures &f : mms)
    m.push_back(fmt::format("{}: {{\"rmap_items\": {}, \"merged\": {}}}", json_string(f.mm),
                            f.rmap_items, f.merged));
  return fmt::format("{{{}}}", fmt::join(m, ", "));
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
  for (const TimelineRow &r : rows)
    out += fmt::format("{{\"time_us\": {}, \"step\": {}, \"kind\": {}, \"label\": {}, {}, "
                       "\"mms\": {}}}\n",
                       r.time_us, r.step, json_string(r.kind), json_string(r.label),
                       counters_members(r.counters), mms_object(r.mms));
  return out;
}

std::string checkpoints_json(const std::vector<TimelineRow> &rows) {
  std::vector<std::string> items;
  for (const TimelineRow &r : rows)
    items.push_back(fmt::format("{{\"step\": {}, \"line\": {}, \"kind\": {}, \"label\": {}, "
                                "\"time_us\": {}, \"counters\": {{{}}}, \"mms\": {}}}",
                                r.step, r.line, json_string(r.kind), json_string(r.label),
                                r.time_us, counters_members(r.counters), mms_object(r.mms)));
  if (items.empty())
    return "[]";
  return fmt::format("[\n    {}\n  ]", fmt::join(items, ",\n    "));
}

} // namespace ksmsim
