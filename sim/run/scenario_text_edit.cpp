// SPDX-License-Identifier: GPL-2.0-only
#include "sim/run/scenario_text_edit.h"

#include <sstream>

namespace ksmsim {

namespace {

std::vector<std::string> split_lines(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string> &lines) {
  std::string out;
  for (const std::string &l : lines)
    out += l + "\n";
  return out;
}

// A top-level mapping key `key:` at column 1.
bool is_top_key(const std::string &line, const std::string &key) {
  return line.compare(0, key.size() + 1, key + ":") == 0;
}

// A line that belongs to the entry above it: indented, blank, a comment, or
// (for a list at column 1) an item.
bool continues_entry(const std::string &line, bool list_items_at_column_1) {
  if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#')
    return true;
  return list_items_at_column_1 && line[0] == '-' && line.rfind("---", 0) != 0;
}

std::ptrdiff_t find_top_key(const std::vector<std::string> &lines, const std::string &key) {
  for (std::size_t i = 0; i < lines.size(); i++)
    if (is_top_key(lines[i], key))
      return static_cast<std::ptrdiff_t>(i);
  return -1;
}

} // namespace

bool replace_kernel_entry(std::string &text, const std::string &kernel_line) {
  std::vector<std::string> lines = split_lines(text);
  std::ptrdiff_t steps = find_top_key(lines, "steps");
  if (steps < 0)
    return false;
  std::ptrdiff_t kernel = find_top_key(lines, "kernel");
  if (kernel < 0) {
    lines.insert(lines.begin() + steps, kernel_line);
  } else {
    std::size_t end = static_cast<std::size_t>(kernel) + 1;
    // Blank and comment lines after the entry are kept (they may be the next key's).
    std::size_t last = end;
    for (; end < lines.size() && continues_entry(lines[end], false); end++)
      if (!lines[end].empty() && lines[end][0] != '#')
        last = end + 1;
    lines.erase(lines.begin() + kernel, lines.begin() + static_cast<std::ptrdiff_t>(last));
    lines.insert(lines.begin() + kernel, kernel_line);
  }
  text = join_lines(lines);
  return true;
}

bool append_steps(std::string &text, const std::vector<std::string> &comments,
                  const std::vector<std::string> &items) {
  std::vector<std::string> lines = split_lines(text);
  std::ptrdiff_t steps = find_top_key(lines, "steps");
  if (steps < 0)
    return false;
  std::string rest = lines[steps].substr(6);
  std::size_t first = rest.find_first_not_of(" \t");
  if (first != std::string::npos && rest[first] != '#')
    return false; // a flow list (`steps: [...]`)
  std::string indent;
  bool found_item = false;
  std::size_t last = static_cast<std::size_t>(steps); // the block's last line with content
  for (std::size_t i = static_cast<std::size_t>(steps) + 1;
       i < lines.size() && continues_entry(lines[i], true); i++) {
    std::size_t col = lines[i].find_first_not_of(" \t");
    if (col == std::string::npos || lines[i][col] == '#')
      continue;
    last = i;
    if (!found_item && lines[i][col] == '-') {
      indent = lines[i].substr(0, col);
      found_item = true;
    }
  }
  if (!found_item)
    return false;
  std::vector<std::string> added;
  for (const std::string &c : comments)
    added.push_back(indent + "# " + c);
  for (const std::string &item : items)
    added.push_back(indent + "- " + item);
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(last) + 1, added.begin(), added.end());
  text = join_lines(lines);
  return true;
}

} // namespace ksmsim
