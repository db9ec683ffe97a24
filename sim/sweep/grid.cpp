// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/grid.h"

#include <stdexcept>

namespace ksmsim::sweep {

std::optional<GridAxis> parse_grid_axis(const std::string &arg, std::string *error) {
  std::optional<scenario::Override> o = scenario::split_override(arg);
  if (!o) {
    *error = "--grid takes KEY=VALUE,VALUE,..., not '" + arg + "'";
    return std::nullopt;
  }
  GridAxis axis{o->key, {}};
  if (o->value.empty()) {
    *error = "--grid " + arg + ": " + o->key + ": expected a list of values, got none";
    return std::nullopt;
  }
  std::size_t from = 0;
  for (;;) {
    std::size_t comma = o->value.find(',', from);
    std::string v = o->value.substr(from, comma == std::string::npos ? comma : comma - from);
    if (v.empty()) {
      *error = "--grid " + arg + ": " + o->key + ": an empty value in the list";
      return std::nullopt;
    }
    axis.values.push_back(v);
    if (comma == std::string::npos)
      break;
    from = comma + 1;
  }
  return axis;
}

std::vector<SweepPoint> grid_points(const std::vector<GridAxis> &axes,
                                    const std::vector<std::uint64_t> &seeds,
                                    std::size_t max_points) {
  std::size_t total = seeds.empty() ? 1 : seeds.size();
  for (const GridAxis &a : axes) {
    if (a.values.empty())
      return {};
    if (total > max_points / a.values.size())
      throw std::length_error("more than " + std::to_string(max_points) + " points");
    total *= a.values.size();
  }
  if (total > max_points)
    throw std::length_error("more than " + std::to_string(max_points) + " points");
  std::vector<SweepPoint> points;
  points.reserve(total);
  // The index's digits in the mixed radix of (axes..., seeds): the last
  // digit (the seed, else the last axis) varies fastest.
  for (std::size_t i = 0; i < total; i++) {
    SweepPoint p;
    p.index = i;
    std::size_t rest = i;
    if (!seeds.empty()) {
      p.seed = seeds[rest % seeds.size()];
      rest /= seeds.size();
    }
    p.settings.resize(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      const GridAxis &axis = axes[a];
      p.settings[a] = {axis.key, axis.values[rest % axis.values.size()]};
      rest /= axis.values.size();
    }
    if (p.seed)
      p.settings.push_back({"seed", std::to_string(*p.seed)});
    points.push_back(std::move(p));
  }
  return points;
}

std::vector<scenario::Override> point_overrides(const std::vector<scenario::Override> &sets,
                                                const SweepPoint &p) {
  std::vector<scenario::Override> out = sets;
  out.insert(out.end(), p.settings.begin(), p.settings.end());
  return out;
}

} // namespace ksmsim::sweep
