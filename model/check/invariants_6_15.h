// SPDX-License-Identifier: GPL-2.0-only
//
// The v6.15 port's own checks (model/ksm/v6.15): its trees with chains and
// dups, its counters, and a KSM page's link to its stable_node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ksmsim {

struct page;
namespace v6_15 {
class Ksm;
}

void check_ksm_6_15(v6_15::Ksm &ksm, std::vector<std::string> &out);
// A KSM page's stable_node is alive, a dup or a tree node (never a chain),
// and its kpfn is the page's.
void check_ksm_page_6_15(const v6_15::Ksm &ksm, page *p, std::uint64_t pfn,
                         std::vector<std::string> &out);

} // namespace ksmsim
