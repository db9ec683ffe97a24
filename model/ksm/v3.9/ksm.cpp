// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 3.9 mm/ksm.c (see docs/port-map.md): the scan, the
// stable and unstable trees, merging, unmerging and the rmap walks. The
// kernel's locking (mmap_sem, page locks, ksm_mmlist_lock) is kept where it
// decides control flow; spinlocks only serialise CPUs, and the simulation
// runs one at a time, so those are cond_resched points here instead.
#include "model/ksm/v3.9/ksm.h"

#include <fmt/format.h>

#include <cstddef>
#include <new>

#include "model/ksm/v3.9/ksm_tree.h"
#include "model/lib/rbtree_ops.h"
#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
template <class T, class M> T *container_of(M *member, M T::*field) {
  const std::ptrdiff_t off = reinterpret_cast<const char *>(&(static_cast<T *>(nullptr)->*field)) -
                             static_cast<const char *>(nullptr);
  return reinterpret_cast<T *>(reinterpret_cast<char *>(member) - off);
}
stable_node *stable_of_node(rb_node *n) {
  return container_of(n, &stable_node::node);
}
mm_slot *slot_of_list(list_node *n) {
  return container_of(n, &mm_slot::mm_list);
}
constexpr std::size_t RMAP_QUARANTINE = 4096;

// Not the kernel's: a hint to fetch both children of a tree node while this
// level's page is compared, since the tree walks wait on memory.
inline void prefetch_children(const rb_node *n) {
  __builtin_prefetch(n->rb_left);
  __builtin_prefetch(n->rb_right);
}
// The same for the unstable tree (ids: the arena's arithmetic, no load):
// a level reads a child's links and its seen entry (RmapArena::seen), the
// same cache line in three of four (the wide layout), so both. Without a
// branch, so that it is issued before this level's comparison: a NULL
// link's id 0 is slot 0 of the first chunk, mapped and never used. Inlined
// early: else gcc finds a function of prefetches alone free of side
// effects and drops its calls. A link past the ids handed out (a corrupt
// tree, which check_live and rmap_rb_access report) is prefetched as 0: the
// arena's arithmetic is never taken past its chunks (a select, no branch).
[[gnu::always_inline]] inline void prefetch_item(const RmapArena &a, const rmap_item *item) {
  __builtin_prefetch(&item->node.rb_right);
  __builtin_prefetch(&a.seen(item).word);
}
[[gnu::always_inline]] inline void prefetch_children(const RmapArena &a, const rmap_item *n) {
  const std::uint32_t left = n->node.rb_left, right = n->node.rb_right;
  prefetch_item(a, a.at(a.names_item(left) ? left : 0));
  prefetch_item(a, a.at(a.names_item(right) ? right : 0));
}

// What %p prints for an object, formatted only when a trace line is (the
// arguments of trace_fmt are built even with tracing off).
struct Ptr {
  HandleKind kind;
  std::uint32_t id;
};
Ptr ptr(HandleKind kind, std::uint32_t id) {
  return {kind, id};
}
} // namespace
} // namespace ksmsim

template <> struct fmt::formatter<ksmsim::Ptr> : fmt::formatter<std::uint64_t> {
  auto format(ksmsim::Ptr p, format_context &ctx) const {
    return fmt::format_to(ctx.out(), "{:016x}", ksmsim::handle(p.kind, p.id));
  }
};

