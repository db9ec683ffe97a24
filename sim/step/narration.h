// SPDX-License-Identifier: GPL-2.0-only
//
// The narration of ksmd's work in the reader's words, from the port's own
// branches (model/lib/narrate.h): one line per page cmp_and_merge_page
// looked at ("B:heap[3]: checksum unchanged, unstable tree hit A:heap[3],
// merged into new KSM page stable#2 (pfn 41, node 0)"), and one line for
// each event outside a page's scan (a COW break of a KSM page in
// do_wp_page, an rmap_item removed by unmerge or exit, a stale node).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/lib/narrate.h"
#include "sim/step/page_names.h"

namespace ksmsim {

class Narration : public Narrator {
public:
  using Sink = std::function<void(const std::string &line)>;
  Narration(Kernel &k, const PageNames &names, Sink sink)
      : k_(k), names_(names), sink_(std::move(sink)) {}
  void note(const Explained &e) override;

private:
  std::string phrase(const Explained &e); // "" when the event says nothing new
  std::string subject(const Explained &e) const;

  Kernel &k_;
  const PageNames &names_;
  Sink sink_;
  const rmap_item *current_ = nullptr; // the page cmp_and_merge_page is looking at
  std::string current_name_;
  int current_depth_ = 0; // Kernel::nested_depth when the page's scan began
  std::vector<std::string> phrases_;
  const stable_node *last_hit_ = nullptr; // the stable node this page's search found
};

} // namespace ksmsim
