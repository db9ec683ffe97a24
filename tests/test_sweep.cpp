// SPDX-License-Identifier: GPL-2.0-only
//
// `ksmsim sweep`'s pieces (sim/sweep/): the grid's points in grid order
// (first axis slowest, seeds fastest), --grid's list refused when empty,
// the CSV's cells as RFC 4180 quotes them, and the plots (SVG, and the
// Chart.js page): the same bytes twice and one mark per point that has
// figures.

#include "tests/catch.h"

#include <regex>
#include <string>
#include <vector>

#include "sim/sweep/grid.h"
#include "sim/sweep/sweep_csv.h"
#include "sim/sweep/sweep_page.h"
#include "sim/sweep/sweep_plot.h"

using namespace ksmsim;
using namespace ksmsim::sweep;

namespace {

std::size_t count_of(const std::string &text, const std::string &what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    n++;
  return n;
}

PointResult result_with(int code, const std::string &cpu, const std::string &profit) {
  PointResult r;
  r.exit_code = code;
  r.cells.assign(FIGURE_COLUMNS.size(), "");
  r.cells[figure_column("exit")] = std::to_string(code);
  r.cells[figure_column("ksmd_cpu_percent")] = cpu;
  r.cells[figure_column("general_profit")] = profit;
  return r;
}

} // namespace

TEST_CASE("sweep grid: --grid KEY=V1,V2 is an axis, an empty list or value is refused", "[sweep]") {
  std::string err;
  std::optional<GridAxis> a = parse_grid_axis("ksm.pages_to_scan=100,1000,10000", &err);
  REQUIRE(a);
  CHECK(a->key == "ksm.pages_to_scan");
  CHECK(a->values == std::vector<std::string>{"100", "1000", "10000"});
  CHECK(parse_grid_axis("ksm.sleep_millisecs=20", &err)->values == std::vector<std::string>{"20"});
  for (const char *bad : {"ksm.pages_to_scan", "=1,2", "ksm.pages_to_scan=", "ksm.run=1,,0",
                          "ksm.run=1,", "ksm.run=,1"}) {
    INFO(bad);
    err.clear();
    CHECK_FALSE(parse_grid_axis(bad, &err));
    CHECK_FALSE(err.empty());
  }
  parse_grid_axis("ksm.pages_to_scan=", &err);
  CHECK(err.find("ksm.pages_to_scan") != std::string::npos);
}

TEST_CASE("sweep grid: the points in grid order, the first axis slowest, the seed fastest",
          "[sweep]") {
  const std::vector<GridAxis> axes = {{"ksm.pages_to_scan", {"100", "1000", "10000"}},
                                      {"ksm.sleep_millisecs", {"20", "200"}}};
  std::vector<SweepPoint> points = grid_points(axes, {}, 1000);
  REQUIRE(points.size() == 6);
  const char *want[6][2] = {{"100", "20"},   {"100", "200"},  {"1000", "20"},
                            {"1000", "200"}, {"10000", "20"}, {"10000", "200"}};
  for (std::size_t i = 0; i < 6; i++) {
    INFO(i);
    CHECK(points[i].index == i);
    REQUIRE(points[i].settings.size() == 2);
    CHECK(points[i].settings[0].key == "ksm.pages_to_scan");
    CHECK(points[i].settings[0].value == want[i][0]);
    CHECK(points[i].settings[1].key == "ksm.sleep_millisecs");
    CHECK(points[i].settings[1].value == want[i][1]);
    CHECK_FALSE(points[i].seed);
  }
  points = grid_points(axes, {7, 8}, 1000);
  REQUIRE(points.size() == 12);
  CHECK(points[0].seed == 7u);
  CHECK(points[1].seed == 8u);
  CHECK(points[1].settings[0].value == "100");
  CHECK(points[2].settings[1].value == "200");
  CHECK(points[11].settings.back().key == "seed");
  CHECK(points[11].settings.back().value == "8");
  // A grid value comes after --set's, so that it wins.
  std::vector<scenario::Override> o = point_overrides({{"ksm.pages_to_scan", "5"}}, points[3]);
  REQUIRE(o.size() == 4);
  CHECK(o[0].value == "5");
  CHECK(o[1].value == "100");
  // No axes: the file as it is, once.
  CHECK(grid_points({}, {}, 10).size() == 1);
  CHECK(grid_points({}, {0, 1, 2}, 10).size() == 3);
  CHECK_THROWS_AS(grid_points(axes, {1, 2}, 11), std::length_error);
}

