// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/dump.h"

#include "sim/inspect/dump_dot.h"
#include "sim/inspect/dump_json.h"
#include "sim/inspect/dump_text.h"
#include "sim/inspect/svg.h"

namespace ksmsim {

std::optional<DumpFormat> parse_dump_format(const std::string &name) {
  for (DumpFormat f : {DumpFormat::text, DumpFormat::json, DumpFormat::dot, DumpFormat::svg})
    if (name == dump_format_name(f))
      return f;
  return std::nullopt;
}

const char *dump_format_name(DumpFormat f) {
  switch (f) {
  case DumpFormat::text:
    return "text";
  case DumpFormat::json:
    return "json";
  case DumpFormat::dot:
    return "dot";
  case DumpFormat::svg:
    break;
  }
  return "svg";
}

const char *dump_extension(DumpFormat f) {
  return f == DumpFormat::text ? "txt" : dump_format_name(f);
}

std::optional<std::string> render_dump(const KsmSnapshot &s, DumpFormat f, std::string *error) {
  switch (f) {
  case DumpFormat::text:
    return dump_text(s);
  case DumpFormat::json:
    return dump_json(s);
  case DumpFormat::dot:
    return dump_dot(s);
  case DumpFormat::svg:
    break;
  }
  return dot_to_svg(dump_dot(s), error);
}

std::optional<std::string> dump_state(const Kernel &k, const ScenarioNames &names, DumpFormat f,
                                      std::string *error) {
  return render_dump(take_snapshot(k, names), f, error);
}

} // namespace ksmsim
