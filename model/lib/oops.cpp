// SPDX-License-Identifier: GPL-2.0-only
#include "model/lib/oops.h"

#include <fmt/format.h>

namespace ksmsim {

namespace {
thread_local OopsSink *the_sink = nullptr;

void record(OopsRecord rec) {
  if (!the_sink)
    return;
  rec.call_path = the_call_path.snapshot();
  the_sink->record_oops(std::move(rec));
}

OopsRecord make(const char *kind, const char *fn, std::string message) {
  OopsRecord rec;
  rec.kind = kind;
  rec.function = fn;
  rec.message = std::move(message);
  return rec;
}
} // namespace

void set_oops_sink(OopsSink *sink) {
  the_sink = sink;
}

std::string oops_headline(const OopsRecord &r) {
  if (is_warning(r) && !r.site.empty())
    // warn_slowpath_common: "WARNING: at %s:%d %pS()"; there are no code
    // offsets to print after the function's name here.
    return fmt::format("WARNING: at {} {}()", r.site, r.function);
  if (is_warning(r))
    return fmt::format("{} (in {})", r.message, r.function);
  if (is_detector(r))
    return fmt::format("{} in {}", r.message, r.function);
  return fmt::format("BUG in {}: {}", r.function, r.message);
}

void kernel_bug(const char *fn, const std::string &message) {
  record(make("BUG", fn, message));
  throw OopsException(std::string(fn) + ": " + message);
}

void kernel_null_deref(const char *fn) {
  kernel_bug(fn, "unable to handle kernel NULL pointer dereference");
}

void kernel_general_protection_fault(const char *fn) {
  // die("general protection fault", regs, error_code) in do_general_protection
  // (arch/x86/kernel/traps.c, 3.9): "%s: %04lx [#%d]" and " SMP" on SMP builds.
  kernel_bug(fn, "general protection fault: 0000 [#1] SMP");
}

void kernel_warn_at(const char *fn, const char *site) {
  OopsRecord rec = make("WARNING", fn, fmt::format("WARNING: at {} {}()", site, fn));
  rec.site = site;
  record(std::move(rec));
}

void kernel_warn_once_at(const char *fn, const char *site) {
  if (the_sink && !the_sink->first_warning_at(site))
    return;
  kernel_warn_at(fn, site);
}

void kernel_warn(const char *fn, const std::string &message) {
  record(make("WARNING", fn, message));
}

void detector_report(const char *fn, const char *name, const std::string &message) {
  OopsRecord rec = make("detector", fn, message);
  rec.name = name;
  record(std::move(rec));
}

void detector_stop(const char *fn, const char *name, const std::string &message) {
  detector_report(fn, name, message);
  throw OopsException(std::string(fn) + ": " + message);
}

void use_after_free(const char *fn, const std::string &what) {
  detector_stop(fn, "use-after-free", "ksmsim: use of freed " + what);
}

} // namespace ksmsim
