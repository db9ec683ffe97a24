// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/dump_json.h"

#include <nlohmann/json.hpp>

namespace ksmsim {

namespace {

using json = nlohmann::ordered_json;

json id_or_null(std::uint32_t id) {
  return id ? json(id) : json(nullptr);
}

json index_or_null(int i) {
  return i >= 0 ? json(i) : json(nullptr);
}

json tree_json(const TreeView &t) {
  json nodes = json::array();
  for (std::size_t i = 0; i < t.nodes.size(); i++) {
    const TreeNodeView &n = t.nodes[i];
    json o;
    o["index"] = i;
    o[t.stable && !t.of_rmap_items ? "stable_node" : "rmap_item"] = n.id;
    if (t.of_rmap_items) // v2.6.32: the rmap_items on this node's list
      o["stable_list"] = n.list;
    o["color"] = n.red ? "red" : "black";
    o["left"] = index_or_null(n.left);
    o["right"] = index_or_null(n.right);
    o["depth"] = n.depth;
    o["parent_ok"] = n.parent_ok;
    o["repeat"] = n.repeat;
    nodes.push_back(std::move(o));
  }
  json o;
  o["name"] = t.name;
  o["nid"] = t.nid;
  o["root"] = t.nodes.empty() ? json(nullptr) : json(0);
  o["truncated"] = t.truncated;
  o["nodes"] = std::move(nodes);
  return o;
}

json stable_json(const StableView &v) {
  json o;
  o["id"] = v.id;
  o["handle"] = v.handle;
  o["name"] = v.name;
  o["kpfn"] = v.kpfn;
  o["nid"] = v.nid;
  o["content"] = v.content;
  o["where"] = v.where;
  o["rmap_items"] = v.rmap;
  o["hlist_truncated"] = v.hlist_truncated;
  o["freed"] = v.freed;
  o["page_points_back"] = v.page_points_back;
  o["stale"] = v.stale;
  if (v.chained_kernel) { // v6.15: stable_node chains
    o["rmap_hlist_len"] = v.rmap_hlist_len;
    o["chain"] = v.is_chain;
    if (v.is_chain) {
      o["chain_prune_time"] = v.chain_prune_time;
      o["dups"] = v.dups;
      o["dups_truncated"] = v.dups_truncated;
    }
    o["dup_of"] = id_or_null(v.chain);
  }
  return o;
}

json rmap_json(const RmapView &v) {
  json o;
  o["id"] = v.id;
  o["handle"] = v.handle;
  o["name"] = v.name;
  o["mm"] = v.mm;
  o["address"] = v.address;
  o["state"] = v.state;
  o["seqnr"] = v.seqnr;
  o["age"] = v.age;
  o["oldchecksum"] = v.oldchecksum;
  o["stable_node"] = id_or_null(v.stable_id);
  if (v.list_node || !v.kpage.empty()) { // v2.6.32
    o["stable_list_of"] = id_or_null(v.list_node);
    o["kpage"] = v.kpage;
  }
  o["content"] = v.content;
  o["freed"] = v.freed;
  o["in_unstable_tree"] = v.in_unstable_tree;
  o["on_mm_slot"] = v.on_mm_slot;
  return o;
}

} // namespace

std::string dump_json(const KsmSnapshot &s) {
  json o;
  o["format_version"] = DUMP_FORMAT_VERSION;
  o["kernel"] = s.kernel;
  o["step"] = s.step;
  o["time_us"] = s.time_us;
  json counters = json::object();
  for (const auto &[name, value] : s.counters)
    counters[name] = value;
  o["counters"] = std::move(counters);
  json trees = json::array();
  for (const TreeView &t : s.stable_trees)
    trees.push_back(tree_json(t));
  o["stable_trees"] = std::move(trees);
  o["migrate_nodes"] = s.migrate_nodes;
  o["migrate_truncated"] = s.migrate_truncated;
  o["orphan_stable_nodes"] = s.orphans;
  trees = json::array();
  for (const TreeView &t : s.unstable_trees)
    trees.push_back(tree_json(t));
  o["unstable_trees"] = std::move(trees);
  json slots = json::array();
  for (const SlotView &sl : s.slots) {
    json so;
    so["id"] = sl.id;
    so["handle"] = sl.handle;
    so["mm"] = sl.mm;
    so["freed"] = sl.freed;
    so["rmap_list"] = sl.rmap;
    so["truncated"] = sl.truncated;
    if (!sl.ksm_stat.empty()) { // v6.15: /proc/PID/ksm_stat
      json stat = json::object();
      for (const auto &[name, value] : sl.ksm_stat)
        stat[name] = value;
      so["ksm_stat"] = std::move(stat);
    }
    slots.push_back(std::move(so));
  }
  o["mm_slots"] = std::move(slots);
  o["mm_slots_truncated"] = s.slots_truncated;
  json scan;
  scan["mm_slot"] = id_or_null(s.cursor.slot_id);
  scan["mm"] = s.cursor.slot_id ? json(s.cursor.mm) : json(nullptr);
  scan["address"] = s.cursor.address;
  scan["seqnr"] = s.cursor.seqnr;
  scan["next_rmap_item"] = id_or_null(s.cursor.next_rmap);
  o["scan"] = std::move(scan);
  json stables = json::array();
  for (const auto &[id, v] : s.stables)
    stables.push_back(stable_json(v));
  o["stable_nodes"] = std::move(stables);
  json rmaps = json::array();
  for (const auto &[id, v] : s.rmaps)
    rmaps.push_back(rmap_json(v));
  o["rmap_items"] = std::move(rmaps);
  return o.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace ksmsim
