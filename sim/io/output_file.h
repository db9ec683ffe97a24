// SPDX-License-Identifier: GPL-2.0-only
//
// Writing a command's output files whole, and only over regular files.
// A regular file (or a new name) is written through an exclusive temporary
// file in the same directory (mkostemp: O_EXCL, O_NOFOLLOW) and renamed
// over it; a symlink is followed and its target replaced, the link stays.
// A character device, a FIFO, "-" (stdout) or a name of an open descriptor
// (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: through that
// descriptor) is written straight. An
// output equal to one of the inputs (same path, or same st_dev/st_ino) is
// refused. The temporary file goes on every way out: the destructor,
// std::exit and SIGTERM/SIGINT/SIGHUP (a handler unlinks the registered
// temporary files and re-raises).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ksmsim::io {

// Why an output cannot be written; what() names the path.
class OutputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class OutputFile {
public:
  // Opens `path` for writing; throws OutputError when it is refused.
  OutputFile(const std::string &path, const std::vector<std::string> &inputs = {});
  ~OutputFile(); // removes the temporary file unless committed
  OutputFile(const OutputFile &) = delete;
  OutputFile &operator=(const OutputFile &) = delete;

  // Appends; throws OutputError on a write error.
  void write(std::string_view text);
  // Puts the file in place (rename); throws OutputError.
  void commit();
  const std::string &path() const { return path_; }

private:
  void discard();
  std::string path_;   // as given
  std::string target_; // what is replaced (a symlink's target)
  std::string temp_;   // empty when written straight
  int fd_ = -1;
  int slot_ = -1; // in the signal handler's table
  bool straight_ = false;
  bool committed_ = false;
};

// The whole text to path; "" on success, else why not.
std::string write_output(const std::string &path, std::string_view text,
                         const std::vector<std::string> &inputs = {});

// Refuses two outputs naming the same file; "" when they differ.
std::string distinct_outputs(const std::vector<std::string> &paths);

} // namespace ksmsim::io
