// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/chrome_json.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "model/lib/trace_marks.h"

namespace ksmsim {

namespace {

using json = nlohmann::json;

std::vector<std::string_view> fields(std::string_view text, size_t max) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    const size_t bar = text.find('|');
    if (bar == std::string_view::npos)
      break;
    out.push_back(text.substr(0, bar));
    text.remove_prefix(bar + 1);
  }
  out.push_back(text);
  return out;
}

std::optional<std::int64_t> integer(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

json base(std::string_view ph, std::string_view name, std::int64_t pid, int tid, std::uint64_t ts) {
  return json{{"ph", ph}, {"name", name}, {"pid", pid}, {"tid", tid}, {"ts", ts}};
}

json instant(const Task &task, std::uint64_t ts, std::string_view event, std::string_view text) {
  json e = base("i", event, task.pid, task.pid, ts);
  e["s"] = "t";
  e["cat"] = event.substr(0, 7) == "ksmsim_" ? "ksmsim" : "ksm";
  // Some ksmsim_* texts end in the newline written to sysfs.
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  e["args"] = {{"text", text}, {"cpu", task.cpu}};
  return e;
}

// A marker as Perfetto's systrace parser reads it; an instant when it is
// none of B|, E|, C|.
class Converter {
public:
  json convert(const Task &task, std::uint64_t ts, std::string_view text) {
    const auto f = fields(text, 4);
    const std::optional<std::int64_t> tgid = f.size() > 1 ? integer(f[1]) : std::nullopt;
    if (tgid && f[0] == "B" && f.size() >= 3) {
      std::string name(text.substr(f[0].size() + f[1].size() + 2));
      open_[task.pid].push_back(name);
      return base("B", name, *tgid, task.pid, ts);
    }
    if (tgid && f[0] == "E" && f.size() == 2 && !open_[task.pid].empty()) {
      json e = base("E", open_[task.pid].back(), *tgid, task.pid, ts);
      open_[task.pid].pop_back();
      return e;
    }
    if (tgid && f[0] == "C" && f.size() == 4) {
      if (std::optional<std::int64_t> value = integer(f[3])) {
        json e = base("C", f[2], *tgid, task.pid, ts);
        e["args"] = {{"value", *value}};
        return e;
      }
    }
    return instant(task, ts, MARK_EVENT, text);
  }

private:
  std::map<int, std::vector<std::string>> open_; // tid -> names of its open slices
};

json metadata(std::string_view what, int pid, const std::string &name) {
  json e = base("M", what, pid, pid, 0);
  e["args"] = {{"name", name}};
  return e;
}

std::string dump(const json &j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

void ChromeTrace::add(const Task &task, std::uint64_t time_us, std::string_view event,
                      std::string_view text) {
  names_.try_emplace(task.pid, task.comm);
  records_.push_back({task, time_us, std::string(event), std::string(text)});
}

void ChromeTrace::name_process(int pid, const std::string &name) {
  names_.try_emplace(pid, name);
}

std::string ChromeTrace::text() const {
  std::vector<std::string> lines;
  for (const auto &[pid, name] : names_) {
    lines.push_back(dump(metadata("process_name", pid, name)));
    lines.push_back(dump(metadata("thread_name", pid, name)));
  }
  Converter marks;
  for (const Record &r : records_)
    lines.push_back(dump(r.event == MARK_EVENT ? marks.convert(r.task, r.time_us, r.text)
                                               : instant(r.task, r.time_us, r.event, r.text)));
  std::string out = "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n";
  for (size_t i = 0; i < lines.size(); ++i)
    out += lines[i] + (i + 1 < lines.size() ? ",\n" : "\n");
  return out + "]}\n";
}

} // namespace ksmsim
