// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/observer.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/mm/kernel.h"
#include "sim/inspect/dump.h"

namespace ksmsim {

RunObserver::RunObserver(const Kernel &k, const RunOptions &opt)
    : k_(k), opt_(opt), clock_(opt.timeline_period_us) {}

// A step run at a preemption point (interleave:) counts as the step it interrupted.
int RunObserver::step_of(const scenario::Step &st) const {
  return k_.nested_depth > 0 ? k_.current_step : st.index;
}

TimelineRow RunObserver::row(std::string kind) const {
  TimelineRow r = timeline_row(k_, std::move(kind));
  if (busy_) {
    r.costed = true;
    r.ksmd_cpu_ns = busy_->cpu_ps / 1000;
    r.pages_scanned = k_.ksm.pages_scanned();
  }
  return r;
}

void RunObserver::after_batch() {
  if (opt_.timeline && clock_.due(k_.now_us))
    timeline_.push_back(row("batch"));
}

void RunObserver::after_page_scanned() {
  book_.note_scanned(k_, *names_);
}

void RunObserver::checkpoint(const scenario::Step &st, const char *kind, const std::string &label) {
  TimelineRow row = this->row(kind);
  row.step = step_of(st);
  row.line = st.loc.line;
  row.label = label;
  checkpoints_.push_back(row);
  if (std::string(kind) == "sample" && opt_.timeline)
    timeline_.push_back(std::move(row));
  book_.note_all(k_, *names_);
  if (opt_.dump_each_checkpoint && std::string(kind) != "dump")
    dump(st, opt_.dump_format, "");
}

void RunObserver::dump_step(const scenario::Step &st, const scenario::Dump &d) {
  checkpoint(st, "dump");
  dump(st, d.format, d.file);
  // --dump-each: also in the run's format, unless this dump already is it.
  if (opt_.dump_each_checkpoint && (d.format != opt_.dump_format || !d.file.empty()))
    dump(st, opt_.dump_format, "");
}

void RunObserver::after_step(const scenario::Step &st) {
  step_marks_.push_back({st.index, st.loc.line, st.kind, k_.now_us});
  if (opt_.trace)
    book_.note_mms(k_);
  if (std::find(opt_.dump_at.begin(), opt_.dump_at.end(), st.index) != opt_.dump_at.end())
    dump(st, opt_.dump_format, "");
}

void RunObserver::dump(const scenario::Step &st, const std::string &format,
                       const std::string &file) {
  RunResult::Dump d;
  d.step = step_of(st);
  d.format = format;
  d.file = file;
  std::optional<DumpFormat> f = parse_dump_format(format);
  if (!f) {
    d.error = fmt::format("unknown dump format '{}' (text, json, dot or svg)", format);
  } else if (std::optional<std::string> text = dump_state(k_, *names_, *f, &d.error)) {
    d.text = std::move(*text);
  }
  dumps_.push_back(std::move(d));
}

void RunObserver::finish(RunResult &r, ojson &doc) {
  book_.note_all(k_, *names_);
  r.dumps = std::move(dumps_);
  r.step_marks = std::move(step_marks_);
  if (opt_.timeline) {
    r.timeline_csv = timeline_csv(timeline_);
    r.timeline_jsonl = timeline_jsonl(timeline_);
  }
  // The names as comment lines of the ftrace text (a Chrome JSON trace has
  // no comments: its readers get the names from --json).
  if (opt_.trace && opt_.trace_format == TraceFormat::ftrace) {
    r.trace_names = book_.trace_comments();
    if (!r.trace.empty())
      r.trace = book_.with_trace_names(r.trace);
  }
  doc["checkpoints"] = checkpoints_json(checkpoints_);
  doc["names"] = book_.json_object();
  doc["names_complete"] = book_.complete();
}

} // namespace ksmsim
