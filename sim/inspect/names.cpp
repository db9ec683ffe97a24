// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/names.h"

#include <fmt/format.h>

#include "model/mm/kernel.h"

namespace ksmsim {

std::string handle_text(HandleKind kind, std::uint32_t id) {
  return fmt::format("{:016x}", handle(kind, id));
}

std::string address_name(const ScenarioNames &names, const std::string &mm, std::uint64_t addr) {
  auto it = names.vmas.find(mm);
  if (it != names.vmas.end())
    for (const ScenarioNames::Vma &v : it->second)
      if (addr >= v.start && addr < v.start + std::uint64_t(v.pages) * PAGE_SIZE)
        return fmt::format("{}:{}[{}]", mm, v.name, (addr - v.start) / PAGE_SIZE);
  return fmt::format("{}:{:#x}", mm, addr);
}

std::string rmap_item_name(const ScenarioNames &names, const rmap_item &item) {
  if (!item.mm)
    return fmt::format("rmap_item#{} (freed)", rmap_item_id(&item));
  return address_name(names, rmap_item_mm(&item)->name, item.address & PAGE_MASK);
}

std::string stable_node_name(const stable_node &node) {
  return fmt::format("stable#{} (pfn {}, node {})", node.id, node.kpfn, node.nid);
}

std::string content_label(const Kernel &k, const PageContent &c) {
  std::string base;
  const std::uint64_t word = k.contents.base_word(c);
  std::uint8_t low = word & 0xff;
  if (word == 0)
    base = "zero";
  else if (word == fill_word(low))
    base = low >= 0x21 && low < 0x7f && low != '\'' ? fmt::format("fill '{}'", char(low))
                                                    : fmt::format("fill {:#04x}", low);
  else
    base = fmt::format("word {:#018x}", word);
  if (!k.contents.has_pokes(c))
    return base;
  std::vector<std::uint8_t> bytes = k.contents.bytes(c);
  std::uint32_t sum =
      jhash2(reinterpret_cast<const std::uint32_t *>(bytes.data()), PAGE_SIZE / 4, 17);
  return fmt::format("{} + pokes (jhash {:#010x})", base, sum);
}

std::string frame_content_label(const Kernel &k, std::uint64_t pfn) {
  if (k.is_zero_pfn(pfn))
    return "zero page";
  if (!k.pfn_valid(pfn))
    return "no such frame";
  // pfn_valid holds, so pfn_to_page cannot BUG; it only computes the address.
  const page *p = const_cast<Kernel &>(k).pfn_to_page(pfn);
  if (Kernel::page_count(p) == 0)
    return "free frame";
  return content_label(k, p->content);
}

std::string mapped_content_label(const Kernel &k, const mm_struct *mm, std::uint64_t addr) {
  if (!mm || mm->freed)
    return "mm freed";
  std::uint64_t key = pgtable_key(addr);
  if (key >= mm->pgtables.size() || !mm->pgtables[key])
    return "not mapped";
  pte_t pte = (*mm->pgtables[key])[(addr >> PAGE_SHIFT) & 511];
  if (pte_none(pte))
    return "not mapped";
  if (is_migration_entry(pte))
    return "migrating";
  if (!pte_present(pte))
    return "swapped";
  return frame_content_label(k, pte_pfn(pte));
}

} // namespace ksmsim
