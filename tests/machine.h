// SPDX-License-Identifier: GPL-2.0-only
//
// A small simulated machine for the model's unit tests, with the user
// actions they share: fault, write a word, look at what a pte maps.
#pragma once

#include "catch.h"

#include <cstdint>
#include <string>
#include <vector>

#include "model/check/invariants.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/mm/kernel.h"

namespace ksmsim::testing {

struct MachineBase {
  Kernel k;
  MachineBase(int nodes, const KernelProfile &prof) : k(config(nodes), prof) {}
  static MachineConfig config(int nodes) {
    MachineConfig m;
    m.nodes = nodes;
    m.pages_per_node = 4096;
    m.swap_pages = 64;
    return m;
  }

  // The v3.9 port, for tests of its own objects.
  Ksm &v39() {
    Ksm *p = ksm_v3_9(k);
    REQUIRE(p);
    return *p;
  }

  pte_t *pte(mm_struct *mm, std::uint64_t addr) { return k.pte_offset(mm, addr, false); }
  pte_t pte_val(mm_struct *mm, std::uint64_t addr) {
    pte_t *p = pte(mm, addr);
    return p ? *p : pte_t{};
  }
  // The page a present pte maps (nullptr for none, swap or the zero page).
  page *mapped(mm_struct *mm, std::uint64_t addr) {
    pte_t v = pte_val(mm, addr);
    if (!pte_present(v) || pte_special(v))
      return nullptr;
    return k.pfn_to_page(pte_pfn(v));
  }
  int fault(mm_struct *mm, std::uint64_t addr, bool write) {
    vm_area_struct *vma = k.find_vma(mm, addr);
    REQUIRE(vma);
    REQUIRE(vma->vm_start <= addr);
    return k.handle_mm_fault(mm, vma, addr, write ? unsigned(FAULT_FLAG_WRITE) : 0u);
  }
  // A user write: fault for write, then store the word in the page.
  page *write(mm_struct *mm, std::uint64_t addr, std::uint64_t word) {
    fault(mm, addr, true);
    page *p = mapped(mm, addr);
    REQUIRE(p);
    k.contents.set_word(p->content, word);
    return p;
  }
  // The first 8 bytes of a page, as the word a write stored.
  std::uint64_t word_of(page *p) {
    std::vector<std::uint8_t> b = k.contents.bytes(p->content);
    std::uint64_t w = 0;
    for (int i = 0; i < 8; i++)
      w = w << 8 | b[i];
    return w;
  }
  void check_invariants() {
    std::vector<std::string> v = InvariantChecker::check(k);
    INFO((v.empty() ? std::string() : v.front()));
    CHECK(v.empty());
  }
};

} // namespace ksmsim::testing
