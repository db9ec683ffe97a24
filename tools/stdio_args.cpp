// SPDX-License-Identifier: GPL-2.0-only
#include "tools/stdio_args.h"

#include <fmt/format.h>

#include <iostream>

namespace ksmsim::cli {

bool is_stdout(const std::string &path) {
  return path == "-";
}

std::string check_stdout_outputs(const std::vector<FileArgument> &outputs, bool *taken) {
  const FileArgument *first = nullptr;
  for (const FileArgument &o : outputs) {
    if (!is_stdout(o.path))
      continue;
    if (first)
      return fmt::format("{} and {} both write to stdout: only one output can be '-'",
                         first->option, o.option);
    first = &o;
  }
  *taken = first != nullptr;
  return "";
}

std::string check_stdin_inputs(const std::vector<FileArgument> &inputs) {
  const FileArgument *first = nullptr;
  for (const FileArgument &i : inputs) {
    if (i.path != "-")
      continue;
    if (first)
      return fmt::format("{} and {} both read stdin: only one input can be '-'", first->option,
                         i.option);
    first = &i;
  }
  return "";
}

std::string check_directory(const FileArgument &dir) {
  if (dir.path != "-")
    return "";
  return fmt::format("{} takes a directory, and '-' (stdout) cannot be one", dir.option);
}

std::ostream &human_stream(bool stdout_taken) {
  return stdout_taken ? std::cerr : std::cout;
}

} // namespace ksmsim::cli