namespace ksmsim {

stable_node *Ksm::stable_of_list(list_node *n) {
  return container_of(n, &stable_node::list);
}

Ksm::Ksm(Kernel &kernel) : k(kernel), rmap_items_(kernel) {
  INIT_LIST_HEAD(&ksm_mm_head.mm_list);
  INIT_LIST_HEAD(&migrate_nodes);
  ksm_scan.mm_slot = &ksm_mm_head;
}

Ksm::~Ksm() = default;

// ---------------------------------------------------------------- checks

void Ksm::check_live(const stable_node *node, const char *fn) const {
  if (node->freed)
    use_after_free(fn, fmt::format("stable_node {}", ptr(HandleKind::stable_node, node->id)));
}
void Ksm::check_live(const rmap_item *item, const char *fn) const {
  if (!item->mm)
    use_after_free(fn, fmt::format("rmap_item {}", ptr(HandleKind::rmap_item, rmap_id(item))));
}
void Ksm::check_live(const mm_slot *slot, const char *fn) const {
  if (slot->freed)
    use_after_free(fn, fmt::format("mm_slot {}", ptr(HandleKind::mm_slot, slot->id)));
}

namespace {
// Is node linked in the tree under root? Walks up checking every parent's
// child link, so a node left over from a reset or orphaned tree is not
// mistaken. Bounded: a stale parent chain may be cyclic.
bool rb_in_tree(const rb_root &root, const rb_node *n) {
  for (int depth = 0; depth < 256; depth++) {
    const rb_node *p = rb_parent(n);
    if (!p)
      return root.rb_node == n;
    if (p->rb_left != n && p->rb_right != n)
      return false;
    n = p;
  }
  return false;
}
// The same for the unstable tree's ids. A parent_color word with bit 1 set
// is a stale head (stable_node_ref), not a parent: as a pointer it would
// be a stable_node, whose links never name an rmap_item.
bool rb_in_tree(const RmapArena &a, const rb_root_id &root, std::uint32_t n) {
  for (int depth = 0; depth < 256; depth++) {
    const std::uint32_t pc = a.at(n)->node.__rb_parent_color;
    const std::uint32_t p = rmap_rb_access::parent_of(pc);
    if (pc & 2 || p > a.allocated())
      return false;
    if (!p)
      return root.rb_node == n;
    const rb_node_id &pn = a.at(p)->node;
    if (pn.rb_left != n && pn.rb_right != n)
      return false;
    n = p;
  }
  return false;
}
} // namespace

std::string Ksm::root_name(const void *root) const {
  for (int nid = 0; nid < nr_roots(); nid++) {
    if (root == &root_stable_tree[nid])
      return fmt::format("root_stable_tree[{}]", nid);
    if (root == &root_unstable_tree[nid])
      return fmt::format("root_unstable_tree[{}]", nid);
  }
  return root == one_stable_tree ? "one_stable_tree" : "one_unstable_tree";
}

// The kernel's rb_erase checks nothing: it rewrites whatever node's own
// links point at (a parent of another tree, or root if the parent is NULL).
// Only the simulator can see that node is not in root's tree: a detector
// report, then the kernel's erase as it is.
void Ksm::rb_erase(rb_node *node, rb_root *root, const char *fn) {
  if (!rb_in_tree(*root, node))
    detector_report(fn, "rb-erase-not-in-tree",
                    "ksmsim: rb_erase of a node that is not in " + root_name(root));
  ksmsim::rb_erase(node, root);
}
void Ksm::rb_erase(std::uint32_t node, rb_root_id *root, const char *fn) {
  settle_unstable_tree(); // not the kernel's: the erase reads the links
  if (!rb_in_tree(rmap_items_, *root, node)) {
    detector_report(fn, "rb-erase-not-in-tree",
                    "ksmsim: rb_erase of a node that is not in " + root_name(root));
    defer_inserts_ = false; // not the kernel's: the tree may be no search tree now
  }
  const rmap_rb_access a = unstable_access();
  rb_tree_ops<rmap_rb_access>(a).rb_erase(node, root);
}

stable_node *Ksm::head_node(const rmap_item *item, const char *fn) const {
  stable_node *node = stable_of_head(item->head);
  if (!node)
    kernel_bug(fn, "unable to handle kernel paging request (rmap_item->head)");
  return node;
}

int Ksm::nr_roots() const {
  return root_stable_tree == one_stable_tree ? 1 : k.machine.nodes;
}

bool Ksm::in_unstable_tree(const rmap_item *item) const {
  if (put_off(item))
    return true; // an insert put off (unstable_defer.cpp)
  for (int nid = 0; nid < nr_roots(); nid++)
    if (rb_in_tree(rmap_items_, root_unstable_tree[nid], rmap_id(item)))
      return true;
  return false;
}

bool Ksm::in_stable_tree(const stable_node *node) const {
  for (int nid = 0; nid < nr_roots(); nid++)
    if (rb_in_tree(root_stable_tree[nid], &node->node))
      return true;
  return false;
}

int Ksm::stable_tree_nid_of(const stable_node *node) const {
  for (int nid = 0; nid < nr_roots(); nid++)
    if (rb_in_tree(root_stable_tree[nid], &node->node))
      return nid;
  return -1;
}

// ------------------------------------------------------------ allocation

rmap_item *Ksm::alloc_rmap_item() {
  rmap_item *item;
  if (rmap_quarantine_.size() > RMAP_QUARANTINE) {
    item = rmap_quarantine_.front(); // the same slab object: the same pointer (and id)
    rmap_quarantine_.pop_front();
  } else {
    item = rmap_items_.fresh();
  }
  *item = rmap_item{}; // kmem_cache_zalloc
  ops.rmap_allocs++;
  ksm_rmap_items++;
  return item;
}

void Ksm::free_rmap_item(rmap_item *item) {
  settle_if_put_off(item); // not the kernel's: its seen word is forgotten below
  ksm_rmap_items--;
  ops.rmap_frees++;
  item->mm = 0; // NULL: debug safety, and our freed mark
  rmap_items_.forget_seen(item);
  rmap_quarantine_.push_back(item);
}

stable_node *Ksm::alloc_stable_node() {
  if (next_stable_id_ >= 1u << 30)
    throw std::bad_alloc(); // stable_node_ref holds the id shifted by 2
  stable_nodes_.push_back(std::make_unique<stable_node>());
  stable_node *node = stable_nodes_.back().get();
  node->id = next_stable_id_++;
  ops.stable_allocs++;
  return node;
}

void Ksm::free_stable_node(stable_node *node) {
  if (k.touch) // its KSM page, if any, may still point to it
    k.touch->frame(node->kpfn);
  node->freed = true;
}

mm_slot *Ksm::alloc_mm_slot() {
  mm_slots_.push_back(std::make_unique<mm_slot>());
  mm_slot *slot = mm_slots_.back().get();
  slot->id = next_slot_id_++;
  return slot;
}

void Ksm::free_mm_slot(mm_slot *slot) {
  slot->freed = true;
}

mm_slot *Ksm::get_mm_slot(mm_struct *mm) {
  for (const auto &slot : mm_slots_)
    if (!slot->freed && slot->mm == mm)
      return slot.get();
  return nullptr;
}

void Ksm::insert_to_mm_slots_hash(mm_struct *mm, mm_slot *slot) {
  slot->mm = mm;
}
void Ksm::hash_del(mm_slot *slot) {
  slot->mm = nullptr;
}

// ----------------------------------------------------------- the port

bool Ksm::ksm_test_exit(mm_struct *mm) {
  return mm->mm_users == 0;
}

int Ksm::break_ksm(vm_area_struct *vma, std::uint64_t addr) {
  KFUNC();
  int ret = 0;
  do {
    k.cond_resched("break_ksm:cond_resched");
    ops.follow_page++;
    page *p = k.follow_page(vma, addr, FOLL_GET | FOLL_MIGRATION);
    if (!p)
      break;
    if (Kernel::PageKsm(p))
      ret = k.handle_mm_fault(vma->vm_mm, vma, addr, FAULT_FLAG_WRITE);
    else
      ret = VM_FAULT_WRITE;
    k.put_page(p);
  } while (!(ret & (VM_FAULT_WRITE | VM_FAULT_SIGBUS | VM_FAULT_OOM)));
  return (ret & VM_FAULT_OOM) ? -ENOMEM : 0;
}

vm_area_struct *Ksm::find_mergeable_vma(mm_struct *mm, std::uint64_t addr) {
  if (ksm_test_exit(mm))
    return nullptr;
  vm_area_struct *vma = k.find_vma(mm, addr);
  if (!vma || vma->vm_start > addr)
    return nullptr;
  if (!(vma->vm_flags & VM_MERGEABLE) || !vma->anon_vma)
    return nullptr;
  return vma;
}

void Ksm::break_cow(rmap_item *item) {
  KFUNC();
  mm_struct *mm = k.mm_of_id(item->mm);
  std::uint64_t addr = item->address;
  k.explain({.why = Why::break_cow, .item = item});
  // It is not an accident that whenever we want to break COW to undo, we
  // also need to drop a reference to the anon_vma.
  k.put_anon_vma(k.anon_vma_of_id(item->anon_vma));
  k.down_read(mm);
  vm_area_struct *vma = find_mergeable_vma(mm, addr);
  if (vma)
    break_ksm(vma, addr);
  k.up_read(mm);
}

page *Ksm::get_mergeable_page(rmap_item *item) {
  KFUNC();
  mm_struct *mm = k.mm_of_id(item->mm);
  std::uint64_t addr = item->address;
  page *p = nullptr;
  k.down_read(mm);
  vm_area_struct *vma = find_mergeable_vma(mm, addr);
  if (vma) {
    ops.follow_page++;
    p = k.follow_page(vma, addr, FOLL_GET);
    if (p && !Kernel::PageAnon(p)) {
      k.put_page(p);
      p = nullptr;
    }
  }
  k.up_read(mm);
  return p;
}

int Ksm::get_kpfn_nid(std::uint64_t kpfn) const {
  return ksm_merge_across_nodes ? 0 : k.pfn_to_nid(kpfn);
}

void Ksm::remove_node_from_stable_tree(stable_node *node) {
  KFUNC();
  check_live(node, __func__);
  for (rmap_item *item = hlist_first_entry(node); item; item = hlist_next_entry(item)) {
    if (item->hlist.next) {
      ksm_pages_sharing--;
      k.trace_fmt("ksm_remove_rmap_item", "pfn {} rmap_item {} mm {}", node->kpfn,
                  ptr(HandleKind::rmap_item, rmap_id(item)), ptr(HandleKind::mm, item->mm));
    } else {
      ksm_pages_shared--;
    }
    k.put_anon_vma(k.anon_vma_of_id(item->anon_vma));
    item->address &= PAGE_MASK;
    k.cond_resched("remove_node_from_stable_tree:cond_resched");
  }
  k.trace_fmt("ksm_remove_ksm_page", "pfn {}", node->kpfn);
  if (node->head == &migrate_nodes)
    list_del(&node->list);
  else
    rb_erase(&node->node, &root_stable_tree[node->nid], __func__);
  free_stable_node(node);
}

page *Ksm::get_ksm_page(stable_node *node, bool lock_it) {
  KFUNC();
  check_live(node, __func__);
  const std::uint32_t expected_mapping = Kernel::ksm_mapping(node); // node's id: mm_types.h
  page *p;
  for (;;) { // again:
    std::uint64_t kpfn = node->kpfn;
    p = k.pfn_to_page(kpfn);
    bool stale = false;
    if (p->mapping != expected_mapping) {
      stale = true;
    } else if (!k.get_page_unless_zero(p)) {
      // A refcount of 0 under page_freeze_refs() is never seen here: no
      // other CPU is ever between freezing and unfreezing.
      stale = true;
    } else if (p->mapping != expected_mapping) {
      k.put_page(p);
      stale = true;
    } else if (lock_it) {
      k.lock_page(p);
      if (p->mapping != expected_mapping) {
        k.unlock_page(p);
        k.put_page(p);
        stale = true;
      }
    }
    if (!stale)
      return p;
    // stale: but it might be under migration
    if (node->kpfn != kpfn)
      continue;
    k.explain({.why = Why::stale_node, .node = node});
    remove_node_from_stable_tree(node);
    return nullptr;
  }
}

void Ksm::remove_rmap_item_from_tree(rmap_item *item) {
  KFUNC();
  check_live(item, __func__);
  if (item->address & STABLE_FLAG) {
    stable_node *node = head_node(item, __func__);
    page *p = get_ksm_page(node, true);
    if (p) {
      k.explain({.why = Why::removed_stable, .item = item, .node = node});
      hlist_del(rmap_items_, item, &node->hlist, __func__);
      k.unlock_page(p);
      k.put_page(p);
      if (!hlist_empty(&node->hlist))
        ksm_pages_sharing--;
      else
        ksm_pages_shared--;
      k.put_anon_vma(k.anon_vma_of_id(item->anon_vma));
      item->address &= PAGE_MASK;
    }
  } else if (item->address & UNSTABLE_FLAG) {
    // Usually ksmd can and must skip the rb_erase, because the unstable
    // tree was already reset; but not if this item was inserted this scan.
    unsigned char age = static_cast<unsigned char>(ksm_scan.seqnr - item->address);
    BUG_ON(age > 1);
    k.explain({.why = Why::removed_unstable, .item = item, .value = age});
    if (!age)
      rb_erase(rmap_id(item), &root_unstable_tree[item->nid], __func__);
    ksm_pages_unshared--;
    item->address &= PAGE_MASK;
  }
  k.cond_resched("remove_rmap_item_from_tree:cond_resched"); // called from many long loops
}

void Ksm::remove_trailing_rmap_items(mm_slot *slot, std::uint32_t *rmap_list) {
  while (*rmap_list) {
    rmap_item *item = rmap_at(*rmap_list);
    *rmap_list = item->rmap_list;
    remove_rmap_item_from_tree(item);
    free_rmap_item(item);
  }
}

int Ksm::unmerge_ksm_pages(vm_area_struct *vma, std::uint64_t start, std::uint64_t end) {
  KFUNC();
  int err = 0;
  for (std::uint64_t addr = start; addr < end && !err; addr += PAGE_SIZE) {
    if (ksm_test_exit(vma->vm_mm))
      break;
    err = break_ksm(vma, addr); // no signals are ever pending here
  }
  return err;
}

int Ksm::remove_stable_node(stable_node *node) {
  KFUNC();
  page *p = get_ksm_page(node, true);
  if (!p)
    return 0; // get_ksm_page did remove_node_from_stable_tree itself
  int err;
  if (WARN_ON_ONCE(Kernel::page_mapped(p), "mm/ksm.c:715")) {
    // This should not happen: but if it does, just refuse to let
    // merge_across_nodes be switched - there is no need to panic.
    err = -EBUSY;
  } else {
    // Not yet stale to get_ksm_page (perhaps swap cache), but safe to remove.
    k.set_page_stable_node(p, nullptr);
    remove_node_from_stable_tree(node);
    err = 0;
  }
  k.unlock_page(p);
  k.put_page(p);
  return err;
}

int Ksm::remove_all_stable_nodes() {
  KFUNC();
  int err = 0;
  for (int nid = 0; nid < ksm_nr_node_ids; nid++) {
    while (root_stable_tree[nid].rb_node) {
      stable_node *node = stable_of_node(root_stable_tree[nid].rb_node);
      if (remove_stable_node(node)) {
        err = -EBUSY;
        break; // proceed to next nid
      }
      k.cond_resched("remove_all_stable_nodes:tree");
    }
  }
  for (list_node *n = migrate_nodes.next, *next; n != &migrate_nodes; n = next) {
    next = n->next;
    if (remove_stable_node(stable_of_list(n)))
      err = -EBUSY;
    k.cond_resched("remove_all_stable_nodes:migrate_nodes");
  }
  return err;
}

int Ksm::unmerge_and_remove_all_rmap_items() {
  KFUNC();
  int err = 0;
  mm_struct *mm = nullptr;
  ksm_scan.mm_slot = slot_of_list(ksm_mm_head.mm_list.next);
  k.cond_resched("unmerge_and_remove_all_rmap_items:start"); // spin_unlock(&ksm_mmlist_lock)

  for (mm_slot *slot = ksm_scan.mm_slot; slot != &ksm_mm_head; slot = ksm_scan.mm_slot) {
    check_live(slot, __func__);
    mm = slot->mm;
    k.trace_fmt("ksmsim_unmerge_mm", "mm {}", ptr(HandleKind::mm, mm->id));
    k.down_read(mm);
    for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
      if (ksm_test_exit(mm))
        break;
      if (!(vma->vm_flags & VM_MERGEABLE) || !vma->anon_vma)
        continue;
      err = unmerge_ksm_pages(vma, vma->vm_start, vma->vm_end);
      if (err) {
        k.up_read(mm);
        ksm_scan.mm_slot = &ksm_mm_head;
        return err;
      }
    }
    remove_trailing_rmap_items(slot, &slot->rmap_list);

    ksm_scan.mm_slot = slot_of_list(slot->mm_list.next);
    if (ksm_test_exit(mm)) {
      hash_del(slot);
      list_del(&slot->mm_list);
      free_mm_slot(slot);
      mm->flags &= ~MMF_VM_MERGEABLE;
      k.up_read(mm);
      k.mmdrop(mm);
    } else {
      k.up_read(mm);
    }
    k.cond_resched("unmerge_and_remove_all_rmap_items:next_mm");
  }

