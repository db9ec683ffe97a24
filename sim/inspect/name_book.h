// SPDX-License-Identifier: GPL-2.0-only
//
// The handle -> name map of a run: what each synthetic handle the trace
// prints (model/lib/trace.h) stands for (`A:heap[3]`, `stable#2 (pfn 41,
// node 0)`, `mm A`, `mm_slot A`), gathered while the run goes (an object
// keeps the name it had when first seen). Published in `--json` ("names")
// and as comment lines in the trace file.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/inspect/names.h"
#include "sim/report/json_text.h"

namespace ksmsim {

class Kernel;

class NameBook {
public:
  // Every object reachable now: mms, mm_slots, rmap_lists, stable_nodes.
  void note_all(const Kernel &k, const ScenarioNames &names);
  // The mms and mm_slots (cheap: one per process).
  void note_mms(const Kernel &k);
  // The rmap_item ksmd has just scanned, and its stable_node (cheap).
  void note_scanned(const Kernel &k, const ScenarioNames &names);

  const std::map<std::uint64_t, std::string> &names() const { return names_; }
  // At most this many names are kept (a big run's names would cost more
  // memory than its pages): later objects go unnamed, and complete() is false.
  static constexpr std::size_t MAX_NAMES = 8192;
  bool complete() const { return !full_; }
  // {"ffff888200000040": "A:heap[0]", ...}, sorted by handle.
  ojson json_object() const;
  // `# ksmsim name HANDLE NAME` lines.
  std::string trace_comments() const;
  // The trace file's text with those lines after its `#` header.
  std::string with_trace_names(const std::string &trace) const;

private:
  void note(HandleKind kind, std::uint32_t id, const std::string &name);
  std::map<std::uint64_t, std::string> names_;
  bool full_ = false;
};

} // namespace ksmsim
