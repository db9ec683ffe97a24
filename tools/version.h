// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim --version`: "ksmsim 0.1.0 (git 5673efd)", the project's version
// and the git revision it was built from ("unknown" outside a checkout;
// cmake/git_revision.cmake).
#pragma once

#include <string>

namespace ksmsim::cli {

std::string version_line();

} // namespace ksmsim::cli