  // Clean up stable nodes, but don't worry if some are still busy
  if (k.profile.stale_stable_sweep)
    remove_all_stable_nodes();
  ksm_scan.seqnr = 0;
  return 0;
}

std::uint32_t Ksm::calc_checksum(page *p) {
  ops.checksums++;
  return k.contents.checksum(p->content);
}

int Ksm::memcmp_pages(page *a, page *b) {
  count_memcmp(a->content, b->content);
  return k.contents.compare(a->content, b->content);
}

void Ksm::count_memcmp(const PageContent &a, const PageContent &b) {
  ops.memcmp_calls++;
  if (ops.count_bytes)
    ops.memcmp_bytes += k.contents.compared_length(a, b);
}
void Ksm::count_memcmp(const PageContent &a, std::uint64_t seen_word) {
  ops.memcmp_calls++;
  if (ops.count_bytes)
    ops.memcmp_bytes += k.contents.compared_length(a, seen_word);
}

int Ksm::write_protect_page(vm_area_struct *vma, page *p, pte_t *orig_pte) {
  KFUNC();
  ops.write_protects++;
  mm_struct *mm = vma->vm_mm;
  int err = -EFAULT;
  std::uint64_t addr = k.page_address_in_vma(p, vma);
  if (addr == static_cast<std::uint64_t>(-EFAULT))
    return err;
  pte_t *ptep = k.page_check_address(p, mm, addr);
  if (!ptep)
    return err;
  if (pte_write(*ptep) || pte_dirty(*ptep)) {
    int swapped = Kernel::PageSwapCache(p);
    pte_t entry = *ptep; // ptep_clear_flush
    k.set_pte(ptep, pte_t{});
    // Check that no O_DIRECT or similar I/O is in progress on the page
    if (Kernel::page_mapcount(p) + 1 + swapped != Kernel::page_count(p)) {
      k.set_pte(ptep, entry);
      return err;
    }
    if (pte_dirty(entry))
      p->flags |= PG_dirty; // set_page_dirty
    k.set_pte(ptep, pte_mkclean(pte_wrprotect(entry)));
  }
  *orig_pte = *ptep;
  return 0;
}

