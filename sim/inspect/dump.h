// SPDX-License-Identifier: GPL-2.0-only
//
// One entry point for a dump of the KSM state in any format: take the
// snapshot (sim/inspect/snapshot.h) and render it.
#pragma once

#include <optional>
#include <string>

#include "sim/inspect/snapshot.h"

namespace ksmsim {

enum class DumpFormat { text, json, dot, svg };

std::optional<DumpFormat> parse_dump_format(const std::string &name);
const char *dump_format_name(DumpFormat f);
// File extension: txt, json, dot, svg.
const char *dump_extension(DumpFormat f);

// The rendered dump; for svg without Graphviz, nullopt and *error.
std::optional<std::string> render_dump(const KsmSnapshot &s, DumpFormat f,
                                       std::string *error = nullptr);
std::optional<std::string> dump_state(const Kernel &k, const ScenarioNames &names, DumpFormat f,
                                      std::string *error = nullptr);

} // namespace ksmsim
