# SPDX-License-Identifier: GPL-2.0-only
#
# Catch2 for the unit tests: v3 if installed, else v2 (Debian 12's).
# KSMSIM_CATCH2_MAJOR tells tests/catch.h which headers to include. Either
# way the tests link Catch2::Catch2: v2's single header, or v3's library
# without its main (tests/main.cpp runs a Catch::Session in both). Both
# packages' config files put Catch.cmake (catch_discover_tests) on
# CMAKE_MODULE_PATH.
find_package(Catch2 3 QUIET)
if(NOT Catch2_FOUND)
  find_package(Catch2 2 REQUIRED)
endif()
set(KSMSIM_CATCH2_MAJOR ${Catch2_VERSION_MAJOR})
message(STATUS "ksmsim: tests with Catch2 ${Catch2_VERSION}")
