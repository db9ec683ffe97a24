// SPDX-License-Identifier: GPL-2.0-only
//
// The ksmsim commands: what main() dispatches to, and what `ksmsim --help`
// and `ksmsim COMMAND --help` say about each (its arguments, one line of
// summary, its exit statuses). One row per command (tools/commands.cpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ksmsim::cli {

struct CommandInfo {
  const char *name;      // "run"
  const char *arguments; // what the usage line puts before [OPTIONS]: "FILE", "A B"
  const char *summary;   // one line, for `ksmsim --help`
  const char *about;     // a few lines under the usage line of `ksmsim NAME --help`
  std::vector<std::pair<int, const char *>> exit_status; // code, what it means
  int (*run)(const std::vector<std::string> &args);
};

// Every command, in the order `ksmsim --help` lists them.
const std::vector<CommandInfo> &commands();
// The command called name, or nullptr.
const CommandInfo *find_command(std::string_view name);

} // namespace ksmsim::cli
