// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/dump_dot.h"

#include <fmt/format.h>

#include "sim/inspect/counters.h"

namespace ksmsim {

namespace {

constexpr const char *RED_FILL = "#c62828";
constexpr const char *BLACK_FILL = "#212121";
constexpr const char *STALE_LINE = "#ef6c00";
constexpr const char *STALE_FILL = "#d6d6d6";
constexpr const char *CURSOR = "#1565c0";
constexpr const char *STABLE_ITEM = "#c8e6c9";
constexpr const char *UNSTABLE_ITEM = "#fff59d";
constexpr const char *OTHER_ITEM = "#eeeeee";

// A dot string: quotes and backslashes escaped, newlines as centred line breaks.
std::string q(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}

class DotDump {
public:
  DotDump(const KsmSnapshot &s, const DotLimits &l) : s_(s), l_(l) {}

  std::string run() {
    out_ += "digraph ksm {\n";
    out_ += fmt::format(
        "  graph [rankdir=TB, ordering=out, nodesep=0.25, ranksep=0.35, "
        "fontname=\"Helvetica\", fontsize=12, labelloc=t, label={}];\n",
        q(fmt::format("KSM state at step {}, {}.{:03} ms\n{}", s_.step, s_.time_us / 1000,
                      s_.time_us % 1000, counters_text(s_.counters))));
    out_ += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n";
    out_ += "  edge [arrowsize=0.6];\n";
    for (const TreeView &t : s_.stable_trees)
      tree(t, "s");
    migrate();
    for (const TreeView &t : s_.unstable_trees)
      tree(t, "u");
    slots();
    out_ += "}\n";
    return std::move(out_);
  }

private:
  std::string rmap_name(std::uint32_t id) const { return ksmsim::rmap_name(s_, id); }

  std::string stable_label(const StableView &v) const {
    if (v.is_chain) { // v6.15: a chain has no page; its dups hang below it
      std::string label = fmt::format(
          "chain stable#{}\nrmap_hlist_len STABLE_NODE_CHAIN\n{} dup(s)", v.id, v.dups.size());
      for (const std::string &why : v.stale)
        label += "\nSTALE: " + why;
      return label;
    }
    std::string label = fmt::format("stable#{}\npfn {}, node {}\n{}\n{} rmap_item(s)", v.id, v.kpfn,
                                    v.nid, v.content, v.rmap.size());
    if (v.chained_kernel)
      label += fmt::format(" (rmap_hlist_len {})", v.rmap_hlist_len);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < v.rmap.size() && i < l_.label_items; i++)
      names.push_back(rmap_name(v.rmap[i]));
    if (!names.empty())
      label += fmt::format(": {}{}", fmt::join(names, ", "),
                           v.rmap.size() > l_.label_items ? ", ..." : "");
    for (const std::string &why : v.stale)
      label += "\nSTALE: " + why;
    return label;
  }

  std::string rmap_label(const RmapView &v) const {
    std::string label = fmt::format("{}\n{}", v.name, v.content);
    if (v.state == "unstable")
      label += fmt::format("\nseqnr {}, age {}", v.seqnr, v.age);
    else if (v.state == "stable" && v.list_node) // v2.6.32
      label += v.list_node == v.id ? std::string("\nSTABLE: a stable tree node")
                                   : "\nSTABLE: on " + rmap_name(v.list_node);
    else if (v.state == "stable")
      label += fmt::format("\nSTABLE: stable#{}", v.stable_id);
    return label;
  }

  std::string stable_style(const StableView &v, bool in_tree, bool red) const {
    if (v.stale.empty())
      return fmt::format("fillcolor=\"{}\", fontcolor=white", red ? RED_FILL : BLACK_FILL);
    if (in_tree)
      return fmt::format("fillcolor=\"{}\", fontcolor=white, color=\"{}\", penwidth=3, "
                         "style=\"rounded,filled,dashed\"",
                         red ? RED_FILL : BLACK_FILL, STALE_LINE);
    return fmt::format(
        "fillcolor=\"{}\", color=\"{}\", penwidth=2, style=\"rounded,filled,dashed\"", STALE_FILL,
        STALE_LINE);
  }

  void tree(const TreeView &t, const char *prefix) {
    std::string cluster = fmt::format("{}{}", prefix, t.nid);
    out_ += fmt::format(
        "  subgraph cluster_{} {{\n    label={};\n", cluster,
        q(fmt::format("{} tree {}: {} node(s){}", t.stable ? "stable" : "unstable", t.name,
                      t.nodes.size(), t.truncated ? " (walk cut at its bound)" : "")));
    if (t.nodes.empty())
      out_ +=
          fmt::format("    {}_empty [shape=plaintext, style=\"\", label=\"(empty)\"];\n", cluster);
    std::size_t shown = std::min(t.nodes.size(), l_.tree_nodes);
    for (std::size_t i = 0; i < shown; i++)
      tree_node(t, cluster, i);
    for (std::size_t i = 0; i < shown; i++)
      tree_edges(t, cluster, i, shown);
    out_ += "  }\n";
  }