int Ksm::replace_page(vm_area_struct *vma, page *p, page *kpage, pte_t orig_pte) {
  KFUNC();
  ops.replace_pages++;
  mm_struct *mm = vma->vm_mm;
  std::uint64_t addr = k.page_address_in_vma(p, vma);
  if (addr == static_cast<std::uint64_t>(-EFAULT))
    return -EFAULT;
  if (!k.mm_find_pmd(mm, addr))
    return -EFAULT;
  pte_t *ptep = k.pte_offset(mm, addr, false);
  if (!pte_same(*ptep, orig_pte))
    return -EFAULT;
  k.get_page(kpage);
  k.page_add_anon_rmap(kpage, vma, addr);
  k.set_pte(ptep, pte_t{}); // ptep_clear_flush
  k.set_pte(ptep,
            pfn_pte(k.page_to_pfn(kpage))); // mk_pte(kpage, vma->vm_page_prot): read-only, clean
  k.page_remove_rmap(p);
  if (!Kernel::page_mapped(p))
    k.try_to_free_swap(p);
  k.put_page(p);
  return 0;
}

int Ksm::try_to_merge_one_page(vm_area_struct *vma, page *p, page *kpage) {
  KFUNC();
  pte_t orig_pte{};
  int err = -EFAULT;
  if (p == kpage) // ksm page forked
    return 0;
  if (!(vma->vm_flags & VM_MERGEABLE))
    return err;
  if (!Kernel::PageAnon(p))
    return err;
  // trylock, not lock: better to scan on and come back to this page later
  if (!k.trylock_page(p))
    return err;
  if (write_protect_page(vma, p, &orig_pte) == 0) {
    if (!kpage) {
      // While we hold the page lock, upgrade page from PageAnon+anon_vma
      // to PageKsm+NULL stable_node: stable_tree_insert will set it.
      k.set_page_stable_node(p, nullptr);
      err = 0;
    } else if (pages_identical(p, kpage)) {
      err = replace_page(vma, p, kpage, orig_pte);
    }
  }
  if ((vma->vm_flags & VM_LOCKED) && kpage && !err) {
    p->flags &= ~PG_mlocked; // munlock_vma_page
    if (!(kpage->flags & PG_mlocked)) {
      k.unlock_page(p);
      k.lock_page(kpage);
      kpage->flags |= PG_mlocked; // mlock_vma_page
      p = kpage;                  // for final unlock
    }
  }
  k.unlock_page(p);
  return err;
}

int Ksm::try_to_merge_with_ksm_page(rmap_item *item, page *p, page *kpage) {
  KFUNC();
  mm_struct *mm = k.mm_of_id(item->mm);
  int err = -EFAULT;
  k.down_read(mm);
  vm_area_struct *vma = nullptr;
  if (!ksm_test_exit(mm)) {
    vma = k.find_vma(mm, item->address);
    if (vma && vma->vm_start <= item->address) {
      err = try_to_merge_one_page(vma, p, kpage);
      if (!err) {
        // Unstable nid is in union with stable anon_vma: remove first
        remove_rmap_item_from_tree(item);
        // Must get reference to anon_vma while still holding mmap_sem
        item->anon_vma = vma->anon_vma->id;
        k.get_anon_vma(vma->anon_vma);
      }
    }
  }
  k.up_read(mm);
  k.explain({.why = Why::merge_result, .item = item, .pg = kpage, .value = err});
  k.trace_fmt("ksm_merge_with_ksm_page", "{}pfn {} rmap_item {} mm {} error {}",
              kpage ? "ksm " : "", k.page_to_pfn(kpage ? kpage : p),
              ptr(HandleKind::rmap_item, rmap_id(item)), ptr(HandleKind::mm, mm->id), err);
  return err;
}

page *Ksm::try_to_merge_two_pages(rmap_item *item, page *p, rmap_item *tree_item, page *tree_page) {
  KFUNC();
  int err = try_to_merge_with_ksm_page(item, p, nullptr);
  if (!err) {
    err = try_to_merge_with_ksm_page(tree_item, tree_page, p);
    // If that fails, we have a ksm page with only one pte pointing to it:
    // so break it.
    if (err)
      break_cow(item);
  }
  return err ? nullptr : p;
}

page *Ksm::stable_tree_search(page *p) {
  KFUNC();
  stable_node *page_node = k.page_stable_node(p);
  if (page_node && page_node->head != &migrate_nodes) {
    k.get_page(p); // ksm page forked
    k.explain({.why = Why::ksm_page_forked, .node = page_node});
    return p;
  }
  int nid = get_kpfn_nid(k.page_to_pfn(p));
  rb_root *root = &root_stable_tree[nid];
  stable_node *node = nullptr;
  rb_node **new_;
  rb_node *parent;
again:
  new_ = &root->rb_node;
  parent = nullptr;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    k.cond_resched("stable_tree_search:cond_resched");
    ops.stable_levels++;
    node = stable_of_node(*new_);
    prefetch_children(*new_);
    page *tree_page = get_ksm_page(node, false);
    if (!tree_page)
      return nullptr;
    int ret = memcmp_pages(p, tree_page);
    k.put_page(tree_page);
    parent = *new_;
    if (ret < 0) {
      new_ = &parent->rb_left;
    } else if (ret > 0) {
      new_ = &parent->rb_right;
    } else {
      // Lock and unlock the stable_node's page (which might already have
      // been migrated) so that page migration is sure to notice its raised
      // count.
      tree_page = get_ksm_page(node, true);
      if (tree_page) {
        k.unlock_page(tree_page);
        if (get_kpfn_nid(node->kpfn) != node->nid) {
          k.put_page(tree_page);
          goto replace;
        }
        k.explain({.why = Why::stable_hit, .node = node});
        return tree_page;
      }
      // There is now a place for page_node, but the tree may have been
      // rebalanced, so re-evaluate parent and new.
      if (page_node)
        goto again;
      return nullptr;
    }
  }
  if (!page_node) {
    k.explain({.why = Why::stable_miss});
    return nullptr;
  }
  list_del(&page_node->list);
  page_node->nid = nid;
  rb_link_node(&page_node->node, parent, new_); // overwrites head (the union)
  rb_insert_color(&page_node->node, root);
  k.explain({.why = Why::stable_relinked, .node = page_node});
  k.get_page(p);
  return p;

