// SPDX-License-Identifier: GPL-2.0-only
//
// Catch2 v2 or v3, whichever CMake found (cmake/catch2.cmake sets
// KSMSIM_CATCH2_MAJOR): the tests include this header, never Catch2's.
// v2 is one header, catch2/catch.hpp; v3 a library whose catch_all.hpp
// brings every part in. Their string matchers differ in name:
// catch_compat::Contains is the substring matcher of either.
#pragma once

#include <string>

#if KSMSIM_CATCH2_MAJOR >= 3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

namespace catch_compat {

#if KSMSIM_CATCH2_MAJOR >= 3
inline Catch::Matchers::StringContainsMatcher Contains(const std::string &text) {
  return Catch::Matchers::ContainsSubstring(text);
}
#else
inline Catch::Matchers::StdString::ContainsMatcher Contains(const std::string &text) {
  return Catch::Matchers::Contains(text);
}
#endif
using Catch::Matchers::EndsWith;

} // namespace catch_compat
