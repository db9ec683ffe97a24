# SPDX-License-Identifier: GPL-2.0-only
#
# ksmsim as other projects use it (tests/install/check): installed into
# build/install-test/prefix, then docs/library.md's example built against
# it with find_package and with pkg-config and run; the source tree as an
# add_subdirectory; a configuration without the tests. Not in a sanitizer
# build, whose library only links into programs built with the sanitizers.
if(KSMSIM_SANITIZE)
  return()
endif()
set(KSMSIM_INSTALL_TEST_DIR ${PROJECT_BINARY_DIR}/install-test)
foreach(mode install find-package pkg-config subdirectory tests-off)
  add_test(NAME "install:${mode}"
           COMMAND ${PROJECT_SOURCE_DIR}/tests/install/check ${mode} ${PROJECT_BINARY_DIR}
                   ${PROJECT_SOURCE_DIR} ${KSMSIM_INSTALL_TEST_DIR})
  set_tests_properties("install:${mode}" PROPERTIES
    ENVIRONMENT "CXX=${CMAKE_CXX_COMPILER};GENERATOR=${CMAKE_GENERATOR}" TIMEOUT 300)
endforeach()
set_tests_properties("install:install" PROPERTIES FIXTURES_SETUP ksmsim_installed)
set_tests_properties("install:find-package" "install:pkg-config" PROPERTIES
                     FIXTURES_REQUIRED ksmsim_installed)
