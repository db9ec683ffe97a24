// SPDX-License-Identifier: GPL-2.0-only
//
// The `ksmsim step` session: commands read one line at a time drive a
// Stepper (the scenario's steps; ksmd page by page) and print what the
// kernel did in the reader's names. A breakpoint pauses inside the kernel:
// the session reads commands there (show, svg, break, continue, quit)
// until `continue`.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ksmsim/stepper.h"
#include "sim/step/completion.h"
#include "sim/step/narration.h"

namespace ksmsim {

class StepSession {
public:
  // Returns the next line, or nothing at the end of the input.
  using ReadLine = std::function<std::optional<std::string>(const std::string &prompt)>;
  // echo: print each command read after the prompt (for scripts).
  StepSession(Stepper &stepper, std::ostream &out, ReadLine read, bool echo);
  ~StepSession();
  // Until quit or the end of the input; returns the exit status (0).
  int run();
  // One command line; false when it ends the session.
  bool execute(const std::string &line);
  CompletionNames completion_names() const;

private:
  struct Quit {}; // thrown to leave a pause inside the kernel
  bool dispatch(const std::vector<std::string> &w);
  void cmd_next(const std::vector<std::string> &w);
  void cmd_scan(const std::vector<std::string> &w);
  void cmd_until(const std::vector<std::string> &w);
  void cmd_show(const std::vector<std::string> &w);
  void cmd_svg(const std::vector<std::string> &w);
  void cmd_break(const std::vector<std::string> &w, bool add);
  void on_point(const char *point);
  void pause_at(const char *point);
  void report_new_oopses();
  void narrate(const std::string &line);

  Stepper &st_;
  std::ostream &out_;
  ReadLine read_;
  bool echo_;
  Narration narration_;
  std::set<std::string> breaks_;
  bool scanning_ = false; // narrate every page (scan), not only other tasks' events
  bool quiet_ = false;    // until: no narration
  std::string paused_at_; // the point the kernel is paused at, or ""
  std::size_t oopses_seen_ = 0;
  bool finished_ = false;
};

} // namespace ksmsim
