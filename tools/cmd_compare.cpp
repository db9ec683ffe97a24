// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim compare`: not written yet (see docs/status.md).
#include "tools/cli.h"

namespace ksmsim::cli {

int cmd_compare(const std::vector<std::string> &args) { return usage_error("compare: not implemented yet"); }

} // namespace ksmsim::cli
