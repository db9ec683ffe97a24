// SPDX-License-Identifier: GPL-2.0-only
#include "model/lib/host_memory.h"

#include <cstdio>
#include <cstring>
#include <new>

namespace ksmsim {

std::uint64_t host_memory_available() {
  std::FILE *f = std::fopen("/proc/meminfo", "r");
  if (!f)
    return 0;
  char line[256];
  std::uint64_t kb = 0;
  while (std::fgets(line, sizeof line, f)) {
    unsigned long long v = 0;
    if (std::sscanf(line, "MemAvailable: %llu kB", &v) == 1) {
      kb = v;
      break;
    }
  }
  std::fclose(f);
  return kb * 1024;
}

void ensure_host_memory(std::size_t bytes) {
  const std::uint64_t avail = host_memory_available();
  if (avail != 0 && std::uint64_t(bytes) + kHostMemoryReserve > avail)
    throw std::bad_alloc();
}

} // namespace ksmsim
