// SPDX-License-Identifier: GPL-2.0-only
//
// The simulated kernel: physical memory on NUMA nodes, the swap device and
// swap cache, processes' mms, the mm operations KSM interacts with, and the
// KSM port of the profile's version behind KsmProfile (model/ksm/profile.h).
// Functions keep the kernel's names; the kernel's global state is this
// object's state.
#pragma once

#include <sys/mman.h> // MADV_*: Linux's values are the kernel's

#include <array>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "model/check/touch_log.h"
#include "model/ksm/profile.h"
#include "model/ksm/v3.9/ksm_types.h"
#include "model/lib/narrate.h"
#include "model/lib/oops.h"
#include "model/lib/trace.h"
#include "model/mm/lazy_array.h"
#include "model/mm/mm_types.h"
#include "model/mm/zero_page.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

namespace ksmsim {

namespace v2_6_32 {
class Ksm;
}

// The port of mm/ksm.c (version: "v3.9" or "v2.6.32") and, for v3.9, which
// of cbf86cfe04's fixes are present (all, in v3.9).
struct KernelProfile {
  std::string version = "v3.9";
  bool stale_stable_sweep = true;    // remove_all_stable_nodes on unmerge / switch
  bool unmerge_enter_at_tail = true; // __ksm_enter at the list tail while run is 2
  bool unmerge_swapin_copy = true;   // copy a KSM page faulted in during unmerge
  bool uptodate_copy = true;         // do not copy a !PageUptodate page
  std::string name = "v3.9";
};

struct MachineConfig {
  int nodes = 1;
  std::uint64_t pages_per_node = 262144;
  std::uint64_t swap_pages = 0;
};

// handle_mm_fault's result bits.
enum VmFault : int {
  VM_FAULT_OOM = 0x0001,
  VM_FAULT_SIGBUS = 0x0002,
  VM_FAULT_MAJOR = 0x0004,
  VM_FAULT_WRITE = 0x0008,
  VM_FAULT_SIGSEGV = 0x0040,
};
// The kernel's values (include/linux/mm_types.h of 6.x): UNSHARE and REMOTE
// only come from 6.x break_ksm (handle_mm_fault(FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE)).
enum FaultFlag : unsigned {
  FAULT_FLAG_WRITE = 1u << 0,
  FAULT_FLAG_REMOTE = 1u << 7,
  FAULT_FLAG_UNSHARE = 1u << 10,
};
// prctl options (include/uapi/linux/prctl.h, 6.4+; <sys/prctl.h> may define them).
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif
#ifndef PR_GET_MEMORY_MERGE
#define PR_GET_MEMORY_MERGE 68
#endif
enum FollFlag : unsigned { FOLL_GET = 1, FOLL_MIGRATION = 2 };
enum TtuFlags : unsigned { TTU_UNMAP = 0, TTU_MIGRATION = 1 };
enum SwapResult : int { SWAP_SUCCESS = 0, SWAP_AGAIN = 1, SWAP_FAIL = 2, SWAP_MLOCK = 3 };

// Errnos: <cerrno>'s values are the kernel's on Linux; ERESTARTSYS is kernel-internal.
constexpr int ERESTARTSYS = 512;
const char *errno_name(int err); // "EBUSY" for 16 (or -16)

class Kernel : public OopsSink {
public:
  Kernel(const MachineConfig &machine, const KernelProfile &profile);
  // Not the kernel's: with the KSM port make_port builds (make_ksm_profile
  // otherwise), so that a test can watch the hooks the MMU calls.
  using KsmPortFactory = std::function<std::unique_ptr<KsmProfile>(Kernel &)>;
  Kernel(const MachineConfig &machine, const KernelProfile &profile,
         const KsmPortFactory &make_port);
  ~Kernel() override;
  Kernel(const Kernel &) = delete;
  Kernel &operator=(const Kernel &) = delete;

