// SPDX-License-Identifier: GPL-2.0-only
//
// The only file that includes the generated revision header, so that a new
// commit recompiles only this one.
#include "tools/version.h"

#include "ksmsim_git_revision.h"

namespace ksmsim::cli {

std::string version_line() {
  return "ksmsim " KSMSIM_VERSION " (git " KSMSIM_GIT_REVISION ")";
}

} // namespace ksmsim::cli
