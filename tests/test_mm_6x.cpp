// SPDX-License-Identifier: GPL-2.0-only
//
// The MMU's side of the 6.x KSM hooks (model/mm, model/ksm/profile.h): the
// mm_struct figures and MMF_VM_MERGE_ANY across fork, KSM zero ptes, the
// zap's and wp_page_copy's ksm_might_unmap_zero_page, ksm_add_vma at mmap,
// FAULT_FLAG_UNSHARE (6.x do_wp_page / wp_page_copy), prctl, the
// /proc/PID/ksm_stat figures, and the scenario side (prctl step, 6.x
// expect names). The expected values follow the 6.x kernel's code, as
// each comment says; the v3.9 and v2.6.32 ports keep the defaults.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "catch.h"

#include "ksmsim/runner.h"
#include "ksmsim/scenario.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/mm/kernel.h"
#include "model/mm/pagewalk.h"
#include "model/mm/proc_ksm_stat.h"

using namespace ksmsim;
using catch_compat::Contains;

namespace {

constexpr std::uint64_t P = PAGE_SIZE;

// The v3.9 port with the 6.x hooks a 6.x port has, done as 6.x does them
// (include/linux/ksm.h, mm/ksm.c, kernel/sys.c), and counted: what the
// MMU calls, and when, is what these tests look at.
class Hooks6x final : public KsmProfile {
public:
  explicit Hooks6x(Kernel &k) : k_(k), inner_(k) {}

  // ---- the 6.x hooks ----
  long ksm_zero_pages = 0; // the global atomic_long_t
  int unmap_zero_calls = 0;
  std::vector<vm_area_struct *> added;

  void ksm_might_unmap_zero_page(mm_struct *mm, pte_t pte) override {
    unmap_zero_calls++;
    if (is_ksm_zero_pte(pte)) {
      ksm_zero_pages--;
      mm->ksm_zero_pages--;
    }
  }
  // ksm_add_vma -> __ksm_add_vma (every simulated vma is ksm-compatible).
  void ksm_add_vma(vm_area_struct *vma) override {
    added.push_back(vma);
    if ((vma->vm_mm->flags & MMF_VM_MERGE_ANY) && !(vma->vm_flags & VM_MERGEABLE))
      vma->vm_flags |= VM_MERGEABLE;
  }
  long prctl_memory_merge(mm_struct *mm, int option, unsigned long arg) override {
    auto enable = [](mm_struct *m) { // ksm_enable_merge_any (without the mm_slot)
      if (m->flags & MMF_VM_MERGE_ANY)
        return 0;
      m->flags |= MMF_VM_MERGE_ANY;
      for (vm_area_struct *v = m->mmap; v; v = v->vm_next)
        v->vm_flags |= VM_MERGEABLE;
      return 0;
    };
    auto disable = [](mm_struct *m) { // ksm_disable_merge_any (nothing merged here)
      if (!(m->flags & MMF_VM_MERGE_ANY))
        return 0;
      for (vm_area_struct *v = m->mmap; v; v = v->vm_next)
        v->vm_flags &= ~std::uint64_t(VM_MERGEABLE);
      m->flags &= ~MMF_VM_MERGE_ANY;
      return 0;
    };
    return k_.prctl_memory_merge_cases(mm, option, arg, enable, disable);
  }
  bool mm_stat(const mm_struct *mm, std::string_view name, std::int64_t *value) const override {
    return proc_pid_ksm_stat(mm, name, 64, value); // sizeof(struct ksm_rmap_item): 64
  }
  bool has_mm_stat(std::string_view name) const override {
    std::int64_t v;
    mm_struct probe;
    return proc_pid_ksm_stat(&probe, name, 64, &v);
  }