  // ---- physical memory (model/mm/physmem.cpp) ----
  page *alloc_page_node(int nid); // refcount 1, or nullptr when the node is full
  // The zonelist walk: nid's zonelist, only bind_node if >= 0 (page_alloc.c).
  page *__alloc_pages_nodemask(int nid, int bind_node);
  const std::vector<int> &node_zonelist(int nid) const { return node_zonelists_[nid]; }
  page *pfn_to_page(std::uint64_t pfn);
  // Was pfn ever handed out as a frame? (pfn_to_page's check, without the BUG.)
  bool pfn_valid(std::uint64_t pfn) const {
    int nid = pfn_to_nid(pfn);
    return nid < machine.nodes &&
           pfn - std::uint64_t(nid) * machine.pages_per_node < nodes_[nid].used;
  }
  std::uint64_t page_to_pfn(const page *p) const {
    return static_cast<std::uint64_t>(p - mem_map_);
  }
  // page->private: the swap entry of a swap-cache page, 0 if none.
  std::uint32_t page_private(const page *p) const;
  void set_page_private(page *p, std::uint32_t value);
  int page_to_nid(const page *p) const;
  int pfn_to_nid(std::uint64_t pfn) const;
  page *zero_page() { return zero_page_; }
  bool is_zero_pfn(std::uint64_t pfn) const { return ksmsim::is_zero_pfn(pfn); }
  void get_page(page *p);
  bool get_page_unless_zero(page *p);
  void put_page(page *p);
  void page_cache_release(page *p) { put_page(p); }
  // Every frame ever allocated, in pfn order (for the invariant checker).
  template <class F> void for_each_frame(F &&f);
  std::uint64_t frames_in_use() const { return frames_in_use_; }
  // The highest pfn the machine has (its frames are 0..max_pfn()).
  std::uint64_t max_pfn() const { return machine.nodes * machine.pages_per_node - 1; }
  // Swap offsets are 1..swap_slots() (offset 0 is the swap header).
  std::uint64_t swap_slots() const { return machine.swap_pages; }

