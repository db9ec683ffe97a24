# SPDX-License-Identifier: GPL-2.0-only
#
# `ksmsim --version` names the git revision the binary was built from
# (tools/version.cpp). The revision is looked up at every build, not only at
# configure time: cmake/git_revision_header.cmake rewrites
# generated/ksmsim_git_revision.h only when the revision changed, and only
# tools/version.cpp includes it, so a new commit recompiles one file and
# relinks. Outside a git checkout of this tree (a Debian source package) the
# revision is "unknown"; -DKSMSIM_GIT_REVISION=TEXT names it instead.
set(KSMSIM_GIT_REVISION "" CACHE STRING "the revision ksmsim --version names (default: git describe)")
find_package(Git QUIET)
set(KSMSIM_GIT_REVISION_HEADER ${PROJECT_BINARY_DIR}/generated/ksmsim_git_revision.h)
add_custom_target(ksmsim_git_revision
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DGIT=${GIT_EXECUTABLE}
          -DREVISION=${KSMSIM_GIT_REVISION} -DOUTPUT=${KSMSIM_GIT_REVISION_HEADER}
          -P ${PROJECT_SOURCE_DIR}/cmake/git_revision_header.cmake
  BYPRODUCTS ${KSMSIM_GIT_REVISION_HEADER}
  COMMENT "Looking up the git revision for ksmsim --version"
  VERBATIM)
add_dependencies(ksmsim ksmsim_git_revision)
set_source_files_properties(${PROJECT_SOURCE_DIR}/tools/version.cpp PROPERTIES
  INCLUDE_DIRECTORIES ${PROJECT_BINARY_DIR}/generated)