  void tree_node(const TreeView &t, const std::string &cluster, std::size_t i) {
    const TreeNodeView &n = t.nodes[i];
    std::string label, style;
    if (t.of_rmap_items) { // v2.6.32: an rmap_item heading its KSM page's list
      auto it = s_.rmaps.find(n.id);
      label = it == s_.rmaps.end()
                  ? fmt::format("rmap_item#{}", n.id)
                  : fmt::format("node {}\n{}\n{}\n{} more on its list", it->second.name,
                                it->second.content, it->second.kpage, n.list.size());
      std::vector<std::string> names;
      for (std::size_t j = 0; j < n.list.size() && j < l_.label_items; j++)
        names.push_back(rmap_name(n.list[j]));
      if (!names.empty())
        label += fmt::format(": {}{}", fmt::join(names, ", "),
                             n.list.size() > l_.label_items ? ", ..." : "");
      style = fmt::format("fillcolor=\"{}\", fontcolor=white", n.red ? RED_FILL : BLACK_FILL);
    } else if (t.stable) {
      auto it = s_.stables.find(n.id);
      label = it == s_.stables.end() ? fmt::format("stable#{}", n.id) : stable_label(it->second);
      style = it == s_.stables.end() ? "" : stable_style(it->second, true, n.red);
    } else {
      auto it = s_.rmaps.find(n.id);
      label = it == s_.rmaps.end() ? fmt::format("rmap_item#{}", n.id) : rmap_label(it->second);
      style = fmt::format("fillcolor=\"{}\", fontcolor=white", n.red ? RED_FILL : BLACK_FILL);
    }
    if (!n.parent_ok)
      label += "\n(parent link points elsewhere)";
    if (n.repeat) {
      label += "\n(reached again: a cycle)";
      style += ", style=\"rounded,filled,dotted\"";
    }
    out_ += fmt::format("    {}_{} [label={}, {}];\n", cluster, i, q(label), style);
    if (t.stable && !t.of_rmap_items && !n.repeat)
      if (auto it = s_.stables.find(n.id); it != s_.stables.end() && it->second.is_chain)
        chain_dups(it->second, fmt::format("{}_{}", cluster, i));
  }

  // v6.15: a chain's dups, each a box off the chain (its hlist), not a tree node.
  void chain_dups(const StableView &chain, const std::string &from) {
    std::string prev = from;
    for (std::size_t j = 0; j < chain.dups.size(); j++) {
      auto it = s_.stables.find(chain.dups[j]);
      if (it == s_.stables.end())
        continue;
      const StableView &dup = it->second;
      std::string name = fmt::format("{}_dup{}", from, j);
      out_ += fmt::format("    {} [label={}, {}];\n", name, q("dup " + stable_label(dup)),
                          dup.stale.empty() ? "fillcolor=\"#ffffff\""
                                            : stable_style(dup, false, false));
      out_ +=
          fmt::format("    {} -> {} [style=dashed, label=\"hlist\", fontsize=8];\n", prev, name);
      prev = name;
    }
  }

  void child_edge(const std::string &cluster, std::size_t i, int child, std::size_t shown,
                  const char *side) {
    if (child < 0) {
      out_ += fmt::format("    {0}_{1}_{2} [style=invis, label=\"\", width=1.4];\n"
                          "    {0}_{1} -> {0}_{1}_{2} [style=invis];\n",
                          cluster, i, side);
    } else if (static_cast<std::size_t>(child) >= shown) {
      out_ += fmt::format("    {0}_{1}_{2} [shape=plaintext, style=\"\", label=\"...\"];\n"
                          "    {0}_{1} -> {0}_{1}_{2} [style=dashed];\n",
                          cluster, i, side);
    } else {
      out_ += fmt::format("    {0}_{1} -> {0}_{2} [taillabel=\"{3}\", labelfontsize=8];\n", cluster,
                          i, child, side);
    }
  }

  void tree_edges(const TreeView &t, const std::string &cluster, std::size_t i, std::size_t shown) {
    const TreeNodeView &n = t.nodes[i];
    if (n.repeat || (n.left < 0 && n.right < 0))
      return;
    // An invisible middle child, held straight below, centres the node
    // between its left and right children (the Graphviz FAQ's binary tree).
    child_edge(cluster, i, n.left, shown, "L");
    out_ += fmt::format("    {0}_{1}_M [style=invis, label=\"\", width=0.1];\n"
                        "    {0}_{1} -> {0}_{1}_M [style=invis, weight=100];\n",
                        cluster, i);
    child_edge(cluster, i, n.right, shown, "R");
  }

