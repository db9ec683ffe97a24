// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/xml_text.h"

#include "sim/report/json_text.h"

namespace ksmsim {

namespace {

std::string escaped(const std::string &s, bool attribute) {
  std::string out;
  for (char c : valid_utf8(s)) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    case '\t':
    case '\n':
    case '\r':
      if (attribute)
        out += c == '\t' ? "&#9;" : c == '\n' ? "&#10;" : "&#13;";
      else
        out += c;
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20)
        out += "\xef\xbf\xbd"; // U+FFFD: XML 1.0 has no way to write it
      else
        out += c;
    }
  }
  return out;
}

} // namespace

std::string xml_text(const std::string &s) {
  return escaped(s, false);
}

std::string xml_attribute(const std::string &s) {
  return escaped(s, true);
}

} // namespace ksmsim
