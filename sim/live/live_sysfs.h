// SPDX-License-Identifier: GPL-2.0-only
//
// Reading and writing the small text files of sysfs and tracefs, as `cat`
// and `echo VALUE > FILE` do, and naming errnos.
#pragma once

#include <string>

namespace ksmsim::live {

// The file's text without trailing blanks; "" if it cannot be read.
std::string read_text(const std::string &path);
// `echo value > path`: 0 or -errno (the open's or the write's).
int write_text(const std::string &path, const std::string &value, int flags = 0);
// A knob is a regular file (sysfs attributes are).
bool is_regular_file(const std::string &path);
// "EBUSY" for 16 (or -16).
std::string errno_str(int err);

} // namespace ksmsim::live
