// SPDX-License-Identifier: GPL-2.0-only
#include "sim/scenario/yaml_guard.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace ksmsim::scenario {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Only where each document starts.
class DocumentStarts : public YAML::EventHandler {
public:
  YAML::Mark last;
  void OnDocumentStart(const YAML::Mark &mark) override { last = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t,
                const std::string &) override {}
  void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

} // namespace

std::optional<GuardFinding> yaml_guard(std::string_view text) {
  bool at_start = true; // no content yet in this document
  int line = 1;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    std::size_t i = 0;
    if (l.substr(0, 3) == "---" && (l.size() == 3 || blank(l[3]))) {
      at_start = true;
      i = 3;
    } else if (l.substr(0, 3) == "..." && (l.size() == 3 || blank(l[3]))) {
      at_start = true;
      i = l.size();
    } else if (at_start && !l.empty() && l[0] == '%') {
      i = l.size(); // a directive
    }
    while (at_start && i < l.size()) {
      while (i < l.size() && blank(l[i]))
        i++;
      if (i >= l.size() || l[i] == '#')
        break;
      if (l[i] == '&' || l[i] == '!') { // node properties: the node comes after
        while (i < l.size() && !blank(l[i]) && l[i] != ',')
          i++;
        continue;
      }
      if (l[i] == ',')
        return GuardFinding{line, static_cast<int>(i) + 1,
                            "bad YAML: a document cannot start with ','"};
      at_start = false;
    }
    pos = end + 1;
    line++;
  }
  return std::nullopt;
}

std::optional<GuardFinding> second_document(const std::string &text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  if (!parser.HandleNextDocument(starts) || !parser.HandleNextDocument(starts))
    return std::nullopt;
  return GuardFinding{starts.last.line + 1, starts.last.column + 1,
                      "a second YAML document: a scenario file holds one"};
}

} // namespace ksmsim::scenario
