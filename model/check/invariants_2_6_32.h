// SPDX-License-Identifier: GPL-2.0-only
//
// The invariant checks of the 2.6.32 seed's port: its stable tree of
// rmap_items and their lists agree with the counters and the flags.
#pragma once

#include <string>
#include <vector>

namespace ksmsim::v2_6_32 {
class Ksm;
}

namespace ksmsim {
void check_ksm_2_6_32(v2_6_32::Ksm &ksm, std::vector<std::string> &out);
}