TEST_CASE("sweep csv: cells quoted as RFC 4180 says, a header of the axes' keys", "[sweep]") {
  CHECK(csv_cell("1000") == "1000");
  CHECK(csv_cell("") == "");
  CHECK(csv_cell("a,b") == "\"a,b\"");
  CHECK(csv_cell("say \"no\"") == "\"say \"\"no\"\"\"");
  CHECK(csv_cell("two\nlines") == "\"two\nlines\"");
  const std::string header = csv_header({{"ksm.pages_to_scan", {"1"}}, {"params.guests", {"2"}}});
  CHECK(header.rfind("point,ksm.pages_to_scan,params.guests,seed,exit,ksmd_cpu_ns,", 0) == 0);
  CHECK(header.find(",error\n") == header.size() - 7);
  SweepSpec spec;
  spec.axes = {{"ksm.run", {"1"}}};
  spec.points = grid_points(spec.axes, {3}, 10);
  PointResult r = result_with(2, "", "");
  r.seed = 3;
  r.cells[figure_column("error")] = "f.yaml:1:2: bad, very";
  const std::string csv = sweep_csv(spec, {r});
  CHECK(csv.find("\n0,1,3,2,") != std::string::npos);
  CHECK(csv.find(",\"f.yaml:1:2: bad, very\"\n") != std::string::npos);
}

TEST_CASE("sweep plot: the same bytes twice, one mark per point with figures", "[sweep]") {
  SweepSpec spec;
  spec.axes = {{"ksm.pages_to_scan", {"100", "1000", "10000"}}, {"ksm.sleep_millisecs", {"20"}}};
  spec.points = grid_points(spec.axes, {}, 10);
  const std::vector<PointResult> results = {result_with(0, "1.50", "1048576"),
                                            result_with(1, "12.25", "4194304"),
                                            result_with(2, "", "")};
  const std::string svg = sweep_svg("t <&>", spec, results);
  CHECK(svg == sweep_svg("t <&>", spec, results));
  CHECK(count_of(svg, "<circle class=\"point\"") == 2);
  CHECK(svg.find("data-point=\"0\"") != std::string::npos);
  CHECK(svg.find("data-point=\"1\"") != std::string::npos);
  CHECK(svg.find("data-point=\"2\"") == std::string::npos);
  CHECK(svg.find("point 2: ksm.pages_to_scan=10000") != std::string::npos); // in <desc>
  CHECK(svg.find("t &lt;&amp;&gt;") != std::string::npos);
  CHECK(svg.find("12.25% CPU, 4.0 MiB saved (failed)") != std::string::npos);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(svg.find("</svg>\n") == svg.size() - 7);
}

TEST_CASE("sweep plot: the HTML page, the same bytes twice, one chart point per point with "
          "figures",
          "[sweep]") {
  SweepSpec spec;
  spec.axes = {{"ksm.pages_to_scan", {"100", "1000", "10000"}}};
  spec.points = grid_points(spec.axes, {}, 10);
  const std::vector<PointResult> results = {result_with(0, "1.50", "1048576"),
                                            result_with(1, "12.25", "4194304"),
                                            result_with(2, "", "")};
  const std::string page = sweep_page("t </script>", spec, results, "/*chart.js*/");
  CHECK(page == sweep_page("t </script>", spec, results, "/*chart.js*/"));
  CHECK(count_of(page, "\"saved_mib\"") == 2);
  CHECK(page.find("\"cpu_percent\": 12.25") != std::string::npos);
  CHECK(page.find("\"saved_mib\": 4.0") != std::string::npos);
  CHECK(page.find("/*chart.js*/") != std::string::npos);
  // Every row is in the table's data, the failed one too; no "</" in the blob.
  CHECK(page.find("\"10000\"") != std::string::npos);
  CHECK(page.find("t </script>") == std::string::npos);
  CHECK(count_of(page, "</script>") == 3);
}
