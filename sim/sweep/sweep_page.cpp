// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/sweep_page.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/sweep/sweep_csv.h"

namespace ksmsim::sweep {

namespace {

using ojson = nlohmann::ordered_json;

// The cell as a number for the chart (two decimals as they are), or null.
ojson number(const std::string &cell) {
  if (cell.empty())
    return nullptr;
  try {
    std::size_t used = 0;
    if (cell.find('.') != std::string::npos) {
      double v = std::stod(cell, &used);
      return used == cell.size() ? ojson(v) : ojson(nullptr);
    }
    long long v = std::stoll(cell, &used);
    return used == cell.size() ? ojson(v) : ojson(nullptr);
  } catch (const std::exception &) {
    return nullptr;
  }
}

// Inside <script>: no "</" may close it early (as sim/report/html_report.cpp).
std::string script_safe_json(const ojson &data) {
  std::string blob;
  for (char c : data.dump(1, ' ', false, nlohmann::json::error_handler_t::replace))
    blob += c == '<' ? std::string("\\u003c") : std::string(1, c);
  return blob;
}

const char *const PAGE_JS = R"js(
const data = JSON.parse(document.getElementById('sweep-data').textContent);
document.getElementById('title').textContent = data.title;
const head = document.getElementById('head'), body = document.getElementById('rows');
const tr = document.createElement('tr');
for (const c of data.columns) { const th = document.createElement('th'); th.textContent = c; tr.appendChild(th); }
head.appendChild(tr);
for (const row of data.rows) {
  const r = document.createElement('tr');
  for (const c of row) { const td = document.createElement('td'); td.textContent = c; r.appendChild(td); }
  body.appendChild(r);
}
new Chart(document.getElementById('plot'), {
  type: 'scatter',
  data: { datasets: [
    { label: 'exit 0', data: data.points.filter(p => p.exit === 0), backgroundColor: '#1f5fa8' },
    { label: 'failed (exit 1)', data: data.points.filter(p => p.exit !== 0), backgroundColor: '#ffffff',
      borderColor: '#1f5fa8' } ] },
  options: {
    animation: false, maintainAspectRatio: false,
    parsing: { xAxisKey: 'cpu_percent', yAxisKey: 'saved_mib' },
    scales: { x: { title: { display: true, text: 'ksmd CPU (%)' }, beginAtZero: true },
              y: { title: { display: true, text: 'memory saved, general_profit (MiB)' }, beginAtZero: true } },
    plugins: { tooltip: { callbacks: { label: c => c.raw.label } } } } });
)js";

} // namespace

std::string sweep_page(const std::string &title, const SweepSpec &spec,
                       const std::vector<PointResult> &results, const std::string &chart_js) {
  const std::size_t cpu = figure_column("ksmd_cpu_percent"),
                    profit = figure_column("general_profit");
  ojson columns = ojson::array();
  std::string header = csv_header(spec.axes);
  header.pop_back();
  for (std::size_t from = 0;;) {
    std::size_t comma = header.find(',', from);
    columns.push_back(header.substr(from, comma == std::string::npos ? comma : comma - from));
    if (comma == std::string::npos)
      break;
    from = comma + 1;
  }
  ojson rows = ojson::array(), points = ojson::array();
  for (std::size_t i = 0; i < spec.points.size() && i < results.size(); i++) {
    const SweepPoint &p = spec.points[i];
    const PointResult &r = results[i];
    ojson row = ojson::array({std::to_string(p.index)});
    std::string label = fmt::format("point {}:", p.index);
    for (const scenario::Override &o : p.settings)
      if (o.key != "seed" || !p.seed) {
        row.push_back(o.value);
        label += " " + o.key + "=" + o.value;
      }
    row.push_back(std::to_string(r.seed));
    label += fmt::format(" seed={}", r.seed);
    for (const std::string &c : r.cells)
      row.push_back(c);
    rows.push_back(std::move(row));
    ojson x = number(r.cells.at(cpu)), y = number(r.cells.at(profit));
    if (x.is_null() || y.is_null())
      continue;
    const std::int64_t bytes = y.get<std::int64_t>();
    // MiB to one decimal, as text first: the same digits everywhere.
    const double mib = std::stod(fmt::format("{:.1f}", static_cast<double>(bytes) / 1048576.0));
    points.push_back(
        {{"point", p.index},
         {"exit", r.exit_code},
         {"cpu_percent", x},
         {"saved_mib", mib},
         {"label", label + fmt::format(": {}% CPU, {:.1f} MiB saved", r.cells.at(cpu), mib)}});
  }
  const ojson data = {{"title", title}, {"columns", columns}, {"rows", rows}, {"points", points}};
  std::string lib = chart_js;
  for (std::size_t at; (at = lib.find("</script")) != std::string::npos;)
    lib.replace(at, 2, "<\\/");
  return fmt::format(R"(<!DOCTYPE html>
<!-- SPDX-License-Identifier: GPL-2.0-only -->
<!-- Made by ksmsim sweep --plot (docs/sweep.md); Chart.js is MIT-licensed. -->
<html lang="en">
<head>
<meta charset="utf-8">
<title>ksmsim sweep</title>
<style>
body {{ font-family: sans-serif; margin: 1em 2em; color: #222; }}
h1 {{ font-size: 1.4em; }}
#chart {{ position: relative; height: 420px; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; font-size: 0.85em; }}
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="chart"><canvas id="plot"></canvas></div>
<h2>Points</h2>
<table><thead id="head"></thead><tbody id="rows"></tbody></table>
<script type="application/json" id="sweep-data">{}</script>
<script>{}</script>
<script>{}</script>
</body>
</html>
)",
                     script_safe_json(data), lib, PAGE_JS);
}

} // namespace ksmsim::sweep
