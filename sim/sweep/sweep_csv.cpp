// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/sweep_csv.h"

namespace ksmsim::sweep {

std::string csv_cell(const std::string &text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos)
    return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"')
      out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string line(const std::vector<std::string> &cells) {
  std::string out;
  for (std::size_t i = 0; i < cells.size(); i++)
    out += (i ? "," : "") + csv_cell(cells[i]);
  return out + "\n";
}

} // namespace

std::string csv_header(const std::vector<GridAxis> &axes) {
  std::vector<std::string> cells = {"point"};
  for (const GridAxis &a : axes)
    cells.push_back(a.key);
  cells.push_back("seed");
  cells.insert(cells.end(), FIGURE_COLUMNS.begin(), FIGURE_COLUMNS.end());
  return line(cells);
}

std::string csv_row(const SweepPoint &p, const PointResult &r) {
  std::vector<std::string> cells = {std::to_string(p.index)};
  for (const scenario::Override &o : p.settings)
    if (!(p.seed && &o == &p.settings.back()))
      cells.push_back(o.value);
  cells.push_back(std::to_string(r.seed));
  cells.insert(cells.end(), r.cells.begin(), r.cells.end());
  return line(cells);
}

std::string sweep_csv(const SweepSpec &spec, const std::vector<PointResult> &results) {
  std::string out = csv_header(spec.axes);
  for (std::size_t i = 0; i < spec.points.size() && i < results.size(); i++)
    out += csv_row(spec.points[i], results[i]);
  return out;
}

} // namespace ksmsim::sweep
