// SPDX-License-Identifier: GPL-2.0-only
#include "model/lib/oops.h"

namespace ksmsim {

namespace {
thread_local OopsSink *the_sink = nullptr;

void record(const char *kind, const char *fn, const std::string &message) {
  if (!the_sink)
    return;
  OopsRecord rec;
  rec.kind = kind;
  rec.function = fn;
  rec.message = message;
  rec.call_path = the_call_path.snapshot();
  the_sink->record_oops(std::move(rec));
}
} // namespace

void set_oops_sink(OopsSink *sink) {
  the_sink = sink;
}

void kernel_bug(const char *fn, const std::string &message) {
  record("BUG", fn, message);
  throw OopsException(std::string(fn) + ": " + message);
}

void kernel_warn(const char *fn, const std::string &message) {
  record("WARNING", fn, message);
}

void use_after_free(const char *fn, const std::string &what) {
  detector_stop(fn, "use of freed " + what);
}

void detector_report(const char *fn, const std::string &message) {
  record("detector", fn, message);
}

void detector_stop(const char *fn, const std::string &message) {
  record("detector", fn, message);
  throw OopsException(std::string(fn) + ": " + message);
}

} // namespace ksmsim