replace:
  if (page_node) {
    list_del(&page_node->list);
    page_node->nid = nid;
    rb_replace_node(&node->node, &page_node->node, root); // overwrites head (the union)
    k.get_page(p);
    k.explain({.why = Why::stable_replaced, .node = page_node, .value = node->id});
  } else {
    rb_erase(&node->node, root, __func__);
    k.explain({.why = Why::stable_dropped, .node = node});
    p = nullptr;
  }
  node->head = &migrate_nodes;
  list_add(&node->list, node->head);
  return p;
}

stable_node *Ksm::stable_tree_insert(page *kpage) {
  KFUNC();
  std::uint64_t kpfn = k.page_to_pfn(kpage);
  int nid = get_kpfn_nid(kpfn);
  rb_root *root = &root_stable_tree[nid];
  rb_node **new_ = &root->rb_node;
  rb_node *parent = nullptr;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    k.cond_resched("stable_tree_insert:cond_resched");
    ops.stable_levels++;
    stable_node *node = stable_of_node(*new_);
    prefetch_children(*new_);
    page *tree_page = get_ksm_page(node, false);
    if (!tree_page)
      return nullptr;
    int ret = memcmp_pages(kpage, tree_page);
    k.put_page(tree_page);
    parent = *new_;
    if (ret < 0) {
      new_ = &parent->rb_left;
    } else if (ret > 0) {
      new_ = &parent->rb_right;
    } else {
      // Not a bug that stable_tree_search didn't find this node: our page
      // was not yet write-protected then, so may have changed since.
      k.explain({.why = Why::stable_insert_equal, .node = node});
      return nullptr;
    }
  }
  stable_node *node = alloc_stable_node();
  node->hlist.first = 0; // INIT_HLIST_HEAD
  node->kpfn = kpfn;
  k.set_page_stable_node(kpage, node);
  node->nid = nid;
  rb_link_node(&node->node, parent, new_);
  rb_insert_color(&node->node, root);
  k.explain({.why = Why::stable_inserted, .node = node});
  return node;
}

rmap_item *Ksm::unstable_tree_search_insert(rmap_item *item, page *p, page **tree_pagep) {
  KFUNC();
  int nid = get_kpfn_nid(k.page_to_pfn(p));
  rb_root_id *root = &root_unstable_tree[nid];
  // The tree's links are rmap_item ids (rb_node_id): new_ points at the
  // root's or a parent's link, parent is an id.
  std::uint32_t *new_ = &root->rb_node;
  std::uint32_t parent = 0;
  // Not the kernel's: a level whose tree page was seen since the last
  // change to any mm (rmap_seen::epoch) with a content other than p's
  // is decided on what was seen: that page is not p (p's content is not
  // what it holds), and the kernel's get_mergeable_page, memcmp_pages and
  // put_page change nothing but give the comparison's result, so only a
  // result of "different" is taken from it; equality and everything else go
  // the kernel's way. Not while a preemption point or the narration watches.
  const bool use_seen = k.shortcuts && !k.on_point && !k.narrator;
  const std::uint32_t epoch32 = static_cast<std::uint32_t>(k.mm_epoch);
  // Not the kernel's: a hint. Both children's items are fetched while a
  // level compares only while the items are few enough (PREFETCH_CHILDREN_ITEMS).
  const bool children = rmap_items_.allocated() < PREFETCH_CHILDREN_ITEMS;
  // Not the kernel's: an insert that the walk would make at the end of
  // levels nobody can see is put off (unstable_defer.cpp); any other walk
  // first links those put off.
  if (may_defer_insert(p, use_seen)) {
    defer_insert(item);
    unstable_inserted(item, p, nid);
    return nullptr;
  }
  settle_unstable_tree();
  lookahead_begin(root);
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    k.cond_resched("unstable_tree_search_insert:cond_resched");
    ops.unstable_levels++;
    // Not the kernel's: a link naming no rmap_item handed out (only a
    // corrupt tree has one) is reported, never followed out of the arena.
    if (!rmap_items_.names_item(*new_))
      detector_stop(__func__, "rbtree-bad-link",
                    fmt::format("ksmsim: unstable tree link names rmap_item {}, past the {} "
                                "handed out (a corrupt tree)",
                                *new_, rmap_items_.allocated()));
    rmap_item *tree_item = rmap_items_.at(*new_);
    if (children)
      prefetch_children(rmap_items_, tree_item);
    lookahead_level(epoch32);
    // (A freed item has nothing seen: check_live below reports it.)
    if (const rmap_seen &s = rmap_items_.seen(tree_item); use_seen && s.epoch == epoch32) {
      const std::uint64_t seen = s.word;
      if (int ret = k.contents.compare(p->content, seen); ret != 0) {
        // the kernel's get_mergeable_page and memcmp_pages, counted
        ops.follow_page++;
        count_memcmp(p->content, seen);
        parent = *new_;
        new_ = ret < 0 ? &tree_item->node.rb_left : &tree_item->node.rb_right;
        continue;
      }
    }
    check_live(tree_item, __func__);
    page *tree_page = get_mergeable_page(tree_item);
    if (!tree_page) {
      k.explain({.why = Why::unstable_gone, .other = tree_item});
      return nullptr;
    }
    remember_seen(tree_item, tree_page);
    // Don't substitute a ksm page for a forked page.
    if (p == tree_page) {
      k.put_page(tree_page);
      k.explain({.why = Why::unstable_same_page, .other = tree_item});
      return nullptr;
    }
    int ret = memcmp_pages(p, tree_page);
    parent = *new_;
    if (ret < 0) {
      k.put_page(tree_page);
      new_ = &tree_item->node.rb_left;
    } else if (ret > 0) {
      k.put_page(tree_page);
      new_ = &tree_item->node.rb_right;
    } else if (!ksm_merge_across_nodes && k.page_to_nid(tree_page) != nid) {
      // tree_page was migrated to another node: it goes to the right
      // unstable tree next time; only merge with it when across nodes.
      k.put_page(tree_page);
      k.explain({.why = Why::unstable_other_node, .other = tree_item});
      return nullptr;
    } else {
      k.explain({.why = Why::unstable_hit, .other = tree_item});
      *tree_pagep = tree_page;
      return tree_item;
    }
  }
  const rmap_rb_access a = unstable_access();
  const rb_tree_ops<rmap_rb_access> tree(a);
  tree.rb_link_node(rmap_id(item), parent, new_);
  tree.rb_insert_color(rmap_id(item), root);
  unstable_inserted(item, p, nid);
  return nullptr;
}

// The rest of unstable_tree_search_insert's insert, around the linking
// (which nothing between them reads).
void Ksm::unstable_inserted(rmap_item *item, const page *p, int nid) {
  item->address |= UNSTABLE_FLAG;
  item->address |= (ksm_scan.seqnr & SEQNR_MASK);
  item->nid = nid;
  remember_seen(item, p); // p is what get_mergeable_page(item) gives now
  if (k.contents.has_pokes(p->content))
    defer_inserts_ = false; // not the kernel's: no seen word (unstable_defer.cpp)
  k.explain({.why = Why::unstable_inserted, .item = item, .value = nid});
  ksm_pages_unshared++;
  // Not the kernel's: a host memory hint for the items' arena, no result
  // depends on it (model/ksm/v3.9/rmap_arena.h).
  if (ksm_pages_unshared == RmapArena::SLOTS)
    rmap_items_.expect_random_access();
}