  // page state accessors (include/linux/mm.h, ksm.h)
  static bool PageAnon(const page *p) { return p->mapping & PAGE_MAPPING_ANON; }
  static bool PageKsm(const page *p) {
    return (p->mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_FLAGS;
  }
  static bool PageLocked(const page *p) { return p->flags & PG_locked; }
  static bool PageSwapCache(const page *p) { return p->flags & PG_swapcache; }
  static bool PageUptodate(const page *p) { return p->flags & PG_uptodate; }
  static int page_mapcount(const page *p) { return p->_mapcount + 1; }
  static bool page_mapped(const page *p) { return p->_mapcount >= 0; }
  static int page_count(const page *p) { return p->_count; }
  stable_node *page_stable_node(const page *p) const;
  void set_page_stable_node(page *p, stable_node *node);
  // What page->mapping holds for a KSM page of node (mm_types.h).
  static std::uint32_t ksm_mapping(const stable_node *node);
  struct anon_vma *page_anon_vma(const page *p) const;
  bool trylock_page(page *p);
  void lock_page(page *p);
  void unlock_page(page *p);
  void copy_user_highpage(page *to, const page *from) { contents.copy(to->content, from->content); }

  // ---- mm objects (model/mm/mmap.cpp) ----
  mm_struct *mm_alloc(const std::string &name, int pid);
  void mmdrop(mm_struct *mm);
  vm_area_struct *find_vma(mm_struct *mm, std::uint64_t addr);
  vm_area_struct *find_vma_prev(mm_struct *mm, std::uint64_t addr, vm_area_struct **pprev);
  // mmap of private anonymous memory (bound to node if >= 0); returns the
  // start address, or -errno as an unsigned value.
  std::uint64_t do_mmap_anon(mm_struct *mm, std::uint64_t npages, int node);
  int do_munmap(mm_struct *mm, std::uint64_t start, std::uint64_t len);
  // ---- the vma machinery (model/mm/vma.cpp, mmap_area.cpp, mempolicy.cpp) ----
  vm_area_struct *vma_merge(mm_struct *mm, vm_area_struct *prev, std::uint64_t addr,
                            std::uint64_t end, std::uint64_t vm_flags, struct anon_vma *anon_vma,
                            std::uint64_t pgoff, int policy);
  int vma_adjust(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, std::uint64_t pgoff,
                 vm_area_struct *insert);
  int split_vma(mm_struct *mm, vm_area_struct *vma, std::uint64_t addr, int new_below);
  int mbind_range(mm_struct *mm, std::uint64_t start, std::uint64_t end, int node);
  std::uint64_t get_unmapped_area(mm_struct *mm, std::uint64_t len);
  // ---- prctl (model/mm/prctl.cpp) ----
  // sys_prctl for the options the simulation has (PR_SET_MEMORY_MERGE,
  // PR_GET_MEMORY_MERGE): what prctl returns, or -errno.
  long sys_prctl(mm_struct *mm, int option, unsigned long arg2);
  // The PR_SET_MEMORY_MERGE / PR_GET_MEMORY_MERGE cases of 6.x sys.c's
  // switch, with the port's ksm_enable_merge_any / ksm_disable_merge_any:
  // for a port's prctl_memory_merge.
  long prctl_memory_merge_cases(mm_struct *mm, int option, unsigned long arg2,
                                const std::function<int(mm_struct *)> &enable_merge_any,
                                const std::function<int(mm_struct *)> &disable_merge_any);
  // ---- madvise (model/mm/madvise.cpp) ----
  int sys_madvise(mm_struct *mm, std::uint64_t start, std::uint64_t len, int advice);
  mm_struct *do_fork(mm_struct *parent, const std::string &child_name, int child_pid);
  void mmput(mm_struct *mm);
  void down_read(mm_struct *mm);
  void up_read(mm_struct *mm);
  void down_write(mm_struct *mm);
  void up_write(mm_struct *mm);
  const std::vector<mm_struct *> &mms() const { return mm_list_; }
  // An mm or anon_vma by its id (ids are given from 1 in allocation order,
  // and neither is ever deallocated); nullptr for 0. For the v3.9 port's
  // 32-bit links (rmap_item).
  mm_struct *mm_of_id(std::uint32_t id) const { return id ? mm_store_[id - 1].get() : nullptr; }
  struct anon_vma *anon_vma_of_id(std::uint32_t id) const {
    return id ? anon_vma_store_[id - 1].get() : nullptr;
  }

  // ---- anon_vma (model/mm/rmap.cpp) ----
  int anon_vma_prepare(vm_area_struct *vma);
  int anon_vma_fork(vm_area_struct *vma, vm_area_struct *pvma);
  void unlink_anon_vmas(vm_area_struct *vma);
  void get_anon_vma(struct anon_vma *av);
  void put_anon_vma(struct anon_vma *av);
  // ---- rmap (model/mm/rmap.cpp) ----
  void page_add_anon_rmap(page *p, vm_area_struct *vma, std::uint64_t address);
  void do_page_add_anon_rmap(page *p, vm_area_struct *vma, std::uint64_t address, int exclusive);
  void page_add_new_anon_rmap(page *p, vm_area_struct *vma, std::uint64_t address);
  void page_dup_rmap(page *p) {
    if (touch)
      touch->mapcount_before(page_to_pfn(p), page_mapcount(p));
    p->_mapcount++;
  }
  void page_remove_rmap(page *p);
  std::uint64_t vma_address(const page *p, const vm_area_struct *vma) const;
  std::uint64_t page_address_in_vma(const page *p, const vm_area_struct *vma) const;
  pte_t *page_check_address(page *p, mm_struct *mm, std::uint64_t address);
  using RmapOne = std::function<int(page *, vm_area_struct *, std::uint64_t)>;
  int rmap_walk(page *p, const RmapOne &rmap_one);
  int rmap_walk_anon(page *p, const RmapOne &rmap_one);
  int try_to_unmap(page *p, TtuFlags flags);
  int try_to_unmap_anon(page *p, TtuFlags flags);
  int try_to_unmap_one(page *p, vm_area_struct *vma, std::uint64_t address, TtuFlags flags);

  // ---- page tables and faults (model/mm/memory.cpp) ----
  pte_t *pte_offset(mm_struct *mm, std::uint64_t addr, bool alloc);
  bool mm_find_pmd(mm_struct *mm, std::uint64_t addr);
  page *vm_normal_page(vm_area_struct *vma, std::uint64_t addr, pte_t pte);
  page *follow_page(vm_area_struct *vma, std::uint64_t address, unsigned flags);
  int handle_mm_fault(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, unsigned flags);
  int do_anonymous_page(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                        unsigned flags);
  int do_wp_page(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                 pte_t orig_pte);
  // 6.x do_wp_page with FAULT_FLAG_UNSHARE, and its wp_page_copy: a KSM
  // page or the zero page becomes an exclusive anonymous copy, mapped
  // write-protected (model/mm/unshare.cpp). handle_mm_fault takes this
  // path for FAULT_FLAG_UNSHARE; the 3.9 write fault never does.
  int do_wp_page_unshare(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                         pte_t orig_pte);
  int wp_page_copy(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                   pte_t orig_pte, page *old_page, bool unshare);
  int do_swap_page(mm_struct *mm, vm_area_struct *vma, std::uint64_t address, pte_t *ptep,
                   unsigned flags, pte_t orig_pte);
  void zap_page_range(vm_area_struct *vma, std::uint64_t start, std::uint64_t end);
  int copy_page_range(mm_struct *dst, mm_struct *src, vm_area_struct *dst_vma, vm_area_struct *vma);
  page *alloc_page_vma(vm_area_struct *vma, std::uint64_t address);

  // ---- swap (model/mm/swap.cpp) ----
  std::uint64_t get_swap_page(); // 0: none free (slot 0 is never used)
  // swap counts and their continuations (model/mm/swap_count.cpp)
  int __swap_duplicate(std::uint64_t entry, std::uint8_t usage);
  int swap_duplicate(std::uint64_t entry);
  int swapcache_prepare(std::uint64_t entry);
  int add_swap_count_continuation(std::uint64_t entry);
  bool swap_count_continued(std::uint64_t offset, std::uint8_t count);
  std::uint8_t swap_entry_free(std::uint64_t entry, std::uint8_t usage);
  void swap_free(std::uint64_t entry);
  void swapcache_free(std::uint64_t entry);
  bool swap_entry_valid(std::uint64_t entry) const;
  std::uint64_t swap_refs(std::uint64_t off) const; // the count, read through continuations
  int free_swap_and_cache(std::uint64_t entry);
  int page_swapcount(page *p);
  int add_to_swap(page *p);
  int add_to_swap_cache(page *p, std::uint64_t entry);
  void delete_from_swap_cache(page *p);
  page *lookup_swap_cache(std::uint64_t entry);
  page *read_swap_cache_async(std::uint64_t entry, vm_area_struct *vma, std::uint64_t addr);
  int reuse_swap_page(page *p);
  int try_to_free_swap(page *p);
  void free_swap_cache(page *p);
  void free_page_and_swap_cache(page *p);
  // Reclaim one page as shrink_page_list would (swap it out); keep_swapcache
  // stops before __remove_mapping. Returns true if it was unmapped.
  bool shrink_page(page *p, bool keep_swapcache);
  std::uint64_t swap_slots_used() const;
  std::uint8_t swap_map_at(std::uint64_t off) const { return swap_map_.get(off); }
  std::uint32_t swap_cache_pfn(std::uint64_t off) const { return swap_cache_.get(off); }
  // f(offset) for every slot whose bookkeeping was ever touched (the others
  // are free and empty), in offset order.
  template <class F> void for_each_touched_swap_slot(F &&f) const {
    swap_map_.for_each_taken([&](std::uint64_t off, std::uint8_t) {
      if (off >= 1)
        f(off);
    });
  }
  bool swap_read_error_next = false; // the next swap read fails (page stays !Uptodate)

  // ---- LRU-add pagevecs (model/mm/lru.cpp, mm/swap.c) ----
  static constexpr std::size_t PAGEVEC_SIZE = 14;
  enum : int { LRU_INACTIVE_ANON = 0, LRU_ACTIVE_ANON = 1, NR_ANON_LRU_LISTS = 2 };
  void lru_cache_add_lru(page *p, int lru);
  void lru_cache_add_anon(page *p);
  void lru_add_drain();     // this CPU's (current.cpu)
  void lru_add_drain_all(); // every CPU's
  int isolate_lru_page(page *p);
  void putback_lru_page(page *p);
  std::size_t pagevec_count(int cpu, int lru) const;
  static bool PageLRU(const page *p) { return p->flags & PG_lru; }

  // ---- migration (model/mm/migrate.cpp) ----
  void migrate_prep() { lru_add_drain_all(); }
  int migrate_page_to_node(page *p, int nid);
  int unmap_and_move(page *p, int nid);
  void remove_migration_ptes(page *old, page *new_page);

  // ---- the oops record ----
  void record_oops(OopsRecord rec) override;
  bool first_warning_at(const std::string &site) override;
  const std::vector<OopsRecord> &oopses() const { return oopses_; }

  // ---- simulation context ----
  // Every pte store goes through here (set_pte_at and the
  // ptep_clear_flush/ptep_set_wrprotect stores alike).
  void set_pte(pte_t *ptep, pte_t pte) {
    if (touch)
      touch->pte(*ptep, pte);
    *ptep = pte;
    mm_changed();
  }
  // Not the kernel's: a count of the changes to any mm (pte stores here, and
  // every user step: the runner calls mm_changed before each). A value
  // remembered with this count still holds while the count is the same
  // (the unstable tree walk's cached levels, model/ksm/v3.9).
  std::uint64_t mm_epoch = 1;
  void mm_changed() {
    // rmap_items keep the low 32 bits: when they wrap, all is forgotten
    // (and 0 is skipped: it means "nothing seen").
    if (static_cast<std::uint32_t>(++mm_epoch) == 0) {
      ksm.forget_seen();
      mm_epoch++;
    }
  }
  // Not the kernel's: what changed since the runner last checked the
  // invariants (--check=step), or null (model/check/touch_log.h).
  TouchLog *touch = nullptr;
  // Off: every shortcut of the simulator is forced off, so that the kernel's
  // way is taken everywhere (`--no-shortcuts`; the differential tests).
  bool shortcuts = true;
  // A named preemption point (model/lib/points.h): the runner may run another
  // CPU's steps here.
  void cond_resched(const char *point) {
    if (on_point)
      on_point(point);
  }
  std::function<void(const char *)> on_point;
  // The narration hooks (model/lib/narrate.h): off while narrator is null.
  Narrator *narrator = nullptr;
  void explain(const Explained &e) {
    if (narrator)
      narrator->note(e);
  }
  // > 0 while another CPU's steps run at a preemption point.
  int nested_depth = 0;
  // Taking a held lock: another CPU's step cannot run here (LockConflict),
  // and the running context itself would deadlock (an oops).
  [[noreturn]] void lock_conflict(const char *fn, const std::string &lock);
  std::uint64_t now_us = 0;
  Task current;
  int current_step = 0;
  Trace trace;
  void trace_event(std::string_view event, std::string_view text) {
    trace.emit(current, now_us, event, text);
  }
  // Formats the event's text only when tracing is on.
  template <class... Args>
  void trace_fmt(std::string_view event, fmt::format_string<Args...> f, Args &&...args) {
    if (trace.enabled())
      trace.emit(current, now_us, event, fmt::format(f, std::forward<Args>(args)...));
  }

  MachineConfig machine;
  KernelProfile profile;
  ContentStore contents;

private:
  std::unique_ptr<KsmProfile> ksm_port_; // make_ksm_profile(profile)

public:
  // The KSM port: the MMU calls into mm/ksm.c only through this.
  KsmProfile &ksm;

private:
  // A node's free frames are a stack linked through the free pages
  // themselves (their index field), as the kernel's free lists go through
  // struct page: freed frames are reused last-in first-out.
  static constexpr std::uint32_t NO_FRAME = ~std::uint32_t(0);
  struct NodeFrames {
    std::uint64_t used = 0;             // frames handed out so far (high-water mark)
    std::uint32_t free_head = NO_FRAME; // the frame freed last
  };
  void free_page(page *p);
  void exit_mmap(mm_struct *mm);
  vm_area_struct *new_vma(mm_struct *mm);
  vm_area_struct *vma_prev(mm_struct *mm, const vm_area_struct *vma) const;
  void unlink_vma(mm_struct *mm, vm_area_struct *vma);
  void insert_vm_struct(mm_struct *mm, vm_area_struct *vma);
  void anon_vma_clone(vm_area_struct *dst, vm_area_struct *src);
  void arch_pick_mmap_layout(mm_struct *mm);
  std::uint64_t unmapped_area_topdown(mm_struct *mm, std::uint64_t length, std::uint64_t low_limit,
                                      std::uint64_t high_limit);
  std::uint64_t arch_get_unmapped_area_topdown(mm_struct *mm, std::uint64_t len);
  long madvise_behavior(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                        std::uint64_t end, int behavior);
  long madvise_dontneed(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                        std::uint64_t end);
  long madvise_pageout(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                       std::uint64_t end);
  long madvise_vma(vm_area_struct *vma, vm_area_struct **prev, std::uint64_t start,
                   std::uint64_t end, int behavior);
  void build_all_zonelists();
  using lru_pagevecs = std::array<std::vector<page *>, NR_ANON_LRU_LISTS>;
  lru_pagevecs &lru_add_pvecs(int cpu);
  void __lru_cache_add(page *p, int lru);
  void __pagevec_lru_add(std::vector<page *> &pvec, int lru);
  void lru_add_drain_cpu(int cpu);

  // Every node's frames, node after node, in one reservation of address
  // space: only the frames used are ever touched (and so take memory).
  page *mem_map_ = nullptr;
  std::size_t mem_map_bytes_ = 0;
  std::vector<NodeFrames> nodes_;
  std::vector<std::vector<int>> node_zonelists_; // per node: the nodes in fallback order
  std::vector<lru_pagevecs> lru_add_pvecs_;      // per cpu: lru_add_pvecs[NR_LRU_LISTS]
  std::unordered_map<std::uint32_t, std::uint32_t> page_private_; // pfn -> entry (lookups only)
  std::vector<stable_node *> stable_node_of_id_; // page->mapping's stable_node ids (physmem.cpp)
  page *zero_page_;
  std::uint64_t frames_in_use_ = 0;
  std::vector<std::unique_ptr<mm_struct>> mm_store_;
  std::vector<mm_struct *> mm_list_;
  std::vector<std::unique_ptr<vm_area_struct>> vma_store_;
  std::vector<std::unique_ptr<struct anon_vma>> anon_vma_store_;
  std::uint32_t next_vma_id_ = 1, next_anon_vma_id_ = 1, next_mm_id_ = 1;
  // swap: per-slot reference counts, the swap cache, and the written data
  LazyArray<std::uint8_t> swap_map_;
  // count continuation pages: per page of swap_map (offset / PAGE_SIZE), the
  // list after its head, each a page of digits (model/mm/swap_count.cpp)
  std::map<std::uint64_t, std::vector<std::vector<std::uint8_t>>> swap_cont_;
  LazyArray<std::uint32_t> swap_cache_; // pfn of the swap-cache page, 0 if none
  LazyArray<PageContent> swap_data_;
  std::uint64_t swap_cursor_ = 1;
  std::vector<OopsRecord> oopses_;     // oopses, warnings and detector reports, in order
  std::set<std::string> warned_sites_; // WARN_ON_ONCE sites that have warned
  friend class Ksm;
  friend class v2_6_32::Ksm;
};

template <class F> void Kernel::for_each_frame(F &&f) {
  for (std::size_t nid = 0; nid < nodes_.size(); nid++)
    for (std::uint64_t i = 0; i < nodes_[nid].used; i++)
      f(&mem_map_[nid * machine.pages_per_node + i]);
}

// include/linux/swap.h (v3.9): swap_map values.
constexpr unsigned SWAP_MAP_MAX = 0x3e;    // max count, in the first digit
constexpr unsigned SWAP_MAP_BAD = 0x3f;    // a bad slot
constexpr unsigned SWAP_HAS_CACHE = 0x40;  // the slot is in the swap cache
constexpr unsigned SWAP_CONT_MAX = 0x7f;   // max count of a continuation digit
constexpr unsigned COUNT_CONTINUED = 0x80; // see swap_count_continued

} // namespace ksmsim