  // ---- the rest: v3.9's ----
  std::string_view version() const override { return inner_.version(); }
  int ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                  std::uint64_t *vm_flags) override {
    return inner_.ksm_madvise(vma, start, end, advice, vm_flags);
  }
  int __ksm_enter(mm_struct *mm) override { return inner_.__ksm_enter(mm); }
  void __ksm_exit(mm_struct *mm) override { inner_.__ksm_exit(mm); }
  int ksm_fork(mm_struct *mm, mm_struct *oldmm) override { return inner_.ksm_fork(mm, oldmm); }
  void ksm_exit(mm_struct *mm) override { inner_.ksm_exit(mm); }
  page *ksm_might_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) override {
    return inner_.ksm_might_need_to_copy(p, vma, address);
  }
  int try_to_unmap_ksm(page *p, unsigned flags) override {
    return inner_.try_to_unmap_ksm(p, flags);
  }
  int rmap_walk_ksm(
      page *p,
      const std::function<int(page *, vm_area_struct *, std::uint64_t)> &rmap_one) override {
    return inner_.rmap_walk_ksm(p, rmap_one);
  }
  void ksm_migrate_page(page *newpage, page *oldpage) override {
    inner_.ksm_migrate_page(newpage, oldpage);
  }
  void ksm_do_scan(unsigned int n) override { inner_.ksm_do_scan(n); }
  bool ksmd_should_run() const override { return inner_.ksmd_should_run(); }
  unsigned int thread_pages_to_scan() const override { return inner_.thread_pages_to_scan(); }
  unsigned int thread_sleep_millisecs() const override { return inner_.thread_sleep_millisecs(); }
  void mutex_lock() override { inner_.mutex_lock(); }
  void mutex_unlock() override { inner_.mutex_unlock(); }
  bool sysfs_show(const std::string &name, std::uint64_t *value) const override {
    return inner_.sysfs_show(name, value);
  }
  long sysfs_store(const std::string &name, const std::string &buf) override {
    return inner_.sysfs_store(name, buf);
  }
  const std::vector<std::string> &sysfs_files() const override { return inner_.sysfs_files(); }
  std::uint64_t scan_seqnr() const override { return inner_.scan_seqnr(); }
  unsigned long pages_scanned() const override { return inner_.pages_scanned(); }
  unsigned long rmap_items() const override { return inner_.rmap_items(); }
  std::vector<SlotFigures> slot_figures() const override { return inner_.slot_figures(); }
  std::uint64_t stable_tree_nodes() const override { return inner_.stable_tree_nodes(); }

private:
  Kernel &k_;
  Ksm inner_;
};

MachineConfig small_machine() {
  MachineConfig m;
  m.pages_per_node = 4096;
  m.swap_pages = 64;
  return m;
}

// A machine whose port is v3.9 (hooks6x false) or v3.9 with Hooks6x.
struct Machine {
  Kernel k;
  explicit Machine(bool hooks6x = true)
      : k(small_machine(), KernelProfile{}, [hooks6x](Kernel &kk) -> std::unique_ptr<KsmProfile> {
          if (hooks6x)
            return std::make_unique<Hooks6x>(kk);
          return make_ksm_profile(kk, kk.profile);
        }) {}
  Hooks6x &hooks() { return dynamic_cast<Hooks6x &>(k.ksm); }
  pte_t pte(mm_struct *mm, std::uint64_t addr) {
    pte_t *p = k.pte_offset(mm, addr, false);
    return p ? *p : pte_t{};
  }
  page *mapped(mm_struct *mm, std::uint64_t addr) {
    pte_t v = pte(mm, addr);
    return pte_present(v) && !pte_special(v) ? k.pfn_to_page(pte_pfn(v)) : nullptr;
  }
  int fault(mm_struct *mm, std::uint64_t addr, unsigned flags) {
    vm_area_struct *vma = k.find_vma(mm, addr);
    REQUIRE(vma);
    return k.handle_mm_fault(mm, vma, addr, flags);
  }
  page *write(mm_struct *mm, std::uint64_t addr, std::uint64_t word) {
    fault(mm, addr, FAULT_FLAG_WRITE);
    page *p = mapped(mm, addr);
    REQUIRE(p);
    k.contents.set_word(p->content, word);
    return p;
  }
  // What 6.x replace_page does for an empty page with use_zero_pages: the
  // KSM zero pte in place of the page, ksm_map_zero_page's counts,
  // dec_mm_counter(MM_ANONPAGES) and the old page's rmap and reference gone.
  void ksm_map_zero_page(mm_struct *mm, std::uint64_t addr) {
    pte_t *ptep = k.pte_offset(mm, addr, false);
    REQUIRE(ptep);
    page *old = mapped(mm, addr);
    k.set_pte(ptep, mk_ksm_zero_pte(addr));
    hooks().ksm_zero_pages++;
    mm->ksm_zero_pages++;
    if (old) {
      mm->anon_rss--;
      k.page_remove_rmap(old);
      k.put_page(old);
    }
  }
  std::uint64_t word_of(page *p) {
    std::vector<std::uint8_t> b = k.contents.bytes(p->content);
    std::uint64_t w = 0;
    for (int i = 0; i < 8; i++)
      w = w << 8 | b[i];
    return w;
  }
};