bool Ksm::peek_ahead_word(std::uint64_t *word) const {
  const mm_slot *slot = ksm_scan.mm_slot;
  if (!slot || slot == &ksm_mm_head || slot->freed || !slot->mm)
    return false;
  const mm_struct *mm = slot->mm;
  const std::uint64_t addr = ksm_scan.address + std::uint64_t(LOOKAHEAD_PAGES - 1) * PAGE_SIZE;
  const pte_t *ptep = pte_lookup(*mm, addr);
  if (!ptep || !pte_present(*ptep) || !k.pfn_valid(pte_pfn(*ptep)))
    return false;
  const page *pg = k.pfn_to_page(pte_pfn(*ptep));
  if (k.contents.has_pokes(pg->content))
    return false;
  *word = k.contents.word_of(pg->content);
  return true;
}

void Ksm::lookahead_begin(const rb_root_id *root) {
  std::uint64_t word;
  if (!peek_ahead_word(&word))
    return;
  lookahead_[lookahead_start_] = {word, root->rb_node};
  lookahead_start_ = (lookahead_start_ + 1) % LOOKAHEAD_WALKS;
}

void Ksm::lookahead_level(std::uint32_t epoch32) {
  lookahead_walk &w = lookahead_[lookahead_step_];
  lookahead_step_ = (lookahead_step_ + 1) % LOOKAHEAD_WALKS;
  if (!rmap_items_.names_item(w.node)) {
    w.node = 0;
    return;
  }
  const rmap_item *item = rmap_items_.at(w.node);
  // A page's bytes compare as its word's, most significant byte first
  // (ContentStore's word_byte); only a hint if it did not.
  const rmap_seen &seen = rmap_items_.seen(item);
  if (seen.epoch != epoch32 || seen.word == w.word) {
    w.node = 0;
    return;
  }
  w.node = w.word < seen.word ? item->node.rb_left : item->node.rb_right;
  if (rmap_items_.names_item(w.node)) // (a corrupt tree's link names no item)
    prefetch_item(rmap_items_, rmap_items_.at(w.node));
}

void Ksm::remember_seen(rmap_item *item, const page *pg) {
  rmap_seen &seen = rmap_items_.seen(item);
  seen.epoch = k.contents.has_pokes(pg->content) ? 0 : static_cast<std::uint32_t>(k.mm_epoch);
  seen.word = k.contents.word_of(pg->content);
}

void Ksm::forget_seen() {
  entered();              // KsmProfile::entries
  settle_unstable_tree(); // the inserts put off are placed by what was seen
  for (std::uint32_t id = 1; id <= rmap_items_.allocated(); id++)
    rmap_items_.forget_seen(rmap_items_.at(id));
}

void Ksm::stable_tree_append(rmap_item *item, stable_node *node) {
  check_live(node, __func__);
  settle_if_put_off(item); // not the kernel's: head and hlist overlay its links
  item->head = stable_node_ref(node);
  item->address |= STABLE_FLAG;
  hlist_add_head(rmap_items_, item, &node->hlist);
  if (item->hlist.next)
    ksm_pages_sharing++;
  else
    ksm_pages_shared++;
}

void Ksm::cmp_and_merge_page(page *p, rmap_item *item) {
  KFUNC();
  check_live(item, __func__);
  k.explain({.why = Why::page_begin, .item = item, .pg = p});
  page *tree_page = nullptr;
  stable_node *node = k.page_stable_node(p);
  if (node) {
    check_live(node, __func__);
    if (node->head != &migrate_nodes && get_kpfn_nid(node->kpfn) != node->nid) {
      rb_erase(&node->node, &root_stable_tree[node->nid], __func__);
      node->head = &migrate_nodes;
      list_add(&node->list, node->head);
      k.explain({.why = Why::to_migrate_nodes, .node = node});
    }
    // item->head overlays node.__rb_parent_color, as in the kernel: a stale
    // head left from an earlier stable period counts here too (a parent
    // left from the unstable tree never equals a stable_node_ref).
    if (node->head != &migrate_nodes && item->head == stable_node_ref(node)) {
      k.explain({.why = Why::already_stable, .node = node});
      return;
    }
  }

  // We first start with searching the page inside the stable tree
  page *kpage = stable_tree_search(p);
  if (kpage == p && item->head == stable_node_ref(node)) {
    k.explain({.why = Why::still_stable, .node = node});
    k.put_page(kpage);
    return;
  }

  remove_rmap_item_from_tree(item);

  if (kpage) {
    int err = try_to_merge_with_ksm_page(item, p, kpage);
    if (!err) {
      // The page was successfully merged: add its rmap_item to the stable tree.
      k.lock_page(kpage);
      stable_tree_append(item, k.page_stable_node(kpage));
      k.unlock_page(kpage);
    }
    k.put_page(kpage);
    return;
  }

  // If the hash value of the page has changed from the last time we
  // calculated it, this page is changing frequently: don't insert it in
  // the unstable tree, nor search for something identical to it there.
  std::uint32_t checksum = calc_checksum(p);
  if (item->oldchecksum != checksum) {
    k.explain({.why = Why::volatile_page, .item = item, .value = checksum});
    item->oldchecksum = checksum;
    return;
  }
  k.explain({.why = Why::checksum_same, .item = item});

  rmap_item *tree_item = unstable_tree_search_insert(item, p, &tree_page);
  if (tree_item) {
    kpage = try_to_merge_two_pages(item, p, tree_item, tree_page);
    k.put_page(tree_page);
    if (kpage) {
      // The pages were successfully merged: insert new node in the stable
      // tree and add both rmap_items.
      k.lock_page(kpage);
      stable_node *snode = stable_tree_insert(kpage);
      if (snode) {
        stable_tree_append(tree_item, snode);
        stable_tree_append(item, snode);
      }
      k.unlock_page(kpage);
      // If we fail to insert the page into the stable tree, we have two
      // virtual addresses pointing to a ksm page outside the stable tree:
      // break_cow on both.
      if (!snode) {
        break_cow(tree_item);
        break_cow(item);
      }
    }
  }
}

rmap_item *Ksm::get_next_rmap_item(mm_slot *slot, std::uint32_t *rmap_list, std::uint64_t addr) {
  while (*rmap_list) {
    rmap_item *item = rmap_at(*rmap_list);
    if ((item->address & PAGE_MASK) == addr)
      return item;
    if (item->address > addr)
      break;
    *rmap_list = item->rmap_list;
    remove_rmap_item_from_tree(item);
    free_rmap_item(item);
  }
  rmap_item *item = alloc_rmap_item();
  item->mm = slot->mm->id;
  item->address = addr;
  item->rmap_list = *rmap_list;
  *rmap_list = rmap_id(item);
  return item;
}