  void migrate() {
    if (s_.migrate_nodes.empty() && s_.orphans.empty())
      return;
    out_ += fmt::format("  subgraph cluster_migrate {{\n    label={};\n",
                        q(fmt::format("migrate_nodes: {}; in no tree: {}", s_.migrate_nodes.size(),
                                      s_.orphans.size())));
    std::string prev;
    for (std::uint32_t id : s_.migrate_nodes) {
      const StableView &v = s_.stables.at(id);
      std::string name = fmt::format("m_{}", id);
      out_ +=
          fmt::format("    {} [label={}, {}];\n", name, q(stable_label(v)),
                      v.stale.empty() ? "fillcolor=\"#ffffff\"" : stable_style(v, false, false));
      if (!prev.empty())
        out_ += fmt::format("    {} -> {} [label=\"next\", fontsize=8];\n", prev, name);
      prev = name;
    }
    for (std::uint32_t id : s_.orphans) {
      const StableView &v = s_.stables.at(id);
      out_ +=
          fmt::format("    o_{} [label={}, {}];\n", id, q(stable_label(v) + "\nwhere: " + v.where),
                      stable_style(v, false, false));
    }
    out_ += "  }\n";
  }

  void slots() {
    const CursorView &c = s_.cursor;
    out_ += fmt::format("  subgraph cluster_slots {{\n    label={};\n",
                        q(fmt::format("mm_slots in scan order (seqnr {}){}", c.seqnr,
                                      s_.slots_truncated ? ", walk cut" : "")));
    std::string head_style =
        fmt::format("fillcolor=\"#ffffff\"{}",
                    c.slot_id ? "" : fmt::format(", color=\"{}\", penwidth=3", CURSOR));
    out_ += fmt::format(
        "    head [label={}, {}];\n",
        q(c.slot_id ? "ksm_mm_head" : "ksm_mm_head\nscan cursor: a full scan starts next"),
        head_style);
    std::string prev = "head", same_rank = "head";
    for (const SlotView &sl : s_.slots) {
      std::string name = fmt::format("slot_{}", sl.id);
      bool here = sl.id == c.slot_id;
      std::string label = fmt::format("mm_slot {}\n{} rmap_item(s){}", sl.mm, sl.rmap.size(),
                                      sl.freed ? "\nFREED" : "");
      if (here)
        label += fmt::format("\nscan cursor at {:#x}", c.address);
      out_ += fmt::format("    {} [label={}, fillcolor=\"#e3f2fd\"{}];\n", name, q(label),
                          here ? fmt::format(", color=\"{}\", penwidth=3", CURSOR) : "");
      out_ += fmt::format("    {} -> {};\n", prev, name);
      prev = name;
      same_rank += "; " + name;
      rmap_list(sl, name);
    }
    // The list left to right in scan order, each slot above its rmap_list.
    out_ += fmt::format("    {{rank=same; {};}}\n  }}\n", same_rank);
  }

  void rmap_list(const SlotView &sl, const std::string &slot) {
    std::string prev = slot;
    std::size_t shown = std::min(sl.rmap.size(), l_.list_items);
    for (std::size_t i = 0; i < shown; i++) {
      const RmapView &v = s_.rmaps.at(sl.rmap[i]);
      std::string name = fmt::format("r_{}_{}", sl.id, i);
      bool next = v.id == s_.cursor.next_rmap;
      std::string label = rmap_label(v) + (next ? "\nscanned next" : "");
      const char *fill = v.state == "stable"     ? STABLE_ITEM
                         : v.state == "unstable" ? UNSTABLE_ITEM
                                                 : OTHER_ITEM;
      out_ += fmt::format("    {} [label={}, fillcolor=\"{}\"{}];\n", name, q(label), fill,
                          next ? fmt::format(", color=\"{}\", penwidth=3", CURSOR) : "");
      out_ += fmt::format("    {} -> {};\n", prev, name);
      prev = name;
    }
    if (sl.rmap.size() > shown || sl.truncated) {
      out_ += fmt::format("    r_{}_more [shape=plaintext, style=\"\", label={}];\n", sl.id,
                          q(fmt::format("... {} more", sl.rmap.size() - shown)));
      out_ += fmt::format("    {} -> r_{}_more [style=dashed];\n", prev, sl.id);
    }
  }

  const KsmSnapshot &s_;
  const DotLimits &l_;
  std::string out_;
};

} // namespace

std::string dump_dot(const KsmSnapshot &s, const DotLimits &limits) {
  return DotDump(s, limits).run();
}

} // namespace ksmsim
