// SPDX-License-Identifier: GPL-2.0-only
//
// Graphviz dot text -> SVG, laid out in-process by libgvc (no `dot`
// process). The bytes depend only on the input: the comment naming
// Graphviz's version is left out.
#pragma once

#include <optional>
#include <string>

namespace ksmsim {

// Whether ksmsim was built with Graphviz (libgvc found by pkg-config).
bool have_graphviz();
// The SVG, or nullopt (and *error set) if Graphviz is missing or the
// graph does not parse.
std::optional<std::string> dot_to_svg(const std::string &dot, std::string *error = nullptr);

} // namespace ksmsim
