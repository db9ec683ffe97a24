// SPDX-License-Identifier: GPL-2.0-only
#include "catch.h"

#include <new>

#include "model/lib/host_memory.h"

using namespace ksmsim;

TEST_CASE("an allocation the host cannot give is refused before it is made", "[host-memory]") {
  const std::uint64_t avail = host_memory_available();
  REQUIRE(avail > 0); // Linux: /proc/meminfo has MemAvailable
  // Asking for all of it leaves less than the reserve: refused.
  CHECK_THROWS_AS(ensure_host_memory(avail), std::bad_alloc);
  CHECK_THROWS_AS(ensure_host_memory(avail - kHostMemoryReserve / 2), std::bad_alloc);
  // A small request is given (whatever else runs, more than 256 MiB + 4 KiB
  // is free on any machine that runs this suite).
  CHECK_NOTHROW(ensure_host_memory(4096));
}
