// SPDX-License-Identifier: GPL-2.0-only
//
// The part of a recording that changes the live kernel and puts it back:
// the lock, the journal (and a killed recording's, restored first), the
// check for other users of KSM, the saved knobs, the tracefs mount, the
// tracing instance and the pinned knobs. end() is called once every worker
// is gone; it restores, and names what could not be.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ksmsim/record.h"
#include "sim/live/knob_journal.h"
#include "sim/live/knob_restore.h"
#include "sim/live/live_lock.h"
#include "sim/live/trace_instance.h"

namespace ksmsim::live {

class LiveSession {
public:
  explicit LiveSession(const RecordOptions &opt) : opt_(opt) {}
  ~LiveSession() { end(); }
  // Up to the first step: "" or why the recording cannot go on (end()
  // still puts back whatever was changed). Notes go to *warnings.
  std::string begin(std::vector<std::string> *warnings, std::vector<std::string> *pinned);
  TraceInstance *instance() { return instance_.get(); }
  // Every knob as found, the instance removed, tracefs unmounted if we
  // mounted it; the journal removed if all of that worked. Returns what
  // could not be restored ("knob=value: ERRNO"); the journal then stays.
  std::vector<std::string> end();

private:
  std::string recover(const Journal &j, std::vector<std::string> *warnings);
  const RecordOptions &opt_;
  std::unique_ptr<LiveLock> lock_;
  std::string journal_;
  Journal saved_;
  bool changed_ = false; // the journal is written: end() has something to put back
  std::unique_ptr<TraceInstance> instance_;
};

} // namespace ksmsim::live