constexpr unsigned UNSHARE = FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE; // 6.x break_ksm's flags

} // namespace

// --- mm_struct, fork ---------------------------------------------------------

TEST_CASE("6.x: fork copies the KSM figures (dup_mm) and of the flags only MMF_VM_MERGE_ANY",
          "[mm6x][fork]") {
  Machine m(false);
  mm_struct *a = m.k.mm_alloc("A", 1);
  CHECK(a->ksm_merging_pages == 0);
  CHECK(a->ksm_rmap_items == 0);
  CHECK(a->ksm_zero_pages == 0);
  // coredump.h: MMF_VM_MERGEABLE is bit 16, MMF_VM_MERGE_ANY bit 30.
  CHECK(MMF_VM_MERGEABLE == 1u << 16);
  CHECK(MMF_VM_MERGE_ANY == 1u << 30);
  a->flags |= MMF_VM_MERGE_ANY | (1u << 3); // bit 3: not a simulated flag
  a->ksm_merging_pages = 5;
  a->ksm_rmap_items = 7;
  a->ksm_zero_pages = 2;
  // dup_mm: memcpy(mm, oldmm); mm_init: mm->flags = mmf_init_flags(oldmm->flags)
  // (MMF_INIT_MASK holds MMF_VM_MERGE_ANY_MASK since 6.7, never MMF_VM_MERGEABLE);
  // v3.9's ksm_fork leaves the figures alone.
  mm_struct *b = m.k.do_fork(a, "B", 2);
  CHECK(b->flags == MMF_VM_MERGE_ANY);
  CHECK(b->ksm_merging_pages == 5);
  CHECK(b->ksm_rmap_items == 7);
  CHECK(b->ksm_zero_pages == 2);
}

TEST_CASE("6.x: a child of a MMF_VM_MERGEABLE parent is mergeable only through ksm_fork",
          "[mm6x][fork]") {
  Machine m(false);
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  REQUIRE(m.k.sys_madvise(a, s, P, MADV_MERGEABLE) == 0);
  REQUIRE((a->flags & MMF_VM_MERGEABLE));
  // mmf_init_flags drops MMF_VM_MERGEABLE; ksm_fork's __ksm_enter sets it again.
  mm_struct *b = m.k.do_fork(a, "B", 2);
  CHECK((b->flags & MMF_VM_MERGEABLE));
  CHECK(!(b->flags & MMF_VM_MERGE_ANY));
}

// --- zero page ptes ------------------------------------------------------------

TEST_CASE("6.x: a KSM zero pte is the dirty special zero-pfn pte, a read fault's is clean",
          "[mm6x][zero]") {
  Machine m;
  CHECK(is_zero_pfn(0));
  CHECK(m.k.page_to_pfn(m.k.zero_page()) == my_zero_pfn(0x1000));
  // replace_page: pte_mkdirty(pte_mkspecial(pfn_pte(zero pfn, prot))).
  pte_t z = mk_ksm_zero_pte(0x7f0000000000);
  CHECK(pte_present(z));
  CHECK(pte_special(z));
  CHECK(pte_dirty(z));
  CHECK(!pte_write(z));
  CHECK(pte_pfn(z) == 0);
  CHECK(is_ksm_zero_pte(z));
  // do_anonymous_page's read: pte_mkspecial(pfn_pte(my_zero_pfn(addr))), not dirty.
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.fault(a, s, 0);
  pte_t r = m.pte(a, s);
  CHECK(pte_present(r));
  CHECK(is_zero_pfn(pte_pfn(r)));
  CHECK(!is_ksm_zero_pte(r));
  // A normal page's pte is not a KSM zero pte, dirty as it is.
  m.write(a, s, 1);
  CHECK(pte_dirty(m.pte(a, s)));
  CHECK(!is_ksm_zero_pte(m.pte(a, s)));
}

