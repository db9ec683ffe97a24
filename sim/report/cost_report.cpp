// SPDX-License-Identifier: GPL-2.0-only
#include "sim/report/cost_report.h"

#include <fmt/format.h>

namespace ksmsim {

namespace {

constexpr unsigned kShares[] = {50, 90, 100};

std::string ms_text(std::uint64_t us) {
  return fmt::format("{}.{:03} ms", us / 1000, us % 1000);
}

std::string ps_ms_text(std::uint64_t ps) {
  std::uint64_t us = ps / 1'000'000;
  return fmt::format("{}.{:03} ms", us / 1000, us % 1000);
}

std::uint64_t elapsed_us(const KsmdBusy &b) {
  return b.any ? b.last_end_us - b.first_batch_us : 0;
}

// pages scanned per second of elapsed time (rounded down).
std::uint64_t pages_per_s(std::uint64_t pages, std::uint64_t us) {
  return us ? static_cast<std::uint64_t>((unsigned __int128)pages * 1'000'000 / us) : 0;
}

ojson ops_json(const KsmOps &o) {
  ojson j = ojson::object();
  for (const KsmOpField &f : KSM_OP_FIELDS)
    j[f.name] = o.*f.field;
  return j;
}

KsmOps total_ops(const KsmdBusy &b, const KsmOps &tail) {
  KsmOps t = tail;
  for (const FullScanCost &s : b.full_scans)
    for (const KsmOpField &f : KSM_OP_FIELDS)
      t.*f.field += s.ops.*f.field;
  return t;
}

} // namespace

std::int64_t general_profit(std::uint64_t pages_sharing, std::uint64_t rmap_items) {
  return static_cast<std::int64_t>(pages_sharing) * 4096 -
         static_cast<std::int64_t>(rmap_items) * RMAP_ITEM_BYTES;
}

std::uint64_t cpu_percent_x100(std::uint64_t busy_ps, std::uint64_t elapsed_us) {
  if (elapsed_us == 0)
    return 0;
  return static_cast<std::uint64_t>((unsigned __int128)busy_ps * 10000 /
                                    ((unsigned __int128)elapsed_us * 1'000'000));
}

std::string percent_text(std::uint64_t x100) {
  return fmt::format("{}.{:02}", x100 / 100, x100 % 100);
}

std::string cost_summary(const CostModel &m, const KsmdBusy &b, const CostFinal &f) {
  std::string out = fmt::format("cost model: {} ({}; {}; {})\n", m.name, m.source, m.kernel, m.cpu);
  std::uint64_t el = elapsed_us(b);
  KsmOps ops = total_ops(b, b.tail_ops());
  out +=
      fmt::format("ksmd: {} CPU in {} batches over {} ({}% CPU), {} pages scanned/s",
                  ps_ms_text(b.cpu_ps), b.batches, ms_text(el),
                  percent_text(cpu_percent_x100(b.cpu_ps, el)), pages_per_s(ops.pages_scanned, el));
  if (!b.full_scans.empty()) {
    std::uint64_t scan_ps = 0;
    for (const FullScanCost &s : b.full_scans)
      scan_ps += s.cpu_ps;
    out += fmt::format(", {} CPU per full scan", ps_ms_text(scan_ps / b.full_scans.size()));
  }
  out += "\n";
  std::vector<std::string> reach;
  for (unsigned share : kShares) {
    std::uint64_t t = 0;
    reach.push_back(b.time_to_reach(f.pages_sharing, share, &t)
                        ? fmt::format("{}% at {}", share, ms_text(t))
                        : fmt::format("{}% never", share));
  }
  out += fmt::format("pages_sharing {}: {}\n", f.pages_sharing, fmt::join(reach, ", "));
  out += fmt::format("memory saved (general_profit: pages_sharing x 4096 - rmap_items x 64): {} "
                     "bytes\n",
                     general_profit(f.pages_sharing, f.rmap_items));
  return out;
}

ojson cost_json(const CostModel &m, const KsmdBusy &b, const CostFinal &f) {
  std::uint64_t el = elapsed_us(b);
  KsmOps ops = total_ops(b, b.tail_ops());
  ojson reach = ojson::object();
  for (unsigned share : kShares) {
    std::uint64_t t = 0;
    reach[std::to_string(share)] =
        b.time_to_reach(f.pages_sharing, share, &t) ? ojson(t) : ojson(nullptr);
  }
  ojson scans = ojson::array();
  for (const FullScanCost &s : b.full_scans)
    scans.push_back({{"end_us", s.end_us},
                     {"cpu_ns", s.cpu_ps / 1000},
                     {"batches", s.batches},
                     {"ops", ops_json(s.ops)}});
  return {{"model", m.name},
          {"source", m.source},
          {"kernel", m.kernel},
          {"cpu", m.cpu},
          {"ksmd_cpu_ns", b.cpu_ps / 1000},
          {"batches", b.batches},
          {"first_batch_us", b.first_batch_us},
          {"last_batch_end_us", b.last_end_us},
          {"cpu_percent", static_cast<double>(cpu_percent_x100(b.cpu_ps, el)) / 100},
          {"pages_scanned_per_s", pages_per_s(ops.pages_scanned, el)},
          {"time_to_pages_sharing_us", std::move(reach)},
          {"general_profit_bytes", general_profit(f.pages_sharing, f.rmap_items)},
          {"ops", ops_json(ops)},
          {"full_scans", std::move(scans)}};
}

} // namespace ksmsim
