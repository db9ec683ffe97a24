// SPDX-License-Identifier: GPL-2.0-only
//
// A picture of KSM's state at one moment, read from the real objects of the
// model (the trees' rb_nodes, the hlists, the mm_slot list, ksm_scan): what
// the dumps (text, JSON, dot, SVG) render. Every walk is bounded and
// remembers what it has visited, so a corrupted tree (a cycle, a node of
// another tree, a freed node) shows as it is instead of hanging or crashing.
// Objects are keyed by their sequential ids: nothing depends on pointers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/inspect/names.h"

namespace ksmsim {

class Kernel;

struct RmapView {
  std::uint32_t id = 0;
  std::string handle;        // as the trace prints it
  std::string name;          // A:heap[3]
  std::string mm;            // the mm's name ("" once the rmap_item is freed)
  std::uint64_t address = 0; // page-aligned
  std::string state;         // "stable", "unstable" or "none" (the flags in address)
  unsigned seqnr = 0;        // unstable: the scan that inserted it (address & SEQNR_MASK)
  unsigned age = 0;          // unstable: (u8)(ksm_scan.seqnr - seqnr)
  std::uint32_t oldchecksum = 0;
  std::uint32_t stable_id = 0; // stable: rmap_item->head's id (0: none)
  // v2.6.32 (the seed: no stable_node): the rmap_item heading the stable
  // tree node whose list holds this one (its own id for the node itself).
  std::uint32_t list_node = 0;
  std::string kpage;   // v2.6.32, a stable item: the page its pte maps now ("pfn 41, PageKsm")
  std::string content; // of the page mapped at address now
  bool freed = false;
  bool in_unstable_tree = false; // found in an unstable tree by this walk
  bool on_mm_slot = false;       // found on an mm_slot's rmap_list
};

struct StableView {
  std::uint32_t id = 0;
  std::string handle;
  std::string name; // stable#2 (pfn 41, node 0)
  std::uint64_t kpfn = 0;
  int nid = 0;
  std::string content;             // of the frame at kpfn
  std::string where;               // root_stable_tree[N], migrate_nodes, or "none"
  std::vector<std::uint32_t> rmap; // the hlist's rmap_items, in order
  bool hlist_truncated = false;
  bool freed = false;
  bool page_points_back = false;  // page_stable_node(pfn_to_page(kpfn)) == node
  std::vector<std::string> stale; // why this node is stale (empty: it is not)
  // v6.15 (stable_node chains, 4.13+): every node has rmap_hlist_len; a
  // chain (rmap_hlist_len STABLE_NODE_CHAIN) has no page and no
  // rmap_items: its hlist lists its dups, its kpfn is chain_prune_time.
  // A dup (head STABLE_NODE_DUP_HEAD) is in no tree: chain is its chain.
  bool chained_kernel = false; // the fields below mean something
  int rmap_hlist_len = 0;
  bool is_chain = false;
  std::uint64_t chain_prune_time = 0;
  std::vector<std::uint32_t> dups; // a chain's hlist, in order
  bool dups_truncated = false;
  std::uint32_t chain = 0; // a dup: its chain's id (0: on no chain's hlist found)
};

// One rb_node of a tree, in preorder; children are indexes into nodes.
struct TreeNodeView {
  std::uint32_t id = 0; // stable_node or rmap_item id
  bool red = false;
  int left = -1, right = -1;
  bool parent_ok = true; // rb_parent(node) is the node it was reached from
  bool repeat = false;   // reached again (a cycle): not walked a second time
  int depth = 0;
  // v2.6.32: the rmap_items hanging off this node (next, next->next, ...),
  // the node itself not included.
  std::vector<std::uint32_t> list;
  bool list_truncated = false;
};

struct TreeView {
  std::string name; // root_stable_tree[0], root_unstable_tree[0]
  int nid = 0;
  bool stable = true;
  bool of_rmap_items = false;      // v2.6.32: a stable tree whose nodes are rmap_items
  std::vector<TreeNodeView> nodes; // nodes[0] is the root, if any
  bool truncated = false;          // the bound on the walk was reached
};

struct SlotView {
  std::uint32_t id = 0;
  std::string handle;
  std::string mm;
  bool freed = false;
  std::vector<std::uint32_t> rmap; // rmap_list in order
  bool truncated = false;
  // v6.15: /proc/PID/ksm_stat's figures of the mm, in its order.
  std::vector<std::pair<std::string, std::int64_t>> ksm_stat;
};

struct CursorView {
  std::uint32_t slot_id = 0; // 0: &ksm_mm_head (between full scans)
  std::string mm;
  std::uint64_t address = 0;
  std::uint64_t seqnr = 0;
  std::uint32_t next_rmap = 0; // *ksm_scan.rmap_list: the rmap_item scanned next, 0 if none
};

struct KsmSnapshot {
  std::string kernel; // the port's version: "v3.9", "v2.6.32"
  int step = 0;
  std::uint64_t time_us = 0;
  // The sysfs files the profile has, then node counts (v2.6.32: no
  // pages_unshared, pages_volatile, full_scans, migrate_nodes), then the
  // 6.x files (sim/inspect/counters.h).
  std::vector<std::pair<std::string, std::int64_t>> counters;
  std::vector<TreeView> stable_trees, unstable_trees;
  std::vector<std::uint32_t> migrate_nodes;
  bool migrate_truncated = false;
  std::vector<std::uint32_t> orphans; // live stable_nodes in no tree and not on migrate_nodes
  std::vector<SlotView> slots;        // ksm_mm_head's list, in scan order
  bool slots_truncated = false;
  CursorView cursor;
  std::map<std::uint32_t, StableView> stables;
  std::map<std::uint32_t, RmapView> rmaps;
};

// An rmap_item's name by id (`rmap_item#ID` if the snapshot lacks it).
std::string rmap_name(const KsmSnapshot &s, std::uint32_t id);

// Walks the state now. Bounded: at most max_nodes objects per tree or list.
KsmSnapshot take_snapshot(const Kernel &k, const ScenarioNames &names,
                          std::size_t max_nodes = 1u << 20);

} // namespace ksmsim
