// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/dump_text.h"

#include <fmt/format.h>

#include "sim/inspect/counters.h"

namespace ksmsim {

namespace {

class TextDump {
public:
  explicit TextDump(const KsmSnapshot &s) : s_(s) {}

  std::string run() {
    out_ += fmt::format("ksm state at step {}, {}.{:03} ms{}\n", s_.step, s_.time_us / 1000,
                        s_.time_us % 1000, seed() ? " (v2.6.32: no stable_node, no NUMA)" : "");
    out_ += fmt::format("counters: {}\n", counters_text(s_.counters));
    for (const TreeView &t : s_.stable_trees)
      tree(t);
    if (!seed()) // the seed has no migrate_nodes
      migrate();
    for (const TreeView &t : s_.unstable_trees)
      tree(t);
    slots();
    return std::move(out_);
  }

private:
  std::string rmap_name(std::uint32_t id) const { return ksmsim::rmap_name(s_, id); }
  bool seed() const { return s_.kernel == "v2.6.32"; }

  // v2.6.32: a stable tree node is an rmap_item heading its KSM page's list.
  std::string seed_node_line(const TreeNodeView &n) const {
    auto it = s_.rmaps.find(n.id);
    if (it == s_.rmaps.end())
      return fmt::format("rmap_item#{}", n.id);
    const RmapView &v = it->second;
    std::vector<std::string> items;
    for (std::uint32_t id : n.list)
      items.push_back(rmap_name(id));
    return fmt::format("node {} [{}] {} ({}) -- {} more rmap_item(s) on its list{}{}{}", v.name,
                       v.handle, v.content, v.kpage, n.list.size(), items.empty() ? "" : ": ",
                       fmt::join(items, ", "),
                       n.list_truncated ? " ... (list cut: a cycle or too long)" : "");
  }

  std::string stable_line(const StableView &v) const {
    if (v.is_chain)
      return chain_line(v);
    std::string line = fmt::format("{} [{}] {}", v.name, v.handle, v.content);
    if (v.chained_kernel)
      line += fmt::format(" rmap_hlist_len {}", v.rmap_hlist_len);
    if (!v.stale.empty())
      line += fmt::format(" STALE: {}", fmt::join(v.stale, "; "));
    std::vector<std::string> items;
    for (std::uint32_t id : v.rmap)
      items.push_back(rmap_name(id));
    line += fmt::format(" -- {} rmap_item(s){}{}", v.rmap.size(), items.empty() ? "" : ": ",
                        fmt::join(items, ", "));
    if (v.hlist_truncated)
      line += " ... (hlist cut: a cycle or too long)";
    return line;
  }

  // v6.15: a chain in the tree; its dups follow on lines of their own.
  std::string chain_line(const StableView &v) const {
    std::string line = fmt::format("chain {} [{}] rmap_hlist_len STABLE_NODE_CHAIN ({}), "
                                   "chain_prune_time {}",
                                   v.name, v.handle, v.rmap_hlist_len, v.chain_prune_time);
    if (!v.stale.empty())
      line += fmt::format(" STALE: {}", fmt::join(v.stale, "; "));
    line += fmt::format(" -- {} dup(s) on its hlist", v.dups.size());
    if (v.dups_truncated)
      line += " ... (hlist cut: a cycle or too long)";
    return line;
  }

  void dup_lines(const StableView &chain, const std::string &indent) {
    for (std::uint32_t id : chain.dups) {
      auto it = s_.stables.find(id);
      out_ += fmt::format("{}dup {}\n", indent,
                          it == s_.stables.end() ? fmt::format("stable#{}", id)
                                                 : stable_line(it->second));
    }
  }

  std::string rmap_line(const RmapView &v) const {
    std::string line = fmt::format("{} [{}] {}", v.name, v.handle, v.content);
    if (v.state == "unstable")
      line += fmt::format(" (seqnr {}, age {})", v.seqnr, v.age);
    else
      line += fmt::format(" ({})", v.state == "stable" ? "STABLE" : "no flag: not in a tree");
    return line;
  }

  void tree(const TreeView &t) {
    out_ += fmt::format("{} tree {}: {} node(s){}\n", t.stable ? "stable" : "unstable", t.name,
                        t.nodes.size(), t.truncated ? " (walk cut at its bound)" : "");
    if (!t.nodes.empty())
      node(t, 0, "");
  }

