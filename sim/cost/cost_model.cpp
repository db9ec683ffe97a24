// SPDX-License-Identifier: GPL-2.0-only
#include "sim/cost/cost_model.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "sim/io/input_file.h"

namespace ksmsim {

using scenario::Location;
using scenario::ScenarioError;

namespace {

constexpr const char *kHeader[] = {"cost_model", "name", "kernel", "cpu", "date", "measured", "ns"};

struct Where {
  const std::string &file;
  Location at(const YAML::Node &n) const {
    YAML::Mark m = n.Mark();
    return Location{file, m.line + 1, m.column + 1};
  }
  [[noreturn]] void fail(const YAML::Node &n, const std::string &msg) const {
    throw ScenarioError(at(n), msg);
  }
};

bool is_name(const std::string &s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

std::string scalar(const Where &w, const YAML::Node &n, const std::string &what) {
  if (!n.IsScalar())
    w.fail(n, what + ": expected a scalar");
  return n.Scalar();
}

// "12", "12.5", "0.125": ns with at most three decimals, as picoseconds.
std::uint64_t read_ns(const Where &w, const YAML::Node &n, const std::string &what) {
  std::string s = scalar(w, n, what);
  std::uint64_t whole = 0, frac = 0;
  std::size_t i = 0, digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
    whole = whole * 10 + unsigned(s[i] - '0');
    if (whole > 1'000'000'000)
      w.fail(n, fmt::format("{}: '{}' ns is more than a second per operation", what, s));
  }
  int decimals = 0;
  if (digits && i < s.size() && s[i] == '.') {
    for (i++; i < s.size() && s[i] >= '0' && s[i] <= '9' && decimals < 4; i++, decimals++)
      frac = frac * 10 + unsigned(s[i] - '0');
    if (decimals == 0 || decimals > 3)
      digits = 0;
  }
  if (!digits || i != s.size())
    w.fail(n, fmt::format("{}: expected ns as a non-negative number with at most three "
                          "decimals, like 12 or 0.125, not '{}'",
                          what, s));
  for (; decimals < 3; decimals++)
    frac *= 10;
  return whole * 1000 + frac;
}

} // namespace

CostModel parse_cost_text(const std::string &text, const std::string &file) {
  Where w{file};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception &e) {
    throw ScenarioError(Location{file, e.mark.line + 1, e.mark.column + 1}, "not YAML: " + e.msg);
  }
  if (!root.IsMap())
    throw ScenarioError(Location{file, 1, 1},
                        "a cost file is a map with keys cost_model, name, kernel, cpu, date, "
                        "measured and ns");
  CostModel m;
  for (const auto &kv : root) {
    std::string key = scalar(w, kv.first, "key");
    if (std::find(std::begin(kHeader), std::end(kHeader), key) == std::end(kHeader))
      w.fail(kv.first,
             fmt::format("unknown key '{}' (expected one of: {})", key, fmt::join(kHeader, ", ")));
  }
  for (const char *key : kHeader)
    if (!root[key])
      throw ScenarioError(Location{file, 1, 1}, fmt::format("missing key '{}'", key));
  if (scalar(w, root["cost_model"], "cost_model") != "1")
    w.fail(root["cost_model"], "cost_model: this ksmsim reads version 1");
  m.name = scalar(w, root["name"], "name");
  if (!is_name(m.name))
    w.fail(root["name"], "name: a name is made of a-z, 0-9, '.', '_' and '-'");
  m.kernel = scalar(w, root["kernel"], "kernel");
  m.cpu = scalar(w, root["cpu"], "cpu");
  m.date = scalar(w, root["date"], "date");
  m.measured = scalar(w, root["measured"], "measured");
  const YAML::Node ns = root["ns"];
  if (!ns.IsMap())
    w.fail(ns, "ns: expected a map of operation: ns");
  for (const auto &kv : ns) {
    std::string op = scalar(w, kv.first, "operation");
    std::uint64_t ps = read_ns(w, kv.second, op);
    if (op == "batch" || op == "sleep") {
      (op == "batch" ? m.batch_ps : m.sleep_ps) = ps;
      continue;
    }
    auto it = std::find_if(std::begin(KSM_OP_FIELDS), std::end(KSM_OP_FIELDS),
                           [&](const KsmOpField &f) { return op == f.name; });
    if (it == std::end(KSM_OP_FIELDS)) {
      std::vector<std::string> names;
      for (const KsmOpField &f : KSM_OP_FIELDS)
        names.push_back(f.name);
      names.push_back("batch");
      names.push_back("sleep");
      w.fail(kv.first, fmt::format("unknown operation '{}' (expected one of: {})", op,
                                   fmt::join(names, ", ")));
    }
    m.ps[it - std::begin(KSM_OP_FIELDS)] = ps;
  }
  return m;
}

CostModel load_cost_model(const std::string &name_or_file, const std::string &base_dir,
                          const Location &where) {
  if (const char *text = builtin_cost_text(name_or_file)) {
    CostModel m = parse_cost_text(text, "built-in:" + name_or_file);
    m.source = "built-in";
    return m;
  }
  std::filesystem::path p(name_or_file);
  if (p.is_relative() && !base_dir.empty())
    p = std::filesystem::path(base_dir) / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec))
    throw ScenarioError(where, fmt::format("cost: '{}' is neither a built-in cost model ({}) "
                                           "nor a cost file",
                                           name_or_file, fmt::join(builtin_cost_models(), ", ")));
  std::string why;
  std::optional<std::string> text = io::read_input(p.string(), why);
  if (!text)
    throw ScenarioError(where, fmt::format("cost: {}: {}", p.string(), why));
  CostModel m = parse_cost_text(*text, p.string());
  m.source = p.string();
  return m;
}

std::uint64_t batch_cost_ps(const CostModel &m, const KsmOps &before, const KsmOps &after) {
  std::uint64_t ps = m.batch_ps;
  for (int i = 0; i < KSM_OP_COUNT; i++)
    ps += (after.*KSM_OP_FIELDS[i].field - before.*KSM_OP_FIELDS[i].field) * m.ps[i];
  return ps;
}

} // namespace ksmsim
