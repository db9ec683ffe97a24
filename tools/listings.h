// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim --list-kernels` and `ksmsim --list-points`: what --kernel and an
// `interleave:` can name, one a line ("NAME  description", the name never
// holding two spaces in a row), in a fixed order. The bash completion
// reads the names from them.
#pragma once

#include <string>

namespace ksmsim::cli {

// "v3.9", then "v3.9 without FIX" for each of the kernel's fixes
// (known_fix_names()), each with what it is.
std::string kernel_list();
// Every preemption point (model/lib/points.h) with where it is.
std::string point_list();
// What a fix (a KernelProfile switch) is, or "" for an unknown name.
std::string fix_description(const std::string &fix);

} // namespace ksmsim::cli
