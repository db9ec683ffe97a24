// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/launcher.h"

#include <cstdlib>
#include <initializer_list>

namespace ksmsim::sweep {

bool under_mpi_launcher() {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (const char *v = std::getenv(name); v != nullptr && *v != '\0')
      return true;
  return false;
}

} // namespace ksmsim::sweep
