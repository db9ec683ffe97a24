// SPDX-License-Identifier: GPL-2.0-only
//
// The names a reader gives the model's objects: an rmap_item is
// `A:heap[3]` (mm : vma [page index], from the scenario's names), a
// stable_node `stable#2 (pfn 41, node 0)`, a page's content `fill 'k'`;
// beside them the synthetic handle the trace prints for the object.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/lib/trace.h"

namespace ksmsim {

class Kernel;
struct mm_struct;
struct rmap_item;
struct stable_node;
struct PageContent;

// What the scenario called the mappings: per mm name, its named vmas.
struct ScenarioNames {
  struct Vma {
    std::string name;
    std::uint64_t start = 0;
    std::uint32_t pages = 0;
  };
  std::map<std::string, std::vector<Vma>> vmas;
};

// The handle as the trace prints it (16 hex digits).
std::string handle_text(HandleKind kind, std::uint32_t id);
// `A:heap[3]`, or `A:0x10003000` outside every named vma.
std::string address_name(const ScenarioNames &names, const std::string &mm, std::uint64_t addr);
// An rmap_item by its mm and address; `rmap_item#7 (freed)` once freed.
std::string rmap_item_name(const ScenarioNames &names, const rmap_item &item);
// `stable#2 (pfn 41, node 0)`.
std::string stable_node_name(const stable_node &node);
// `zero`, `fill 'k'`, `fill 0x07`, `word 0x...`, with `+ pokes (jhash 0x...)`
// when bytes were poked: as the scenario wrote it where that can be told.
std::string content_label(const Kernel &k, const PageContent &c);
// The content of the page mapped at mm's addr now: its label, or `zero
// page`, `swapped`, `migrating`, `not mapped`.
std::string mapped_content_label(const Kernel &k, const mm_struct *mm, std::uint64_t addr);
// The content of the frame at pfn (`free frame`, `no such frame`).
std::string frame_content_label(const Kernel &k, std::uint64_t pfn);

} // namespace ksmsim