rmap_item *Ksm::scan_get_next_rmap_item(page **pagep) {
  KFUNC();
  if (list_empty(&ksm_mm_head.mm_list))
    return nullptr;

  mm_slot *slot = ksm_scan.mm_slot;
  if (slot == &ksm_mm_head) {
    k.trace_fmt("ksm_start_scan", "seq {} rmap size {}", ksm_scan.seqnr, ksm_rmap_items);
    // A newly faulted page is not on the LRU yet: its pagevec's reference
    // would make write_protect_page's page_count check refuse it.
    k.lru_add_drain_all();

    // Stale nodes moved out to migrate_nodes can accumulate: prune them
    // once before each full scan.
    if (!ksm_merge_across_nodes) {
      for (list_node *n = migrate_nodes.next, *next; n != &migrate_nodes; n = next) {
        next = n->next;
        page *p = get_ksm_page(stable_of_list(n), false);
        if (p)
          k.put_page(p);
        k.cond_resched("scan_get_next_rmap_item:migrate_nodes");
      }
    }
    for (int nid = 0; nid < ksm_nr_node_ids; nid++)
      root_unstable_tree[nid] = RB_ROOT_ID;
    start_deferring(); // not the kernel's: unstable_defer.cpp

    slot = slot_of_list(slot->mm_list.next);
    ksm_scan.mm_slot = slot;
    k.cond_resched("scan_get_next_rmap_item:start"); // spin_unlock(&ksm_mmlist_lock)
    // A racing __ksm_exit of the last mm on the list may have removed it.
    if (slot == &ksm_mm_head)
      return nullptr;
    ksm_scan.address = 0;
    ksm_scan.rmap_list = &slot->rmap_list;
  }

  for (;;) { // next_mm:
    check_live(slot, __func__);
    mm_struct *mm = slot->mm;
    k.down_read(mm);
    vm_area_struct *vma = ksm_test_exit(mm) ? nullptr : k.find_vma(mm, ksm_scan.address);
    for (; vma; vma = vma->vm_next) {
      if (!(vma->vm_flags & VM_MERGEABLE))
        continue;
      if (ksm_scan.address < vma->vm_start)
        ksm_scan.address = vma->vm_start;
      if (!vma->anon_vma)
        ksm_scan.address = vma->vm_end;
      while (ksm_scan.address < vma->vm_end) {
        if (ksm_test_exit(mm))
          break;
        ops.follow_page++;
        *pagep = k.follow_page(vma, ksm_scan.address, FOLL_GET);
        if (!*pagep) {
          ksm_scan.address += PAGE_SIZE;
          k.cond_resched("scan_get_next_rmap_item:no_page");
          continue;
        }
        if (Kernel::PageAnon(*pagep)) {
          rmap_item *item = get_next_rmap_item(slot, ksm_scan.rmap_list, ksm_scan.address);
          ksm_scan.rmap_list = &item->rmap_list;
          ksm_scan.address += PAGE_SIZE;
          k.up_read(mm);
          // not a cond_resched: the kernel can be preempted anywhere once
          // mmap_sem is dropped, before cmp_and_merge_page looks at the page
          k.cond_resched("scan_get_next_rmap_item:up_read");
          return item;
        }
        k.put_page(*pagep);
        ksm_scan.address += PAGE_SIZE;
        k.cond_resched("scan_get_next_rmap_item:not_anon");
      }
    }

    if (ksm_test_exit(mm)) {
      ksm_scan.address = 0;
      ksm_scan.rmap_list = &slot->rmap_list;
    }
    // Nuke all the rmap_items that are above this current rmap: because
    // there were no VM_MERGEABLE vmas with such addresses.
    remove_trailing_rmap_items(slot, ksm_scan.rmap_list);

    ops.mm_slots++;
    ksm_scan.mm_slot = slot_of_list(slot->mm_list.next);
    if (ksm_scan.address == 0) {
      // A full scan of all vmas found no VM_MERGEABLE (or the mm is
      // exiting): remove this mm from all our lists now, as __ksm_exit would.
      hash_del(slot);
      list_del(&slot->mm_list);
      free_mm_slot(slot);
      mm->flags &= ~MMF_VM_MERGEABLE;
      k.up_read(mm);
      k.mmdrop(mm);
    } else {
      k.up_read(mm);
    }
    k.cond_resched("scan_get_next_rmap_item:next_mm"); // up_read(&mm->mmap_sem)

    // Repeat until we've completed scanning the whole list
    slot = ksm_scan.mm_slot;
    if (slot == &ksm_mm_head)
      break;
    ksm_scan.address = 0;
    ksm_scan.rmap_list = &slot->rmap_list;
  }

  k.trace_fmt("ksm_stop_scan", "seq {} rmap size {}", ksm_scan.seqnr, ksm_rmap_items);
  ksm_scan.seqnr++;
  ops.full_scans++;
  return nullptr;
}

void Ksm::ksm_do_scan(unsigned int scan_npages) {
  entered(); // KsmProfile::entries
  KFUNC();
  while (scan_npages--) {
    k.cond_resched("ksm_do_scan:cond_resched");
    ops.cond_rescheds++;
    page *p = nullptr;
    rmap_item *item = scan_get_next_rmap_item(&p);
    if (!item)
      return;
    cmp_and_merge_page(p, item);
    k.explain({.why = Why::page_done, .item = item});
    k.put_page(p);
    ksm_pages_scanned++;
    ops.pages_scanned++;
    if (after_page_scanned)
      after_page_scanned();
  }
}

bool Ksm::ksmd_should_run() const {
  return (ksm_run & KSM_RUN_MERGE) && !list_empty(&ksm_mm_head.mm_list);
}

int Ksm::ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                     std::uint64_t *vm_flags) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  switch (advice) {
  case MADV_MERGEABLE:
    // Be somewhat over-protective for now!
    if (*vm_flags & (VM_MERGEABLE | VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
                     VM_HUGETLB | VM_NONLINEAR | VM_MIXEDMAP))
      return 0; // just ignore the advice
    if (!(mm->flags & MMF_VM_MERGEABLE)) {
      int err = __ksm_enter(mm);
      if (err)
        return err;
    }
    *vm_flags |= VM_MERGEABLE;
    break;
  case MADV_UNMERGEABLE:
    entered(); // KsmProfile::entries (MADV_MERGEABLE does not count: see __ksm_enter)
    if (!(*vm_flags & VM_MERGEABLE))
      return 0; // just ignore the advice
    if (vma->anon_vma) {
      int err = unmerge_ksm_pages(vma, start, end);
      if (err)
        return err;
    }
    *vm_flags &= ~std::uint64_t(VM_MERGEABLE);
    break;
  }
  return 0;
}

int Ksm::__ksm_enter(mm_struct *mm) {
  // Not counted in KsmProfile::entries: it adds an mm_slot with no
  // rmap_items, which no KSM check can find wrong.
  KFUNC();
  // Not the kernel's: the simulator's limit (rmap_item keeps its mm's id
  // in 19 bits, ksm_types.h), before anything changes.
  if (mm->id >= RMAP_MM_IDS)
    throw SimulatorLimit(RMAP_MM_LIMIT);
  mm_slot *slot = alloc_mm_slot();
  // Check ksm_run too?  Would need tighter locking
  bool needs_wakeup = list_empty(&ksm_mm_head.mm_list);
  insert_to_mm_slots_hash(mm, slot);
  // When KSM_RUN_MERGE (or STOP), insert just behind the scanning cursor,
  // to let the area settle down a little; when KSM_RUN_UNMERGE, insert at
  // the end, ahead of the unmerge cursor (cbf86cfe04's second fix).
  if ((ksm_run & KSM_RUN_UNMERGE) && k.profile.unmerge_enter_at_tail)
    list_add_tail(&slot->mm_list, &ksm_mm_head.mm_list);
  else
    list_add_tail(&slot->mm_list, &ksm_scan.mm_slot->mm_list);
  k.cond_resched("__ksm_enter:unlock"); // spin_unlock(&ksm_mmlist_lock)
  mm->flags |= MMF_VM_MERGEABLE;
  mm->mm_count++;
  if (needs_wakeup)
    wake_pending = true; // wake_up_interruptible(&ksm_thread_wait)
  k.trace_fmt("ksm_enter", "mm {}", ptr(HandleKind::mm, mm->id));
  return 0;
}

