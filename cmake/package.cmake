# SPDX-License-Identifier: GPL-2.0-only
#
# ksmsim for other projects and for `cmake --install` (docs/library.md):
#  - the library target as ksmsim::core (an alias here, for add_subdirectory;
#    the exported name in the installed CMake package), libksmsim.a;
#  - install rules: the CLI, the man pages (docs/man/*.1), the bash
#    completion (tools/completion/ksmsim), the documentation, the bundled
#    scenarios, the public headers (include/ksmsim/) and the library;
#  - the CMake package (find_package(ksmsim): ksmsimConfig.cmake, its
#    version file, ksmsimTargets.cmake) and ksmsim.pc for pkg-config.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(ksmsim::core ALIAS ksmsim_core)
set_target_properties(ksmsim_core PROPERTIES EXPORT_NAME core OUTPUT_NAME ksmsim)
# The public headers are C++17; the library itself is built as C++20.
target_compile_features(ksmsim_core PUBLIC cxx_std_17)

# Graphviz's plugins are linked in from their own directory, outside the
# linker's search path: the installed CLI keeps it as its RUNPATH (and
# ksmsim.pc gives it to the programs linked with pkg-config; CMake does so
# by itself).
set_target_properties(ksmsim PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
install(TARGETS ksmsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ksmsim_core EXPORT ksmsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ksmsim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

# Man pages and the bash completion: whatever the tree has at configure time.
file(GLOB KSMSIM_MAN_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.1)
if(KSMSIM_MAN_PAGES)
  install(FILES ${KSMSIM_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
# bash-completion's completionsdir, made relative to its prefix so that it
# lands under ours (cmake --install --prefix DIR); share/bash-completion/
# completions when bash-completion's .pc is missing.
set(KSMSIM_BASH_COMPLETION_DEFAULT ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
pkg_get_variable(KSMSIM_BC_DIR bash-completion completionsdir)
pkg_get_variable(KSMSIM_BC_PREFIX bash-completion prefix)
if(KSMSIM_BC_DIR AND KSMSIM_BC_PREFIX)
  string(FIND "${KSMSIM_BC_DIR}" "${KSMSIM_BC_PREFIX}/" at)
  if(at EQUAL 0)
    string(LENGTH "${KSMSIM_BC_PREFIX}/" len)
    string(SUBSTRING "${KSMSIM_BC_DIR}" ${len} -1 KSMSIM_BASH_COMPLETION_DEFAULT)
  endif()
endif()
set(KSMSIM_BASH_COMPLETION_DIR ${KSMSIM_BASH_COMPLETION_DEFAULT}
    CACHE STRING "where the bash completion is installed (relative: under the prefix)")
if(EXISTS ${PROJECT_SOURCE_DIR}/tools/completion/ksmsim)
  install(FILES ${PROJECT_SOURCE_DIR}/tools/completion/ksmsim
          DESTINATION ${KSMSIM_BASH_COMPLETION_DIR})
endif()

# share/doc/ksmsim: README.md and docs/ beside it, as the README links them.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB KSMSIM_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${KSMSIM_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/images DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
# docs/sweep.md and docs/what-if.md link their Slurm script and scenarios there.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/examples DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
# share/ksmsim/scenarios: the bundled scenarios, ready to run.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ksmsim/scenarios)

# The CMake package.
set(KSMSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ksmsim)
if(TARGET PkgConfig::GVC AND GVPLUGIN_CORE AND GVPLUGIN_DOT_LAYOUT)
  set(KSMSIM_WITH_GRAPHVIZ ON)
else()
  set(KSMSIM_WITH_GRAPHVIZ OFF)
endif()
install(EXPORT ksmsimTargets NAMESPACE ksmsim:: DESTINATION ${KSMSIM_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ksmsimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/ksmsimConfig.cmake
                              INSTALL_DESTINATION ${KSMSIM_CMAKE_DIR})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ksmsimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ksmsimConfig.cmake
              ${PROJECT_BINARY_DIR}/ksmsimConfigVersion.cmake DESTINATION ${KSMSIM_CMAKE_DIR})

# ksmsim.pc, written when installing: its prefix is the one installed to
# (cmake --install --prefix DIR), not the one configured. A static library:
# what it links with is in Requires and Libs, not their .private forms.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(KSMSIM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(KSMSIM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(KSMSIM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(KSMSIM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(KSMSIM_PC_REQUIRES "fmt yaml-cpp")
set(KSMSIM_PC_LIBS "-pthread")
if(KSMSIM_WITH_GRAPHVIZ)
  string(APPEND KSMSIM_PC_REQUIRES " libgvc")
  get_filename_component(KSMSIM_GVPLUGIN_DIR ${GVPLUGIN_CORE} DIRECTORY)
  set(KSMSIM_PC_LIBS "${GVPLUGIN_CORE} ${GVPLUGIN_DOT_LAYOUT} -Wl,-rpath,${KSMSIM_GVPLUGIN_DIR} -pthread")
endif()
set(KSMSIM_PC_PREFIX "@CMAKE_INSTALL_PREFIX@") # filled in by the second configure_file
configure_file(${PROJECT_SOURCE_DIR}/cmake/ksmsim.pc.in ${PROJECT_BINARY_DIR}/ksmsim.pc.in @ONLY)
install(CODE "configure_file(\"${PROJECT_BINARY_DIR}/ksmsim.pc.in\" \"${PROJECT_BINARY_DIR}/ksmsim.pc\" @ONLY)")
install(FILES ${PROJECT_BINARY_DIR}/ksmsim.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