TEST_CASE("6.x: the zap calls ksm_might_unmap_zero_page for each zero-pfn pte",
          "[mm6x][zero][zap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 3, -1);
  m.write(a, s, 0);         // page 0: merged into the zero page below
  m.fault(a, s + P, 0);     // page 1: a read fault's zero page
  m.write(a, s + 2 * P, 9); // page 2: a normal page
  m.ksm_map_zero_page(a, s);
  REQUIRE(a->ksm_zero_pages == 1);
  REQUIRE(m.hooks().ksm_zero_pages == 1);
  REQUIRE(a->anon_rss == 1);
  // zap_present_ptes: !page (both zero ptes) -> ksm_might_unmap_zero_page;
  // only the dirty one counts down (is_ksm_zero_pte). The normal page is
  // zapped through its rmap, no call.
  REQUIRE(m.k.do_munmap(a, s, 3 * P) == 0);
  CHECK(m.hooks().unmap_zero_calls == 2);
  CHECK(a->ksm_zero_pages == 0);
  CHECK(m.hooks().ksm_zero_pages == 0);
  CHECK(a->anon_rss == 0);
}

TEST_CASE("6.x: exit zaps a KSM zero pte through the same hook", "[mm6x][zero][zap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, s, 0);
  m.ksm_map_zero_page(a, s);
  m.k.mmput(a); // exit_mmap -> unmap_vmas -> zap_pte_range
  CHECK(m.hooks().unmap_zero_calls == 1);
  CHECK(m.hooks().ksm_zero_pages == 0);
}

TEST_CASE("6.x: a write to a KSM zero pte copies it and counts the zero page down",
          "[mm6x][zero][wp]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, s, 0);
  m.ksm_map_zero_page(a, s);
  // wp_page_copy, !old_folio: ksm_might_unmap_zero_page, then MM_ANONPAGES++;
  // the new pte is writable and dirty (maybe_mkwrite(pte_mkdirty)).
  page *p = m.write(a, s, 5);
  CHECK(m.hooks().unmap_zero_calls == 1);
  CHECK(a->ksm_zero_pages == 0);
  CHECK(m.hooks().ksm_zero_pages == 0);
  CHECK(a->anon_rss == 1);
  CHECK(pte_write(m.pte(a, s)));
  CHECK(m.word_of(p) == 5);
}

// --- FAULT_FLAG_UNSHARE -------------------------------------------------------------

TEST_CASE("6.x unshare: a KSM zero pte becomes an exclusive zeroed page, still read-only",
          "[mm6x][unshare]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  m.write(a, s, 0);
  m.ksm_map_zero_page(a, s);
  REQUIRE(a->anon_rss == 0);
  // handle_pte_fault: UNSHARE on a !pte_write pte -> do_wp_page; no page
  // (special) -> wp_page_copy: a zeroed folio (folio_prealloc need_zero),
  // ksm_might_unmap_zero_page, MM_ANONPAGES++, entry = mk_pte(): young,
  // neither dirty nor writable (unshare); returns 0.
  CHECK(m.fault(a, s, UNSHARE) == 0);
  pte_t v = m.pte(a, s);
  REQUIRE(pte_present(v));
  CHECK(!pte_special(v));
  CHECK(!pte_write(v));
  CHECK(!pte_dirty(v));
  CHECK((v.val & _PAGE_YOUNG));
  page *p = m.mapped(a, s);
  REQUIRE(p);
  CHECK(Kernel::PageAnon(p));
  CHECK(!Kernel::PageKsm(p));
  CHECK(Kernel::page_mapcount(p) == 1);
  CHECK(m.word_of(p) == 0);
  CHECK(m.hooks().unmap_zero_calls == 1);
  CHECK(a->ksm_zero_pages == 0);
  CHECK(a->anon_rss == 1);
  // A later write reuses that page: 3.9's do_wp_page, anon and !KSM,
  // reuse_swap_page (mapcount 1).
  page *w = m.write(a, s, 3);
  CHECK(w == p);
  CHECK(pte_write(m.pte(a, s)));
}

