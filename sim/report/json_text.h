// SPDX-License-Identifier: GPL-2.0-only
//
// ksmsim's JSON as text. Every JSON document the project writes is built
// as a nlohmann::ordered_json value (members in insertion order) and
// written here, in one of two layouts:
//
//  - json_inline: one line, `{"step": 3, "failures": ["a", "b"]}` (", "
//    between items, ": " after a key): JSON Lines rows, and the items of a
//    document;
//  - json_document: the top-level object one member a line (two spaces),
//    the members named in `spread` (JSON-pointer paths such as "/steps" or
//    "/first_divergence/rows") one item a line, everything else inline;
//    a final newline.
//
// Strings that are not valid UTF-8 (a byte 0xff in a comm name or in a
// live kernel's trace text) are written with each invalid byte replaced
// by U+FFFD (nlohmann's error_handler_t::replace): the JSON stays valid,
// the rest of the string is kept. Numbers are written as nlohmann writes
// them (integers stay integers).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ksmsim {

using ojson = nlohmann::ordered_json;

std::string json_inline(const ojson &v);
std::string json_document(const ojson &v, const std::vector<std::string> &spread = {});
// A string value as JSON text (quoted, escaped, invalid UTF-8 replaced).
std::string json_quoted(const std::string &s);
// s with every byte that is not part of valid UTF-8 replaced by U+FFFD
// (for other text formats that must be UTF-8: JUnit XML).
std::string valid_utf8(const std::string &s);

} // namespace ksmsim
