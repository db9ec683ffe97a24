// SPDX-License-Identifier: GPL-2.0-only
//
// The reader's names for the kernel's objects: an rmap_item or a user page
// as `A:heap[3]` (mm:vma[page index], from the scenario's names for its
// mappings), a stable_node as `stable#2 (pfn 41, node 0)`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ksmsim {

class Kernel;
struct ScenarioNames;
struct mm_struct;
struct rmap_item;
struct stable_node;

// One named mapping of a scenario's process.
struct NamedRegion {
  std::string mm;
  const mm_struct *mmp = nullptr;
  bool exited = false;
  std::string vma;
  std::uint64_t start = 0;
  std::uint32_t pages = 0;
};

class PageNames {
public:
  using Source = std::function<std::vector<NamedRegion>()>;
  PageNames() = default;
  explicit PageNames(Source source) : source_(std::move(source)) {}

  std::vector<NamedRegion> regions() const;
  // The same, as the dump module takes them.
  ScenarioNames scenario_names() const;
  // `A:heap[3]`, or `A:0x7ffff7ff0000` outside every named mapping.
  std::string page(const mm_struct *mm, std::uint64_t addr) const;
  std::string item(const rmap_item *item) const;
  static std::string stable(const stable_node *node);

private:
  Source source_;
};

} // namespace ksmsim
