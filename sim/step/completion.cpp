// SPDX-License-Identifier: GPL-2.0-only
#include "sim/step/completion.h"

#include <algorithm>
#include <sstream>

namespace ksmsim {

const std::vector<std::string> &step_commands() {
  static const std::vector<std::string> commands = {"break", "continue", "delete", "help", "next",
                                                    "quit",  "scan",     "show",   "svg",  "until"};
  return commands;
}

namespace {
std::vector<std::string> words_of(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> words;
  for (std::string w; in >> w;)
    words.push_back(w);
  return words;
}

// What may come as the next word after `words`.
std::vector<std::string> choices(const std::vector<std::string> &w, const CompletionNames &n) {
  if (w.empty())
    return step_commands();
  if (w[0] == "show") {
    if (w.size() == 1)
      return {"counters", "page", "rmap", "slots", "stable", "unstable"};
    if (w.size() == 2 && (w[1] == "rmap" || w[1] == "page"))
      return n.mms;
    if (w.size() == 3 && w[1] == "page" && n.vmas.count(w[2]))
      return n.vmas.at(w[2]);
    return {};
  }
  if ((w[0] == "break" || w[0] == "delete") && w.size() == 1)
    return n.points;
  if (w[0] == "until" && w.size() == 1)
    return {"full_scans"};
  return {};
}
} // namespace

std::vector<std::string> complete_word(std::string_view before, std::string_view prefix,
                                       const CompletionNames &names) {
  std::vector<std::string> out;
  for (const std::string &c : choices(words_of(before), names))
    if (std::string_view(c).starts_with(prefix))
      out.push_back(c);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace ksmsim
