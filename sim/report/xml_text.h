// SPDX-License-Identifier: GPL-2.0-only
//
// Text for an XML 1.0 document (the JUnit report of `ksmsim run --format
// junit`): the five markup characters escaped; what XML cannot carry at
// all (control characters other than tab, newline and carriage return,
// invalid UTF-8) replaced by U+FFFD.
#pragma once

#include <string>

namespace ksmsim {

// Character data: & < > escaped (and " '), newlines kept.
std::string xml_text(const std::string &s);
// An attribute value (to go between double quotes): as xml_text, and tab,
// newline and carriage return as character references so that they survive
// attribute-value normalisation.
std::string xml_attribute(const std::string &s);

} // namespace ksmsim
