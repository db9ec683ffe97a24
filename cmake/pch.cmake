# SPDX-License-Identifier: GPL-2.0-only
# Precompiled headers: the standard library's and fmt's headers are most of
# what a light translation unit of ksmsim parses, and a clean build (CI has
# three: the sanitizer build, the Debian package's, the README's) parses
# them once a target instead of once a file. Measured (gcc 12, -O2 -g, CPU
# seconds of one file): model/mm/rmap.cpp 1.81 -> 0.95, sim/run/engine.cpp
# 1.56 -> 0.75, sim/report/json_text.cpp 5.90 -> 5.19. nlohmann-json and
# Catch2 are left out: loading their precompiled state (85 -> 140 MB) cost
# the files that do not use them more than it saved the ones that do.
# Off under ccache, which caches a file precompiled headers reach only with
# its `pch_defines` and `time_macros` sloppiness set; -DKSMSIM_PCH=ON/OFF
# overrides.
if(CMAKE_CXX_COMPILER_LAUNCHER MATCHES "ccache")
  set(KSMSIM_PCH_DEFAULT OFF)
else()
  set(KSMSIM_PCH_DEFAULT ON)
endif()
option(KSMSIM_PCH "precompile the heavy headers (faster clean builds)" ${KSMSIM_PCH_DEFAULT})

set(KSMSIM_PCH_HEADERS
    <algorithm> <array> <cstddef> <cstdint> <cstring> <deque> <functional> <map> <memory>
    <optional> <set> <sstream> <stdexcept> <string> <string_view> <utility> <vector>
    <fmt/format.h>)

# ksmsim_pch(TARGET [HEADER ...]): TARGET's files get the common headers
# and the HEADERs named, precompiled for TARGET. (A precompiled header
# does not stand in for a file's own includes: each still names its own.)
function(ksmsim_pch target)
  if(KSMSIM_PCH)
    target_precompile_headers(${target} PRIVATE ${KSMSIM_PCH_HEADERS} ${ARGN})
  endif()
endfunction()