void Ksm::__ksm_exit(mm_struct *mm) {
  entered(); // KsmProfile::entries
  KFUNC();
  bool easy_to_free = false;
  // If it's straightforward, free the mm_slot at once; if it's at the
  // cursor or has rmap_items, leave it on the list for ksmd to free.
  mm_slot *slot = get_mm_slot(mm);
  if (slot && ksm_scan.mm_slot != slot) {
    if (!slot->rmap_list) {
      hash_del(slot);
      list_del(&slot->mm_list);
      easy_to_free = true;
    } else {
      list_move(&slot->mm_list, &ksm_scan.mm_slot->mm_list);
    }
  }
  k.cond_resched("__ksm_exit:unlock"); // spin_unlock(&ksm_mmlist_lock)
  if (easy_to_free) {
    free_mm_slot(slot);
    mm->flags &= ~MMF_VM_MERGEABLE;
    k.mmdrop(mm);
  } else if (slot) {
    k.down_write(mm); // serialise with any break_cow before pagetables are freed
    k.up_write(mm);
  }
  k.trace_fmt("ksm_exit", "mm {}", ptr(HandleKind::mm, mm->id));
}

int Ksm::ksm_fork(mm_struct *mm, mm_struct *oldmm) {
  entered(); // KsmProfile::entries
  if (oldmm->flags & MMF_VM_MERGEABLE)
    return __ksm_enter(mm);
  return 0;
}

void Ksm::ksm_exit(mm_struct *mm) {
  entered(); // KsmProfile::entries
  if (mm->flags & MMF_VM_MERGEABLE)
    __ksm_exit(mm);
}

// Before cbf86cfe04 (include/linux/ksm.h + ksm_does_need_to_copy): only an
// anon page of another anon_vma or index is copied; after it, KSM pages are
// copied too while unmerging, and a !PageUptodate page never is.
page *Ksm::ksm_might_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) {
  entered(); // KsmProfile::entries
  KFUNC();
  struct anon_vma *av = k.page_anon_vma(p);
  const std::uint32_t index = linear_page_index(vma, address);
  if (k.profile.unmerge_swapin_copy) {
    if (Kernel::PageKsm(p)) {
      if (k.page_stable_node(p) && !(ksm_run & KSM_RUN_UNMERGE))
        return p; // no need to copy it
    } else if (!av) {
      return p; // no need to copy it
    } else if (av->root == vma->anon_vma->root && p->index == index) {
      return p; // still no need to copy it
    }
  } else if (!av || (av->root == vma->anon_vma->root && p->index == index)) {
    return p;
  }
  if (k.profile.uptodate_copy && !Kernel::PageUptodate(p))
    return p; // let do_swap_page report the error
  return ksm_does_need_to_copy(p, vma, address);
}

page *Ksm::ksm_does_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) {
  page *new_page = k.alloc_page_vma(vma, address);
  if (new_page) {
    k.copy_user_highpage(new_page, p);
    new_page->flags |= PG_dirty | PG_uptodate | PG_swapbacked | PG_locked;
    k.trace_fmt("ksmsim_ksm_copy", "pfn {} -> pfn {}", k.page_to_pfn(p), k.page_to_pfn(new_page));
  }
  return new_page;
}

int Ksm::rmap_walk_ksm(
    page *p, const std::function<int(page *, vm_area_struct *, std::uint64_t)> &rmap_one) {
  entered(); // KsmProfile::entries
  KFUNC();
  int ret = SWAP_AGAIN;
  VM_BUG_ON(!Kernel::PageKsm(p));
  VM_BUG_ON(!Kernel::PageLocked(p));
  stable_node *node = k.page_stable_node(p);
  if (!node)
    return ret;
  check_live(node, __func__);
  // Initially examine only the vma which covers each rmap_item; then, if
  // there is still work to do, covering vmas in other mms (forked since).
  for (int search_new_forks = 0; search_new_forks < 2; search_new_forks++) {
    for (rmap_item *item = hlist_first_entry(node); item; item = hlist_next_entry(item)) {
      check_live(item, __func__);
      struct anon_vma *av = k.anon_vma_of_id(item->anon_vma);
      if (av->freed)
        use_after_free(__func__, fmt::format("anon_vma {}", av->id));
      std::vector<vm_area_struct *> vmas = av->vmas;
      for (vm_area_struct *vma : vmas) {
        if (item->address < vma->vm_start || item->address >= vma->vm_end)
          continue;
        if ((item->mm == vma->vm_mm->id) == bool(search_new_forks))
          continue;
        ret = rmap_one(p, vma, item->address & PAGE_MASK);
        if (ret != SWAP_AGAIN)
          return ret;
      }
    }
  }
  return ret;
}

int Ksm::try_to_unmap_ksm(page *p, unsigned flags) {
  entered(); // KsmProfile::entries
  KFUNC();
  VM_BUG_ON(!Kernel::PageKsm(p));
  VM_BUG_ON(!Kernel::PageLocked(p));
  stable_node *node = k.page_stable_node(p);
  if (!node)
    return SWAP_FAIL;
  check_live(node, __func__);
  int ret = SWAP_AGAIN;
  for (int search_new_forks = 0; search_new_forks < 2; search_new_forks++) {
    for (rmap_item *item = hlist_first_entry(node); item; item = hlist_next_entry(item)) {
      check_live(item, __func__);
      struct anon_vma *av = k.anon_vma_of_id(item->anon_vma);
      if (av->freed)
        use_after_free(__func__, fmt::format("anon_vma {}", av->id));
      std::vector<vm_area_struct *> vmas = av->vmas;
      for (vm_area_struct *vma : vmas) {
        if (item->address < vma->vm_start || item->address >= vma->vm_end)
          continue;
        if ((item->mm == vma->vm_mm->id) == bool(search_new_forks))
          continue;
        ret = k.try_to_unmap_one(p, vma, item->address & PAGE_MASK, static_cast<TtuFlags>(flags));
        if (ret != SWAP_AGAIN || !Kernel::page_mapped(p))
          return ret;
      }
    }
  }
  return ret;
}

void Ksm::ksm_migrate_page(page *newpage, page *oldpage) {
  entered(); // KsmProfile::entries
  KFUNC();
  VM_BUG_ON(!Kernel::PageLocked(oldpage));
  VM_BUG_ON(!Kernel::PageLocked(newpage));
  VM_BUG_ON(newpage->mapping != oldpage->mapping);
  stable_node *node = k.page_stable_node(newpage);
  if (node) {
    check_live(node, __func__);
    VM_BUG_ON(node->kpfn != k.page_to_pfn(oldpage));
    node->kpfn = k.page_to_pfn(newpage);
    k.set_page_stable_node(oldpage, nullptr);
  }
}

} // namespace ksmsim
