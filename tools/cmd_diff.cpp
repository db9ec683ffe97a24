// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim diff`: not written yet (see docs/status.md).
#include "tools/cli.h"

namespace ksmsim::cli {

int cmd_diff(const std::vector<std::string> &args) { return usage_error("diff: not implemented yet"); }

} // namespace ksmsim::cli
