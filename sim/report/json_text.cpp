// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/json_text.h"

#include <algorithm>

namespace ksmsim {

namespace {

std::string scalar(const ojson &v) {
  return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

void write(std::string &out, const ojson &v, const std::string &path, int depth,
           const std::vector<std::string> &spread);

void write_inline(std::string &out, const ojson &v) {
  if (!v.is_structured()) {
    out += scalar(v);
    return;
  }
  out += v.is_object() ? '{' : '[';
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it, first = false) {
    if (!first)
      out += ", ";
    if (v.is_object())
      out += scalar(it.key()) + ": ";
    write_inline(out, it.value());
  }
  out += v.is_object() ? '}' : ']';
}

void write(std::string &out, const ojson &v, const std::string &path, int depth,
           const std::vector<std::string> &spread) {
  const bool spread_here =
      v.is_structured() && !v.empty() &&
      (depth == 0 || std::find(spread.begin(), spread.end(), path) != spread.end());
  if (!spread_here) {
    write_inline(out, v);
    return;
  }
  const std::string indent(2 * (depth + 1), ' ');
  out += v.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it, first = false) {
    if (!first)
      out += ",\n";
    out += indent;
    if (v.is_object()) {
      out += scalar(it.key()) + ": ";
      write(out, it.value(), path + "/" + it.key(), depth + 1, spread);
    } else {
      write_inline(out, it.value()); // an array's items are inline
    }
  }
  out += "\n" + std::string(2 * depth, ' ') + (v.is_object() ? "}" : "]");
}

} // namespace

std::string json_inline(const ojson &v) {
  std::string out;
  write_inline(out, v);
  return out;
}

std::string json_document(const ojson &v, const std::vector<std::string> &spread) {
  std::string out;
  write(out, v, "", 0, spread);
  return out + "\n";
}

std::string json_quoted(const std::string &s) {
  return scalar(ojson(s));
}

std::string valid_utf8(const std::string &s) {
  return ojson::parse(json_quoted(s)).get<std::string>();
}

} // namespace ksmsim