TEST_CASE("6.x unshare: a KSM page is copied for this mm, the others keep it", "[mm6x][unshare]") {
  Machine m(false); // v3.9 merges the pages
  const std::uint64_t word = 0x6161616161616161ULL;
  mm_struct *a = m.k.mm_alloc("A", 1), *b = m.k.mm_alloc("B", 2);
  std::uint64_t sa = m.k.do_mmap_anon(a, 1, -1), sb = m.k.do_mmap_anon(b, 1, -1);
  m.write(a, sa, word);
  m.write(b, sb, word);
  REQUIRE(m.k.sys_madvise(a, sa, P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.sys_madvise(b, sb, P, MADV_MERGEABLE) == 0);
  REQUIRE(m.k.ksm.sysfs_store("run", "1\n") == 2);
  // 3.9: the first scan records checksums, the second merges the pair.
  m.k.ksm.ksm_do_scan(100000);
  m.k.ksm.ksm_do_scan(100000);
  page *kpage = m.mapped(a, sa);
  REQUIRE(kpage);
  REQUIRE(Kernel::PageKsm(kpage));
  REQUIRE(m.mapped(b, sb) == kpage);
  REQUIRE(Kernel::page_mapcount(kpage) == 2);
  const int count = Kernel::page_count(kpage);
  // do_wp_page: a KSM folio is never reused (wp_can_reuse_anon_folio) ->
  // wp_page_copy: the content copied, the KSM page's rmap and the
  // reference taken for the copy dropped; anon_rss unchanged (old folio anon).
  const long rss = a->anon_rss;
  CHECK(m.fault(a, sa, UNSHARE) == 0);
  page *p = m.mapped(a, sa);
  REQUIRE(p);
  CHECK(p != kpage);
  CHECK(!Kernel::PageKsm(p));
  CHECK(m.word_of(p) == word);
  CHECK(!pte_write(m.pte(a, sa)));
  CHECK(!pte_dirty(m.pte(a, sa)));
  CHECK(Kernel::page_mapcount(kpage) == 1);
  CHECK(Kernel::page_count(kpage) == count - 1);
  CHECK(a->anon_rss == rss);
  CHECK(m.mapped(b, sb) == kpage);
}

TEST_CASE("6.x unshare: an exclusive anon page stays, a COW-shared one is copied",
          "[mm6x][unshare]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 2, -1);
  page *p0 = m.write(a, s, 1);
  page *p1 = m.write(a, s + P, 2);
  m.k.lru_add_drain();                   // the LRU-add batch's references
  mm_struct *b = m.k.do_fork(a, "B", 2); // both ptes write-protected, pages shared
  REQUIRE(!pte_write(m.pte(a, s)));
  // Page 1: shared with the child (refcount 2): wp_can_reuse_anon_folio
  // fails (folio_ref_count > 1) -> copied, read-only.
  CHECK(m.fault(a, s + P, UNSHARE) == 0);
  page *c1 = m.mapped(a, s + P);
  CHECK(c1 != p1);
  CHECK(m.word_of(c1) == 2);
  CHECK(!pte_write(m.pte(a, s + P)));
  CHECK(Kernel::page_mapcount(p1) == 1);
  // Page 0 once the child is gone: only A's reference -> reused, the pte
  // left as it was (unshare returns before wp_page_reuse).
  m.k.mmput(b);
  REQUIRE(Kernel::page_count(p0) == 1);
  const pte_t before = m.pte(a, s);
  CHECK(m.fault(a, s, UNSHARE) == 0);
  CHECK(m.mapped(a, s) == p0);
  CHECK(pte_same(m.pte(a, s), before));
}

TEST_CASE("6.x unshare: a writable pte is only made young, UNSHARE with WRITE is refused",
          "[mm6x][unshare]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 1, -1);
  page *p = m.write(a, s, 4);
  const pte_t before = m.pte(a, s);
  // handle_pte_fault: pte_write -> no do_wp_page; not FAULT_FLAG_WRITE: no mkdirty.
  CHECK(m.fault(a, s, UNSHARE) == 0);
  CHECK(m.mapped(a, s) == p);
  CHECK(pte_same(m.pte(a, s), before));
  // sanitize_fault_flags: WARN_ON_ONCE(FAULT_FLAG_WRITE) -> VM_FAULT_SIGSEGV.
  CHECK(m.fault(a, s, UNSHARE | FAULT_FLAG_WRITE) == VM_FAULT_SIGSEGV);
  CHECK(m.k.oopses().size() == 1);
  CHECK(m.fault(a, s, UNSHARE | FAULT_FLAG_WRITE) == VM_FAULT_SIGSEGV);
  CHECK(m.k.oopses().size() == 1); // once
  // A none pte: do_anonymous_page without FAULT_FLAG_WRITE maps the zero page.
  std::uint64_t t = m.k.do_mmap_anon(a, 1, -1);
  CHECK(m.fault(a, t, UNSHARE) == 0);
  CHECK(is_zero_pfn(pte_pfn(m.pte(a, t))));
  CHECK(!is_ksm_zero_pte(m.pte(a, t)));
}

// --- ksm_add_vma, prctl ---------------------------------------------------------------

TEST_CASE("6.x: mmap calls ksm_add_vma on a new vma, not on one it expands", "[mm6x][mmap]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s1 = m.k.do_mmap_anon(a, 1, -1);
  REQUIRE(m.hooks().added.size() == 1);
  // The next mmap lies just below and has the same flags: vma_merge
  // expands the vma, no new one, no ksm_add_vma.
  std::uint64_t s2 = m.k.do_mmap_anon(a, 1, -1);
  REQUIRE(s2 + P == s1);
  CHECK(m.hooks().added.size() == 1);
  CHECK(a->mmap->vm_next == nullptr);
}

TEST_CASE("6.15: with MMF_VM_MERGE_ANY a new mmap does not join its VM_MERGEABLE neighbour",
          "[mm6x][mmap][prctl]") {
  Machine m;
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s1 = m.k.do_mmap_anon(a, 1, -1);
  REQUIRE(m.k.sys_prctl(a, PR_SET_MEMORY_MERGE, 1) == 0);
  CHECK((a->flags & MMF_VM_MERGE_ANY));
  CHECK((a->mmap->vm_flags & VM_MERGEABLE));
  CHECK(m.k.sys_prctl(a, PR_GET_MEMORY_MERGE, 0) == 1);
  // 6.15 __mmap_region: vma_merge_new_range compares the new flags (no
  // VM_MERGEABLE) with prev's (VM_MERGEABLE): no merge; __mmap_new_vma ->
  // ksm_add_vma sets VM_MERGEABLE on the new vma (6.16's ksm_vma_flags
  // fixed this by setting it before the merge).
  std::uint64_t s2 = m.k.do_mmap_anon(a, 1, -1);
  REQUIRE(s2 + P == s1);
  vm_area_struct *v2 = m.k.find_vma(a, s2);
  REQUIRE(v2);
  CHECK(v2->vm_end == s1);
  CHECK((v2->vm_flags & VM_MERGEABLE));
  CHECK(m.hooks().added.size() == 2);
  // prctl(PR_SET_MEMORY_MERGE, 0): ksm_disable_merge_any.
  CHECK(m.k.sys_prctl(a, PR_SET_MEMORY_MERGE, 0) == 0);
  CHECK(!(a->flags & MMF_VM_MERGE_ANY));
  CHECK(m.k.sys_prctl(a, PR_GET_MEMORY_MERGE, 0) == 0);
  // PR_GET_MEMORY_MERGE: if (arg2 || arg3 || arg4 || arg5) return -EINVAL.
  CHECK(m.k.sys_prctl(a, PR_GET_MEMORY_MERGE, 1) == -EINVAL);
  CHECK(!a->mmap_sem_writer);
}

TEST_CASE("v3.9 and v2.6.32: prctl(PR_SET/GET_MEMORY_MERGE) is EINVAL and the hooks do nothing",
          "[mm6x][prctl]") {
  for (const char *version : {"v3.9", "v2.6.32"}) {
    KernelProfile prof;
    prof.version = version;
    Kernel k(small_machine(), prof);
    mm_struct *a = k.mm_alloc("A", 1);
    std::uint64_t s = k.do_mmap_anon(a, 1, -1);
    // Before 6.4 prctl's switch has no such case: default: error = -EINVAL.
    CHECK(k.sys_prctl(a, PR_SET_MEMORY_MERGE, 1) == -EINVAL);
    CHECK(k.sys_prctl(a, PR_GET_MEMORY_MERGE, 0) == -EINVAL);
    CHECK(k.sys_prctl(a, 12345, 0) == -EINVAL);
    CHECK(a->flags == 0);
    CHECK(!(k.find_vma(a, s)->vm_flags & VM_MERGEABLE));
    std::int64_t v = -1;
    CHECK(!k.ksm.mm_stat(a, "ksm_zero_pages", &v));
    CHECK(!k.ksm.has_mm_stat("ksm_merging_pages"));
    CHECK(k.ksm.has_mm_stat("ksm_rmap_items"));
    CHECK(k.ksm.mm_stat(a, "ksm_rmap_items", &v));
    CHECK(v == 0);
  }
}

// --- /proc/PID/ksm_stat -------------------------------------------------------------------

TEST_CASE("6.x /proc/PID/ksm_stat figures from mm_struct", "[mm6x][proc]") {
  mm_struct mm;
  mm.ksm_merging_pages = 3;
  mm.ksm_zero_pages = 2;
  mm.ksm_rmap_items = 5;
  std::int64_t v = 0;
  // ksm_process_profit: (3 + 2) * 4096 - 5 * 64 = 20160.
  REQUIRE(proc_pid_ksm_stat(&mm, "ksm_process_profit", 64, &v));
  CHECK(v == 20160);
  REQUIRE(proc_pid_ksm_stat(&mm, "ksm_merging_pages", 64, &v));
  CHECK(v == 3);
  REQUIRE(proc_pid_ksm_stat(&mm, "ksm_zero_pages", 64, &v));
  CHECK(v == 2);
  REQUIRE(proc_pid_ksm_stat(&mm, "ksm_rmap_items", 64, &v));
  CHECK(v == 5);
  // Only rmap_items: the profit is negative, 0 * 4096 - 1 * 64.
  mm_struct lean;
  lean.ksm_rmap_items = 1;
  REQUIRE(proc_pid_ksm_stat(&lean, "ksm_process_profit", 64, &v));
  CHECK(v == -64);
  REQUIRE(proc_pid_ksm_stat(&lean, "ksm_merge_any", 64, &v));
  CHECK(v == 0);
  lean.flags = MMF_VM_MERGE_ANY;
  REQUIRE(proc_pid_ksm_stat(&lean, "ksm_merge_any", 64, &v));
  CHECK(v == 1);
  REQUIRE(proc_pid_ksm_stat(&lean, "ksm_mergeable", 64, &v));
  CHECK(v == 0); // no vma at all
  CHECK(!proc_pid_ksm_stat(&lean, "merged", 64, &v));
  CHECK(proc_pid_ksm_stat_names().size() == 6);
}

// --- scenarios ---------------------------------------------------------------------------

namespace {

std::string scenario_text(const std::string &steps) {
  return "scenario: t\n"
         "steps:\n"
         "  - spawn: A\n"
         "  - mmap: {mm: A, vma: heap, pages: 4}\n" +
         steps;
}

void check_parse_error(const std::string &steps, int line, int column, const std::string &part) {
  try {
    scenario::parse_text(scenario_text(steps), "t.yaml");
    FAIL("no ScenarioError");
  } catch (const scenario::ScenarioError &e) {
    INFO(e.what());
    CHECK(e.location().line == line);
    CHECK(e.location().column == column);
    CHECK_THAT(e.message(), Contains(part));
  }
}

} // namespace

TEST_CASE("prctl step: parsed, and its errors at line:column", "[mm6x][parser]") {
  scenario::Scenario s =
      scenario::parse_text(scenario_text("  - prctl: {mm: A, memory_merge: 1}\n"), "t.yaml");
  REQUIRE(s.steps.size() == 3);
  REQUIRE(std::holds_alternative<scenario::Prctl>(s.steps[2].body));
  CHECK(std::get<scenario::Prctl>(s.steps[2].body).mm == "A");
  CHECK(std::get<scenario::Prctl>(s.steps[2].body).memory_merge == 1);
  CHECK(s.steps[2].kind == "prctl");
  check_parse_error("  - prctl: {mm: A}\n", 5, 12, "memory_merge");
  check_parse_error("  - prctl: {mm: B, memory_merge: 1}\n", 5, 17, "unknown mm 'B'");
  check_parse_error("  - prctl: {mm: A, memory_merge: yes}\n", 5, 34,
                    "memory_merge: expected a non-negative integer");
  check_parse_error("  - prctl: {mm: A, memory_merge: 1, thp: 1}\n", 5, 37, "unknown key 'thp'");
}

TEST_CASE("6.x expect names: parsed, signed where the kernel prints a long", "[mm6x][parser]") {
  scenario::Scenario s = scenario::parse_text(
      scenario_text("  - expect:\n"
                    "      general_profit: -128\n"
                    "      pages_skipped: 3\n"
                    "      mm: {A: {merged: 1, ksm_zero_pages: -1, ksm_merge_any: true}}\n"),
      "t.yaml");
  const auto &x = std::get<scenario::Expect>(s.steps[2].body);
  REQUIRE(x.counters.size() == 2);
  CHECK(x.counters[0].first == "general_profit");
  CHECK(static_cast<std::int64_t>(x.counters[0].second) == -128);
  CHECK(x.counters[1].second == 3);
  REQUIRE(x.mms.size() == 1);
  CHECK(x.mms[0].merged == 1);
  REQUIRE(x.mms[0].figures.size() == 3);
  CHECK(x.mms[0].figures[1].first == "ksm_zero_pages");
  CHECK(x.mms[0].figures[1].second == -1);
  CHECK(x.mms[0].figures[2].second == 1);
  check_parse_error("  - expect: {pages_skipped: -1}\n", 5, 29,
                    "pages_skipped: expected a non-negative integer");
  check_parse_error("  - expect: {mm: {A: {ksm_merge_any: 2}}}\n", 5, 38,
                    "ksm_merge_any: expected true or false");
}

TEST_CASE("prctl step on v3.9 and v2.6.32: EINVAL", "[mm6x][runner]") {
  for (const char *version : {"v3.9", "v2.6.32"}) {
    const std::string kernel = std::string("kernel: ") + version + "\n";
    scenario::Scenario ok =
        scenario::parse_text(kernel + scenario_text("  - prctl: {mm: A, memory_merge: 1}\n"
                                                    "    expect_error: EINVAL\n"
                                                    "  - expect: {mm: {A: {ksm_rmap_items: 0}}}\n"),
                             "t.yaml");
    RunResult r = run_scenario(ok, RunOptions{});
    INFO(r.summary);
    CHECK(r.exit_code == 0);
    scenario::Scenario bad = scenario::parse_text(
        kernel + scenario_text("  - prctl: {mm: A, memory_merge: 0}\n"), "t.yaml");
    RunResult rb = run_scenario(bad, RunOptions{});
    CHECK(rb.exit_code == 1);
    CHECK_THAT(rb.summary, Contains("EINVAL"));
  }
}

TEST_CASE("6.x expect names on v3.9: a defect of the file, where it is written", "[mm6x][runner]") {
  auto defect = [](const std::string &steps, int line, int column, const std::string &part) {
    scenario::Scenario s = scenario::parse_text(scenario_text(steps), "t.yaml");
    try {
      run_scenario(s, RunOptions{});
      FAIL("no ScenarioError");
    } catch (const scenario::ScenarioError &e) {
      INFO(e.what());
      CHECK(e.location().line == line);
      CHECK(e.location().column == column);
      CHECK_THAT(e.message(), Contains(part));
    }
  };
  defect("  - expect: {general_profit: 0}\n", 5, 14, "general_profit: no such file in v3.9");
  defect("  - expect: {mm: {A: {merged: 0, ksm_zero_pages: 0}}}\n", 5, 34,
         "mm A: ksm_zero_pages: no such figure in v3.9");
}

// --- folio_walk_start ---------------------------------------------------------------------

TEST_CASE("6.x folio_walk_start: the zero page only with FW_ZEROPAGE, a migration entry's "
          "page only with FW_MIGRATION",
          "[mm6x][pagewalk]") {
  Machine m(false);
  mm_struct *a = m.k.mm_alloc("A", 1);
  std::uint64_t s = m.k.do_mmap_anon(a, 4, -1);
  vm_area_struct *vma = m.k.find_vma(a, s);
  page *p = m.write(a, s, 7);
  m.fault(a, s + P, 0); // the zero page
  folio_walk fw;
  // mm/pagewalk.c: a present pte's vm_normal_page.
  CHECK(folio_walk_start(m.k, &fw, vma, s, 0) == p);
  CHECK(pte_same(fw.pte, m.pte(a, s)));
  // vm_normal_page gives no page for the special zero pte.
  CHECK(folio_walk_start(m.k, &fw, vma, s + P, 0) == nullptr);
  CHECK(folio_walk_start(m.k, &fw, vma, s + P, FW_ZEROPAGE) == m.k.zero_page());
  // pte_none, and a page table never made.
  CHECK(folio_walk_start(m.k, &fw, vma, s + 2 * P, FW_ZEROPAGE | FW_MIGRATION) == nullptr);
  // A migration entry (as try_to_unmap(TTU_MIGRATION) leaves it).
  pte_t *ptep = m.k.pte_offset(a, s + 3 * P, true);
  m.k.set_pte(ptep, make_migration_entry(m.k.page_to_pfn(p), false));
  CHECK(folio_walk_start(m.k, &fw, vma, s + 3 * P, 0) == nullptr);
  CHECK(folio_walk_start(m.k, &fw, vma, s + 3 * P, FW_MIGRATION) == p);
  m.k.set_pte(ptep, pte_t{});
}
