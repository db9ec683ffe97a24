// SPDX-License-Identifier: GPL-2.0-only
//
// Reading an input file whole: only a regular file or "-" (stdin), of at
// most MAX_INPUT_BYTES, so that /dev/zero or a FIFO cannot make a command
// read forever or block in open().
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace ksmsim::io {

inline constexpr std::size_t MAX_INPUT_BYTES = 64u << 20; // 64 MiB

// The file's bytes; on failure nullopt and `why` says what is wrong.
std::optional<std::string> read_input(const std::string &path, std::string &why);

} // namespace ksmsim::io