  void node(const TreeView &t, int i, const char *side) {
    const TreeNodeView &n = t.nodes[i];
    std::string indent(2 + 2 * n.depth, ' ');
    std::string what;
    if (t.of_rmap_items) {
      what = seed_node_line(n);
    } else if (t.stable) {
      auto it = s_.stables.find(n.id);
      what = it == s_.stables.end() ? fmt::format("stable#{}", n.id) : stable_line(it->second);
    } else {
      auto it = s_.rmaps.find(n.id);
      what = it == s_.rmaps.end() ? fmt::format("rmap_item#{}", n.id) : rmap_line(it->second);
    }
    std::string notes;
    if (!n.parent_ok)
      notes += " (its parent link points elsewhere)";
    if (n.repeat)
      notes += " (reached again: a cycle; not walked twice)";
    out_ += fmt::format("{}{}{} {}{}\n", indent, side, n.red ? "red" : "black", what, notes);
    if (n.repeat)
      return;
    if (t.stable && !t.of_rmap_items)
      if (auto it = s_.stables.find(n.id); it != s_.stables.end() && it->second.is_chain)
        dup_lines(it->second,
                  indent + std::string(std::char_traits<char>::length(side), ' ') + "    ");
    if (n.left >= 0)
      node(t, n.left, "L ");
    if (n.right >= 0)
      node(t, n.right, "R ");
  }

  void migrate() {
    out_ += fmt::format("migrate_nodes: {} node(s){}\n", s_.migrate_nodes.size(),
                        s_.migrate_truncated ? " (walk cut: a cycle or too long)" : "");
    for (std::uint32_t id : s_.migrate_nodes)
      out_ += fmt::format("  {}\n", stable_line(s_.stables.at(id)));
    if (s_.orphans.empty())
      return;
    out_ +=
        fmt::format("stable_nodes in no tree and not on migrate_nodes: {}\n", s_.orphans.size());
    for (std::uint32_t id : s_.orphans) {
      out_ += fmt::format("  {} (where: {})\n", stable_line(s_.stables.at(id)),
                          s_.stables.at(id).where);
      dup_lines(s_.stables.at(id), "    ");
    }
  }

  void slots() {
    const CursorView &c = s_.cursor;
    out_ += fmt::format("mm_slots (scan order): {}{}\n", s_.slots.size(),
                        s_.slots_truncated ? " (walk cut: a cycle or too long)" : "");
    std::string at = c.slot_id ? fmt::format("mm_slot {} [{}]", c.mm,
                                             handle_text(HandleKind::mm_slot, c.slot_id))
                               : std::string("ksm_mm_head (a full scan starts next)");
    out_ += fmt::format("  scan cursor: {}, address {:#x}, seqnr {}, next {}\n", at, c.address,
                        c.seqnr, c.next_rmap ? rmap_name(c.next_rmap) : "none");
    for (const SlotView &sl : s_.slots) {
      out_ += fmt::format("  mm_slot {} [{}]{}{}: {} rmap_item(s){}\n", sl.mm, sl.handle,
                          sl.freed ? " FREED" : "", sl.id == c.slot_id ? " <- cursor" : "",
                          sl.rmap.size(), sl.truncated ? " (walk cut: a cycle or too long)" : "");
      if (!sl.ksm_stat.empty()) { // v6.15: /proc/PID/ksm_stat
        std::vector<std::string> stat;
        for (const auto &[name, value] : sl.ksm_stat)
          stat.push_back(fmt::format("{} {}", name, value));
        out_ += fmt::format("    ksm_stat: {}\n", fmt::join(stat, ", "));
      }
      for (std::uint32_t id : sl.rmap) {
        const RmapView &v = s_.rmaps.at(id);
        if (seed()) {
          seed_slot_item(v, id == c.next_rmap);
          continue;
        }
        std::string flags = v.state == "stable"     ? fmt::format("STABLE stable#{}", v.stable_id)
                            : v.state == "unstable" ? fmt::format("UNSTABLE age {}", v.age)
                                                    : std::string("-");
        out_ += fmt::format("    {} [{}] {} oldchecksum {:#010x} {}{}\n", v.name, v.handle, flags,
                            v.oldchecksum, v.content, id == c.next_rmap ? " <- next" : "");
      }
    }
  }

  // v2.6.32: STABLE_FLAG (a node, or on a node's list: oldchecksum is then
  // the list's next pointer), NODE_FLAG alone (unstable), or neither.
  void seed_slot_item(const RmapView &v, bool next) {
    std::string flags;
    if (v.state == "stable")
      flags = v.list_node == v.id ? "STABLE node"
              : v.list_node       ? "STABLE on " + rmap_name(v.list_node)
                                  : std::string("STABLE, on no node's list");
    else if (v.state == "unstable")
      flags = fmt::format("UNSTABLE age {} oldchecksum {:#010x}", v.age, v.oldchecksum);
    else
      flags = fmt::format("- oldchecksum {:#010x}", v.oldchecksum);
    out_ += fmt::format("    {} [{}] {} {}{}\n", v.name, v.handle, flags, v.content,
                        next ? " <- next" : "");
  }

  const KsmSnapshot &s_;
  std::string out_;
};

} // namespace

std::string dump_text(const KsmSnapshot &s) {
  return TextDump(s).run();
}

} // namespace ksmsim
