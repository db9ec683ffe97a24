// SPDX-License-Identifier: GPL-2.0-only
//
// What '-' means in a command's file arguments, the same for every command:
// an input '-' is stdin, an output '-' is stdout (sim/io/input_file.h,
// sim/io/output_file.h do the reading and writing). These check the
// combinations that cannot work: two inputs or two outputs on the same
// stream, a directory '-'. When an output is stdout, what the command
// prints for people (the summary, dumps, listings) goes to stderr, so that
// stdout holds only that output.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace ksmsim::cli {

struct FileArgument {
  std::string option; // as the user wrote it: "--json", "FILE"
  std::string path;   // "" when not given
};

// Is path "-", stdout? (/dev/stdout and /dev/fd/N are files that the
// output writes through, and leave the summary where it was.)
bool is_stdout(const std::string &path);
// "" when at most one of the outputs is stdout, else the message naming
// them; *taken says whether one is.
std::string check_stdout_outputs(const std::vector<FileArgument> &outputs, bool *taken);
// "" when at most one of the inputs is "-", else the message naming them.
std::string check_stdin_inputs(const std::vector<FileArgument> &inputs);
// "" unless a directory argument is "-", which cannot be.
std::string check_directory(const FileArgument &dir);
// Where a command's text for people goes: std::cout, or std::cerr when an
// output took stdout.
std::ostream &human_stream(bool stdout_taken);

} // namespace ksmsim::cli
