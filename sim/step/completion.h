// SPDX-License-Identifier: GPL-2.0-only
//
// Completion for the `ksmsim step` command line: commands, what `show`
// takes, mm and vma names, preemption point names. Independent of the
// line-editing library, so a test can ask it directly.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ksmsim {

struct CompletionNames {
  std::vector<std::string> mms;                         // the scenario's processes
  std::map<std::string, std::vector<std::string>> vmas; // per mm, its named vmas
  std::vector<std::string> points;                      // preemption point names
};

// The commands of the session, as `help` lists them.
const std::vector<std::string> &step_commands();

// The candidates for the word that starts with prefix, after the words
// of `before` (the line up to that word); sorted, no duplicates.
std::vector<std::string> complete_word(std::string_view before, std::string_view prefix,
                                       const CompletionNames &names);

} // namespace ksmsim
