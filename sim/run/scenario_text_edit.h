// SPDX-License-Identifier: GPL-2.0-only
//
// Line-level edits of a scenario file's text that keep everything else as
// written (comments, layout): for the files `ksmsim explore` writes.
#pragma once

#include <string>
#include <vector>

namespace ksmsim {

// The text with its top-level `kernel:` entry (the line and the indented
// lines under it) replaced by `kernel_line`; without one, `kernel_line` goes
// just before the top-level `steps:`. Returns false (text unchanged) when
// there is no top-level `steps:`.
bool replace_kernel_entry(std::string &text, const std::string &kernel_line);

// The text with `items` (each one list item, without indentation or "- ")
// appended to the top-level `steps:` block list, at the indentation of its
// items; comment lines (each without "# ") may go before them. Returns
// false (text unchanged) when `steps:` is missing or not a block list.
bool append_steps(std::string &text, const std::vector<std::string> &comments,
                  const std::vector<std::string> &items);

} // namespace ksmsim
