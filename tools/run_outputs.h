// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim run`'s options and outputs for seeing inside the model: the
// dumps (--dump-at, --dump-each, --dump-format, --dump-dir, `dump:` steps)
// and the timeline (--timeline, --timeline-period).
#pragma once

#include <iosfwd>
#include <string>

#include "ksmsim/runner.h"
#include "tools/cli.h"

namespace ksmsim::cli {

struct InspectArgs {
  std::string dump_at, dump_each, dump_format = "text", dump_dir, timeline, timeline_period;
};

void add_inspect_options(po::options_description &opts, InspectArgs &a);
// Fills ro from the arguments; returns an error message or "".
std::string apply_inspect_options(const InspectArgs &a, RunOptions &ro);
// Writes the dumps (files, --dump-dir or out: those without a file and
// those whose file is "-") and the timeline; returns an error message or "".
std::string write_inspect_outputs(const InspectArgs &a, const RunResult &r, std::ostream &out,
                                  const std::vector<std::string> &inputs);

} // namespace ksmsim::cli
