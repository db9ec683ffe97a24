// SPDX-License-Identifier: GPL-2.0-only
//
// The KSM state as JSON, schema "format_version": 1 (docs/dump-format.md).
#pragma once

#include <string>

#include "sim/inspect/snapshot.h"

namespace ksmsim {

inline constexpr int DUMP_FORMAT_VERSION = 1;

std::string dump_json(const KsmSnapshot &s);

} // namespace ksmsim
