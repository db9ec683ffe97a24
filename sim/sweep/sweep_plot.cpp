// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/sweep_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "sim/report/xml_text.h"

namespace ksmsim::sweep {

namespace {

constexpr int kWidth = 720, kHeight = 440;
constexpr int kLeft = 90, kRight = 30, kTop = 50, kBottom = 60;

// "12.34" as 1234; nullopt for anything else (an empty cell).
std::optional<std::int64_t> hundredths(const std::string &cell) {
  std::size_t dot = cell.find('.');
  if (cell.empty() || dot == std::string::npos || cell.size() != dot + 3)
    return std::nullopt;
  try {
    return std::stoll(cell.substr(0, dot)) * 100 + std::stoll(cell.substr(dot + 1));
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

std::optional<std::int64_t> integer(const std::string &cell) {
  if (cell.empty())
    return std::nullopt;
  try {
    std::size_t used = 0;
    long long v = std::stoll(cell, &used);
    return used == cell.size() ? std::optional<std::int64_t>(v) : std::nullopt;
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

// The smallest 1, 2 or 5 x 10^k step with `ticks` steps covering max (> 0).
std::int64_t nice_step(std::int64_t max, int ticks) {
  for (std::int64_t scale = 1;; scale *= 10)
    for (std::int64_t m : {1, 2, 5})
      if (m * scale * ticks >= max)
        return m * scale;
}

struct Mark {
  std::size_t point;
  std::int64_t x, y; // hundredths of a percent; bytes
  bool failed;
  std::string label;
};

std::string settings_text(const SweepPoint &p, const PointResult &r) {
  std::string text = fmt::format("point {}:", p.index);
  for (const scenario::Override &o : p.settings)
    if (o.key != "seed")
      text += " " + o.key + "=" + o.value;
  return text + fmt::format(" seed={}", r.seed);
}

std::string mib(std::int64_t bytes) {
  return fmt::format("{:.1f}", static_cast<double>(bytes) / 1048576.0);
}

} // namespace

std::string sweep_svg(const std::string &title, const SweepSpec &spec,
                      const std::vector<PointResult> &results) {
  const std::size_t cpu = figure_column("ksmd_cpu_percent"),
                    profit = figure_column("general_profit");
  std::vector<Mark> marks;
  std::string missing;
  for (std::size_t i = 0; i < spec.points.size() && i < results.size(); i++) {
    const PointResult &r = results[i];
    std::optional<std::int64_t> x = hundredths(r.cells.at(cpu)), y = integer(r.cells.at(profit));
    std::string label = settings_text(spec.points[i], r);
    if (!x || !y) {
      missing += (missing.empty() ? "" : "; ") + label + fmt::format(" (exit {})", r.exit_code);
      continue;
    }
    marks.push_back({i, *x, *y, r.exit_code != 0, label});
  }
  std::int64_t max_x = 1, max_y = 1, min_y = 0;
  for (const Mark &m : marks) {
    max_x = std::max(max_x, m.x);
    max_y = std::max(max_y, m.y);
    min_y = std::min(min_y, m.y);
  }
  const int ticks = 5;
  const std::int64_t step_x = nice_step(max_x, ticks);
  // The memory axis on 1-2-5 steps of MiB (of bytes below 1 MiB).
  const std::int64_t span_y = std::max<std::int64_t>(max_y - min_y, 1);
  const std::int64_t step_y = span_y >= (std::int64_t{1} << 20)
                                  ? nice_step((span_y + (1 << 20) - 1) >> 20, ticks) << 20
                                  : nice_step(span_y, ticks);
  const std::int64_t x0 = 0, x1 = step_x * ticks;
  const std::int64_t y0 = min_y < 0 ? -((-min_y + step_y - 1) / step_y) * step_y : 0;
  std::int64_t y1 = y0;
  while (y1 < max_y)
    y1 += step_y;
  if (y1 == y0)
    y1 = y0 + step_y;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](std::int64_t x) {
    return kLeft + plot_w * static_cast<double>(x - x0) / static_cast<double>(x1 - x0);
  };
  auto py = [&](std::int64_t y) {
    return kTop + plot_h - plot_h * static_cast<double>(y - y0) / static_cast<double>(y1 - y0);
  };
  std::string out =
      fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
                  "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n",
                  kWidth, kHeight);
  out += fmt::format("<title>{}</title>\n", xml_text(title));
  out += fmt::format("<desc>ksmsim sweep: memory saved (general_profit) against ksmd CPU%, {} "
                     "points{}</desc>\n",
                     spec.points.size(),
                     missing.empty() ? "" : xml_text("; without figures: " + missing));
  out += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"white\"/>\n", kWidth,
                     kHeight);
  out += fmt::format("<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n",
                     kWidth / 2, xml_text(title));
  // The axes, their ticks and grid lines.
  for (int t = 0; t <= ticks; t++) {
    std::int64_t xv = x0 + step_x * t;
    double x = px(xv);
    out += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" "
                       "stroke=\"#ddd\"/>\n",
                       x, kTop, kHeight - kBottom);
    out += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{}.{:02}</text>\n", x,
                       kHeight - kBottom + 18, xv / 100, xv % 100);
  }
  for (std::int64_t yv = y0; yv <= y1; yv += step_y) {
    double y = py(yv);
    out += fmt::format("<line x1=\"{1}\" y1=\"{0:.2f}\" x2=\"{2}\" y2=\"{0:.2f}\" "
                       "stroke=\"#ddd\"/>\n",
                       y, kLeft, kWidth - kRight);
    out += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6,
                       y + 4, mib(yv));
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.0f}\" height=\"{:.0f}\" fill=\"none\" "
                     "stroke=\"black\"/>\n",
                     kLeft, kTop, plot_w, plot_h);
  out += fmt::format("<text x=\"{:.0f}\" y=\"{}\" text-anchor=\"middle\">ksmd CPU (%)</text>\n",
                     kLeft + plot_w / 2, kHeight - 16);
  out += fmt::format("<text x=\"18\" y=\"{0:.0f}\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 18 {0:.0f})\">memory saved, general_profit "
                     "(MiB)</text>\n",
                     kTop + plot_h / 2);
  for (const Mark &m : marks) {
    out += fmt::format("<circle class=\"point\" data-point=\"{}\" cx=\"{:.2f}\" cy=\"{:.2f}\" "
                       "r=\"5\" fill=\"{}\" stroke=\"#1f5fa8\" stroke-width=\"1.5\">"
                       "<title>{}</title></circle>\n",
                       m.point, px(m.x), py(m.y), m.failed ? "none" : "#1f5fa8",
                       xml_text(fmt::format("{}: {}.{:02}% CPU, {} MiB saved{}", m.label, m.x / 100,
                                            m.x % 100, mib(m.y), m.failed ? " (failed)" : "")));
    out += fmt::format("<text x=\"{:.2f}\" y=\"{:.2f}\" font-size=\"10\" "
                       "fill=\"#555\">{}</text>\n",
                       px(m.x) + 7, py(m.y) - 5, m.point);
  }
  return out + "</svg>\n";
}

} // namespace ksmsim::sweep
