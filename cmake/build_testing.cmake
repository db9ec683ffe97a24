# SPDX-License-Identifier: GPL-2.0-only
#
# Whether the tests are configured (ksmsim_tests, every CTest test, the
# libFuzzer targets): KSMSIM_TESTS. At the top level it is BUILD_TESTING,
# CTest's switch (on unless -DBUILD_TESTING=OFF); under another project's
# add_subdirectory it is KSMSIM_BUILD_TESTS, off unless that project asks,
# whatever the parent's own BUILD_TESTING says.
if(PROJECT_IS_TOP_LEVEL)
  option(BUILD_TESTING "Build ksmsim's tests" ON)
  set(KSMSIM_TESTS ${BUILD_TESTING})
else()
  option(KSMSIM_BUILD_TESTS "Build ksmsim's tests (ksmsim included by add_subdirectory)" OFF)
  set(KSMSIM_TESTS ${KSMSIM_BUILD_TESTS})
endif()
