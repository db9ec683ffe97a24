// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep`'s points (docs/sweep.md): each --grid KEY=V1,V2,... is an
// axis of `--set` values (the same keys, the same parser:
// scenario::split_override and the scenario parser's override checks);
// the points are their product in grid order (the first axis varies
// slowest), each point once per seed of --seeds (the seed fastest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ksmsim/scenario.h"

namespace ksmsim::sweep {

struct GridAxis {
  std::string key;                 // a --set KEY: ksm.pages_to_scan, params.guests, ...
  std::vector<std::string> values; // in the order given
};

// "KEY=V1,V2,...": the axis, or nullopt with *error set (no '=', an empty
// key, an empty list or an empty value). The key itself is checked when a
// point is parsed (sim/scenario/overrides.cpp).
std::optional<GridAxis> parse_grid_axis(const std::string &arg, std::string *error);

struct SweepPoint {
  std::size_t index = 0; // 0-based, in grid order: the CSV's row
  // One --set per axis, in the axes' order; then `seed` when --seeds was given.
  std::vector<scenario::Override> settings;
  std::optional<std::uint64_t> seed; // with --seeds
};

// Every point: the product of the axes (first slowest), each with every
// seed (seeds empty: none set). No axes and no seeds: one point, the file
// as it is. Throws std::length_error past max_points.
std::vector<SweepPoint> grid_points(const std::vector<GridAxis> &axes,
                                    const std::vector<std::uint64_t> &seeds,
                                    std::size_t max_points);

// The overrides a point's scenario is parsed with: the command's --set
// values first, then the point's (so that a grid value wins over a --set
// of the same key).
std::vector<scenario::Override> point_overrides(const std::vector<scenario::Override> &sets,
                                                const SweepPoint &p);

} // namespace ksmsim::sweep
