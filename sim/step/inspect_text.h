// SPDX-License-Identifier: GPL-2.0-only
//
// What `ksmsim step` shows of KSM's structures. inspect_text is the one
// place the dump module (sim/inspect/, branch inside) plugs in: `show
// stable`, `show unstable`, `show rmap MM` and `svg FILE` all come here.
#pragma once

#include <string>
#include <string_view>

namespace ksmsim {

class Kernel;
class PageNames;

// what: "stable", "unstable", "rmap MM" or "svg" (an SVG document).
// Throws std::invalid_argument naming what is wrong.
std::string inspect_text(Kernel &k, const PageNames &names, std::string_view what);

// The sysfs counters, as /sys/kernel/mm/ksm shows them.
std::string show_counters(const Kernel &k);
// The mm_slot list in scan order, with ksm_scan's cursor.
std::string show_slots(const Kernel &k, const PageNames &names);
// Whether the port narrates (model/lib/narrate.h hooks): v3.9 does, the
// v2.6.32 seed's port has no hooks.
bool port_narrates(const Kernel &k);
// The same by the profile's version ("v3.9" narrates; v2.6.32 and v6.15 do not).
bool version_narrates(std::string_view version);
// v2.6.32 and v6.15 (ports without narration): the page ksmd scanned last
// and the state its rmap_item was left in, read from the port's objects;
// "" elsewhere.
std::string seed_scanned_page(const Kernel &k, const PageNames &names);
// One named page: its pte, pfn, PageKsm, mapcount and stable node.
std::string show_page(Kernel &k, const PageNames &names, const std::string &mm,
                      const std::string &vma, std::uint32_t index);

} // namespace ksmsim
