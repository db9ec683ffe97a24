// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim record`: not written yet (see docs/status.md).
#include "tools/cli.h"

namespace ksmsim::cli {

int cmd_record(const std::vector<std::string> &args) { return usage_error("record: not implemented yet"); }

} // namespace ksmsim::cli
