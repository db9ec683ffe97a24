// SPDX-License-Identifier: GPL-2.0-only
#include "sim/run/expect.h"

#include <fmt/format.h>

#include "model/check/invariants.h"

namespace ksmsim {

MmKsmStat mm_ksm_stat(Kernel &k, mm_struct *mm) {
  MmKsmStat st;
  for (const KsmProfile::SlotFigures &f : k.ksm.slot_figures()) {
    if (f.mm != mm)
      continue;
    st.ksm_rmap_items += f.rmap_items;
    st.merged += f.merged;
  }
  return st;
}

const std::vector<std::string> &mm_figure_order() {
  static const std::vector<std::string> order = {
      "ksm_rmap_items",     "merged",        "ksm_merging_pages", "ksm_zero_pages",
      "ksm_process_profit", "ksm_merge_any", "ksm_mergeable"};
  return order;
}

namespace {
// The files that print a long (%ld): general_profit, ksm_zero_pages (6.x).
bool is_signed_counter(const std::string &name) {
  return name == "general_profit" || name == "ksm_zero_pages";
}

template <class T>
void compare(std::vector<std::string> &out, const std::string &what,
             const std::optional<T> &expected, const T &found) {
  if (expected && *expected != found)
    out.push_back(fmt::format("{}: expected {}, found {}", what, *expected, found));
}

void check_page(std::vector<std::string> &out, const scenario::PageExpect &pe, Kernel &k,
                const ExpectContext &ctx, mm_struct *mm) {
  std::uint64_t addr = ctx.addr_of(pe);
  std::string where = fmt::format("page {}/{}/{}", pe.mm, pe.vma, pe.page);
  pte_t *ptep = k.pte_offset(mm, addr, false);
  pte_t pte = ptep ? *ptep : pte_t{};
  bool present = pte_present(pte) && !pte_special(pte);
  compare(out, where + " present", pe.present, present);
  compare(out, where + " swapped", pe.swapped, is_swap_pte(pte) && !is_migration_entry(pte));
  if (!pe.ksm && !pe.shared_with && !pe.node)
    return;
  if (!present) {
    out.push_back(fmt::format("{}: expected a mapped page, found {}", where,
                              pte_none(pte)      ? "none"
                              : pte_special(pte) ? "the zero page"
                                                 : "a swap entry"));
    return;
  }
  page *p = k.pfn_to_page(pte_pfn(pte));
  compare(out, where + " ksm", pe.ksm, Kernel::PageKsm(p));
  compare(out, where + " shared_with", pe.shared_with, std::uint64_t(Kernel::page_mapcount(p)));
  compare(out, where + " node", pe.node, k.page_to_nid(p));
}

// `oops:`, `warning:`, `detected:`: "none" means no record of that kind so
// far; a name means one of them is named so (for oops: the first oops,
// since an oops stops the machine).
void check_records(std::vector<std::string> &out, const char *key,
                   const std::optional<std::string> &expected,
                   const std::vector<OopsRecord> &records, bool (*kind)(const OopsRecord &),
                   bool (*named)(const OopsRecord &, const std::string &)) {
  if (!expected)
    return;
  const OopsRecord *first = nullptr, *match = nullptr;
  for (const OopsRecord &r : records) {
    if (!kind(r))
      continue;
    if (!first)
      first = &r;
    if (!match && named(r, *expected))
      match = &r;
  }
  if (*expected == "none") {
    if (first)
      out.push_back(fmt::format("{}: expected none, found {}", key, oops_headline(*first)));
  } else if (!first) {
    out.push_back(fmt::format("{}: expected {}, found none", key, *expected));
  } else if (!match || (kind == is_oops && match != first)) {
    out.push_back(fmt::format("{}: expected {}, found {}", key, *expected, oops_headline(*first)));
  }
}
} // namespace

bool names_function(const OopsRecord &r, const std::string &name) {
  return r.function == name;
}
bool names_detector(const OopsRecord &r, const std::string &name) {
  return r.name == name || r.function == name;
}

std::vector<std::string> evaluate_expect(const scenario::Expect &x, Kernel &k,
                                         const ExpectContext &ctx) {
  std::vector<std::string> out;
  for (const auto &[name, expected] : x.counters) {
    std::uint64_t found = 0;
    if (!k.ksm.sysfs_show(name, &found))
      out.push_back(fmt::format("{}: no such file in this kernel's /sys/kernel/mm/ksm", name));
    else if (found != expected && is_signed_counter(name))
      out.push_back(fmt::format("{}: expected {}, found {}", name, std::int64_t(expected),
                                std::int64_t(found)));
    else if (found != expected)
      out.push_back(fmt::format("{}: expected {}, found {}", name, expected, found));
  }
  for (const scenario::MmExpect &me : x.mms) {
    mm_struct *mm = ctx.mm_of(me.mm);
    // In a fixed order (v1's two first), whatever the order written. An mm
    // that is gone shows 0 (no /proc/PID any more).
    for (const std::string &name : mm_figure_order())
      for (const auto &[fig, expected] : me.figures) {
        if (fig != name)
          continue;
        std::int64_t found = 0;
        if (mm && !k.ksm.mm_stat(mm, name, &found))
          out.push_back(fmt::format("mm {} {}: no such figure in this kernel", me.mm, name));
        else if (found != expected)
          out.push_back(
              fmt::format("mm {} {}: expected {}, found {}", me.mm, name, expected, found));
      }
  }
  for (const scenario::PageExpect &pe : x.pages)
    check_page(out, pe, k, ctx, ctx.mm_of(pe.mm));
  check_records(out, "oops", x.oops, *ctx.oopses, is_oops, names_function);
  check_records(out, "warning", x.warning, *ctx.oopses, is_warning, names_function);
  check_records(out, "detected", x.detected, *ctx.oopses, is_detector, names_detector);
  if (x.invariants) {
    // Those recorded so far, or else a check of the state now.
    std::vector<std::string> v = *ctx.violations;
    if (v.empty())
      v = InvariantChecker::check(k);
    if (*x.invariants && !v.empty())
      out.push_back(
          fmt::format("invariants: expected ok, found {} violation(s): {}", v.size(), v.front()));
    if (!*x.invariants && v.empty())
      out.push_back("invariants: expected a violation, found none");
  }
  return out;
}

} // namespace ksmsim
