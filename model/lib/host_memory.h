// SPDX-License-Identifier: GPL-2.0-only
//
// Not the kernel's: the simulator's own memory. The parser refuses a vma
// the host cannot hold at the simulation's fixed cost a page
// (sim/scenario/limits.h); what grows with the run beyond that (rmap_item
// chunks, the table of distinct page contents) asks here before each large
// allocation, so that a run the host cannot hold stops with "out of memory
// at step N" (std::bad_alloc, exit 2) instead of being killed by the
// host's OOM killer. The answer depends on the host, never on anything the
// simulation outputs otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace ksmsim {

// A limit of the simulator's own representation that a run reached (not
// the host's memory, not the kernel's): the run stops at that step, saying
// so (the runner: "the run is stopped at step N: ...").
struct SimulatorLimit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the host has left, and must keep, for the simulator.
inline constexpr std::uint64_t kHostMemoryReserve = std::uint64_t(256) << 20;

// std::bad_alloc unless the host's MemAvailable (/proc/meminfo) exceeds
// bytes by kHostMemoryReserve. Without /proc/meminfo nothing is checked.
void ensure_host_memory(std::size_t bytes);

// MemAvailable in bytes, or 0 when /proc/meminfo cannot be read (for tests).
std::uint64_t host_memory_available();

} // namespace ksmsim
